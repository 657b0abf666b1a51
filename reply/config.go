package reply

import (
	"mailassist/draft"
	"mailassist/setting"
)

// What the reply stage does with the best suggestion.
const (
	DraftTop  = "top"  // the best suggestion becomes a draft in Drafts
	DraftNone = "none" // suggestions are only published
)

// Config is the reply section of the config file.
type Config struct {
	// Draft: top (the best suggestion becomes a draft in Drafts) or none
	// (suggestions are only published). Default top.
	Draft string `yaml:"draft"`
	// Threshold is the "expects a reply" score (0..1) a message needs.
	// Default 0.5.
	Threshold float64 `yaml:"threshold"`
	// LLM is "" or "none" (the built-in generator), "small" or "large":
	// the endpoint that writes suggestions.
	LLM string `yaml:"llm"`
	// MaxRecipients caps reply-all in every draft (the reply stage's and
	// the escalation's): a message to more addresses gets a draft to the
	// sender only, and its event says so. Default 20.
	MaxRecipients int `yaml:"max_recipients"`
	// Trigger is the personal trigger: each account's reply habits.
	Trigger TriggerConfig `yaml:"trigger"`
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Draft == "" {
		c.Draft = DraftTop
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.MaxRecipients == 0 {
		c.MaxRecipients = draft.DefaultMaxRecipients
	}
	c.Trigger = c.Trigger.WithDefaults()
	return c
}

// Validate reports every problem of c (with its defaults filled in). That
// LLM names a configured endpoint is the caller's to check.
func (c *Config) Validate(p setting.Problems) {
	p.OneOf("draft", c.Draft, DraftTop, DraftNone)
	if !(c.Threshold > 0 && c.Threshold < 1) {
		p.Add("threshold", "%g is not in (0, 1)", c.Threshold)
	}
	p.Between("max_recipients", c.MaxRecipients, 1, 1000)
	c.Trigger.Validate(p.In("trigger"))
}
