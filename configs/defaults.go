package configs

import (
	"mailassist/escalate"
	"mailassist/llm"
	"mailassist/ops"
)

// The defaults of the file's own keys; every section's defaults live with
// the package that owns it (its WithDefaults). An explicit zero ("0s", 0,
// "") means the default too, except for http.listen, where an explicit
// listen: "" disables the HTTP server.
const (
	defaultDataDir   = "./data"
	defaultLogLevel  = "info"
	defaultLogFormat = "text"
	// DefaultMemoryLimit is memory_limit's default.
	DefaultMemoryLimit = 192 << 20
	minMemoryLimit     = 32 << 20
	// DefaultGCPercent is gc_percent's default.
	DefaultGCPercent = 50
	minGCPercent     = 10
	maxGCPercent     = 1000
)

// applyDefaults fills in every zero field. httpListenSet says whether the
// file has an http.listen key, so that an explicit empty value disables
// the HTTP server instead of getting the default.
func (c *Config) applyDefaults(httpListenSet bool) {
	setDefault(&c.DataDir, defaultDataDir)
	setDefault(&c.MemoryLimit, DefaultMemoryLimit)
	setDefault(&c.GCPercent, DefaultGCPercent)
	setDefault(&c.Log.Level, defaultLogLevel)
	setDefault(&c.Log.Format, defaultLogFormat)
	c.NATS = c.NATS.WithDefaults()
	if !httpListenSet {
		setDefault(&c.HTTP.Listen, ops.DefaultListen)
	}
	c.Stream = c.Stream.WithDefaults()
	c.Stages = c.Stages.WithDefaults()
	c.IMAP = c.IMAP.WithDefaults()
	for i := range c.Accounts {
		c.Accounts[i] = c.Accounts[i].WithDefaults()
	}
	c.Spam = c.Spam.WithDefaults()
	c.Reply = c.Reply.WithDefaults()
	escalateLLM := escalate.LLMNone
	if c.LLM.Large != nil {
		escalateLLM = "large"
	}
	c.Escalate = c.Escalate.WithDefaults(escalateLLM)
	for _, name := range []string{"small", "large"} {
		// An endpoint that the spam gray zone shares with another stage
		// keeps one slot for the gray zone (see SharesGrayZone): two by
		// default.
		if ep := c.LLM.Endpoint(name); ep != nil && ep.MaxConcurrency == 0 && c.SharesGrayZone(name) {
			ep.MaxConcurrency = 2
		}
	}
	if c.LLM.Small != nil {
		*c.LLM.Small = c.LLM.Small.WithDefaults(llm.DefaultTimeout)
	}
	if c.LLM.Large != nil {
		*c.LLM.Large = c.LLM.Large.WithDefaults(llm.DefaultLargeTimeout)
	}
}

// SharesGrayZone reports whether the llm endpoint called name answers
// both the spam gray zone and another stage (reply or escalate). One of
// its max_concurrency slots is then kept for the gray zone, so that its
// short question never waits behind a long generation.
func (c *Config) SharesGrayZone(name string) bool {
	return c.Spam.LLM == name && (c.Reply.LLM == name || c.Escalate.LLM == name)
}

// setDefault sets *v to def when *v is the zero value.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
