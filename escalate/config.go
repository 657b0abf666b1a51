package escalate

import (
	"time"

	"mailassist/hardness"

	"mailassist/setting"
)

// Defaults of the escalate section.
const (
	DefaultMaxPerHour   = 20
	DefaultThreadTokens = 3000 // with the instructions and the answer, fits a 4096-token context
	DefaultMaxWait      = 12 * time.Hour
	DefaultTimeout      = 10 * time.Minute
)

// LLMNone is the escalate.llm value that sends every hard thread to the
// human.
const LLMNone = "none"

// Config is the escalate section of the config file: the hardness score's
// settings (threshold, weights, VIP senders, rules) and the large model's.
type Config struct {
	hardness.Config `yaml:",inline"`
	// LLM is "large" (default when llm.large is set), "small", or "none":
	// without a model every hard thread goes to the human.
	LLM string `yaml:"llm"`
	// MaxPerHour bounds large-model calls per account and hour. Default 20.
	MaxPerHour int `yaml:"max_per_hour"`
	// ThreadTokens bounds the thread given to the model. Default 3000.
	ThreadTokens int `yaml:"thread_tokens"`
	// MaxWait is how long a thread waits for a model that is down or over
	// budget before it goes to the human. Default 12h.
	MaxWait setting.Duration `yaml:"max_wait"`
}

// WithDefaults returns c with its zero fields set to the defaults, llm
// being the endpoint to use when none is named ("none" without one).
func (c Config) WithDefaults(llm string) Config {
	c.Config = c.Config.WithDefaults()
	if c.LLM == "" {
		c.LLM = llm
	}
	if c.MaxPerHour == 0 {
		c.MaxPerHour = DefaultMaxPerHour
	}
	if c.ThreadTokens == 0 {
		c.ThreadTokens = DefaultThreadTokens
	}
	if c.MaxWait == 0 {
		c.MaxWait = setting.Duration(DefaultMaxWait)
	}
	return c
}

// Validate reports every problem of c (with its defaults filled in). That
// LLM names a configured endpoint is the caller's to check.
func (c *Config) Validate(p setting.Problems) {
	c.Config.Validate(p)
	p.Between("max_per_hour", c.MaxPerHour, 1, 100000)
	p.Between("thread_tokens", c.ThreadTokens, 200, 1000000)
	p.Positive("max_wait", c.MaxWait)
}
