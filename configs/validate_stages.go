package configs

import (
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// EscalateReasons are the reason names escalate.weights accepts; the
// escalate package's Weights.Set knows the same (a test checks).
var EscalateReasons = []string{
	"thread_length", "participants", "long_message", "complaint", "legal", "urgent",
	"money", "negative_tone", "vip", "small_model_invalid", "small_model_unsure",
}

func validateReply(r *Reply, l *LLM, ps *problems) {
	oneOf(ps, "reply.draft", r.Draft, "top", "none")
	if !(r.Threshold > 0 && r.Threshold < 1) {
		ps.add("reply.threshold", "%g is not in (0, 1)", r.Threshold)
	}
	if r.LLM != "none" {
		llmName(ps, "reply.llm", r.LLM, l, "")
	}
}

// llmName checks a reference to an llm endpoint; none is the word that
// means "no model" ("" where the empty string does).
func llmName(ps *problems, path, name string, l *LLM, none string) {
	switch {
	case name == none:
	case name == "small" && l.Small == nil, name == "large" && l.Large == nil:
		ps.add(path, "%q names llm.%s, which is not configured", name, name)
	case name != "small" && name != "large":
		want := "small, large (or empty for none)"
		if none != "" {
			want = "small, large, " + none
		}
		ps.add(path, "%q is not one of %s", name, want)
	}
}

func validateEscalate(e *Escalate, l *LLM, ps *problems) {
	if !(e.Threshold > 0 && e.Threshold <= 1) {
		ps.add("escalate.threshold", "%g is not in (0, 1]", e.Threshold)
	}
	for _, name := range slices.Sorted(maps.Keys(e.Weights)) { // sorted: one order for a flow mapping on one line
		w, path := e.Weights[name], "escalate.weights."+name
		switch {
		case !slices.Contains(EscalateReasons, name):
			ps.add(path, "unknown reason %q (known: %s)", name, strings.Join(EscalateReasons, ", "))
		case !(w >= 0 && w <= 1):
			ps.add(path, "%g is not in [0, 1]", w)
		}
	}
	for i, v := range e.VIP {
		path := fmt.Sprintf("escalate.vip[%d]", i)
		if strings.HasPrefix(v, "@") {
			if len(v) < 2 || strings.ContainsAny(v[1:], "@ <>,") {
				ps.add(path, "%q is not @domain", v)
			}
		} else if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			ps.add(path, "%q is not an address or @domain", v)
		}
	}
	names := map[string]bool{}
	for i, r := range e.Rules {
		path := fmt.Sprintf("escalate.rules[%d]", i)
		switch {
		case r.Name == "":
			ps.add(path+".name", "required")
		case strings.ContainsAny(r.Name, " \t\r\n"): // the escalate package wants one word
			ps.add(path+".name", "%q is not one word", r.Name)
		case names[r.Name]:
			ps.add(path+".name", "%q is used by another rule", r.Name)
		}
		names[r.Name] = true
		oneOf(ps, path+".field", r.Field, "subject", "from")
		if r.Pattern == "" {
			ps.add(path+".pattern", "required")
		} else if _, err := regexp.Compile("(?i)" + r.Pattern); err != nil {
			ps.add(path+".pattern", "not a regular expression: %v", err)
		}
		if !(r.Weight > 0 && r.Weight <= 1) {
			ps.add(path+".weight", "%g is not in (0, 1]", r.Weight)
		}
	}
	llmName(ps, "escalate.llm", e.LLM, l, "none")
	between(ps, "escalate.max_per_hour", e.MaxPerHour, 1, 100000)
	between(ps, "escalate.thread_tokens", e.ThreadTokens, 200, 1000000)
	positive(ps, "escalate.max_wait", e.MaxWait)
}
