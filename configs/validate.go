package configs

import (
	"fmt"

	"mailassist/escalate"
	"mailassist/setting"
)

// validate checks a decoded config with its defaults filled in: each
// section checks itself, and this file checks what crosses sections
// (unique account names, references to llm endpoints). It reports every
// problem through ps and reads no secret: password files and variables
// are read at connect time.
func validate(c *Config, ps *problems) {
	root := setting.NewProblems(ps, "")
	root.OneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	root.OneOf("log.format", c.Log.Format, "text", "json")
	if c.MemoryLimit < minMemoryLimit {
		root.Add("memory_limit", "%s is too little to run in; at least %s", c.MemoryLimit, setting.ByteSize(minMemoryLimit))
	}
	if c.GCPercent < minGCPercent || c.GCPercent > maxGCPercent {
		root.Add("gc_percent", "%d is out of range: %d to %d", c.GCPercent, minGCPercent, maxGCPercent)
	}
	c.NATS.Validate(root.In("nats"))
	c.Stream.Validate(root.In("stream"))
	c.Stages.Validate(root.In("stages"))
	c.HTTP.Validate(root.In("http"))
	c.IMAP.Validate(root.In("imap"))
	validateAccounts(c, root)
	c.Spam.Validate(root.In("spam"))
	for name := range c.Spam.PerAccount {
		if _, ok := c.Account(name); !ok {
			root.Add("spam.per_account."+name, "%q is not the name of an account", name)
		}
	}
	llmName(root, "spam.llm", c.Spam.LLM, &c.LLM, "", "no second opinion")
	c.Reply.Validate(root.In("reply"))
	for name := range c.Reply.Trigger.PerAccount {
		if _, ok := c.Account(name); !ok {
			root.Add("reply.trigger.per_account."+name, "%q is not the name of an account", name)
		}
	}
	if c.Reply.LLM != "none" {
		llmName(root, "reply.llm", c.Reply.LLM, &c.LLM, "", "none")
	}
	for name, a := range c.Reply.PerAccount {
		if _, ok := c.Account(name); !ok {
			root.Add("reply.per_account."+name, "%q is not the name of an account", name)
		}
		if a.LLM != "" && a.LLM != "none" {
			llmName(root, "reply.per_account."+name+".llm", a.LLM, &c.LLM, "", "none")
		}
	}
	c.Escalate.Validate(root.In("escalate"))
	llmName(root, "escalate.llm", c.Escalate.LLM, &c.LLM, escalate.LLMNone, "")
	if c.LLM.Small != nil {
		c.LLM.Small.Validate(root.In("llm.small"))
	}
	if c.LLM.Large != nil {
		c.LLM.Large.Validate(root.In("llm.large"))
	}
	for _, name := range []string{"small", "large"} {
		if ep := c.LLM.Endpoint(name); ep != nil && c.SharesGrayZone(name) && ep.MaxConcurrency < 2 {
			root.Add("llm."+name+".max_concurrency", "%d: spam.llm shares llm.%s with another stage, and one slot is kept for the spam gray zone; set 2 or more (and let Ollama run as many: OLLAMA_NUM_PARALLEL), or give spam.llm its own endpoint", ep.MaxConcurrency, name)
		}
	}
}

// validateAccounts checks every account, and that no two share a name.
// No account at all is valid: the bus and the demo run without one.
func validateAccounts(c *Config, root setting.Problems) {
	first := map[string]int{} // account name to the index that has it first
	for i := range c.Accounts {
		a := &c.Accounts[i]
		p := root.In(fmt.Sprintf("accounts[%d]", i))
		a.Validate(p)
		if j, dup := first[a.Name]; dup && a.Name != "" {
			p.Add("name", "%q is already the name of accounts[%d]", a.Name, j)
		} else {
			first[a.Name] = i
		}
	}
}

// llmName checks a reference to an llm endpoint; none is the word that
// means "no model" (the empty string when none is ""), noneHelp how the
// message names the empty value when it is allowed.
func llmName(p setting.Problems, field, name string, l *LLM, none, noneHelp string) {
	switch {
	case name == none:
	case name == "small" && l.Small == nil, name == "large" && l.Large == nil:
		p.Add(field, "%q names llm.%s, which is not configured", name, name)
	case name != "small" && name != "large":
		want := "small, large (or empty for " + noneHelp + ")"
		if none != "" {
			want = "small, large, " + none
		}
		p.Add(field, "%q is not one of %s", name, want)
	}
}
