package spam

import (
	"time"

	"mailassist/bus"
	"mailassist/setting"
)

// Defaults of the spam section.
const (
	DefaultAction     = bus.SpamMove
	DefaultGrayLow    = 0.3
	DefaultGrayHigh   = 0.9
	DefaultLLMTimeout = 10 * time.Second
)

// Config is the spam section of the config file.
type Config struct {
	// Action on spam: move (to Junk), flag (keyword $Junk), or none
	// (classify and publish only). Default move.
	Action bus.SpamAction `yaml:"action"`
	// Threshold overrides the model's own decision threshold (0..1).
	// 0 keeps the model's.
	Threshold float64 `yaml:"threshold"`
	// Model is a model file to start from instead of the shipped default.
	Model string `yaml:"model"`
	// GrayZone [low, high]: scores in it get a second opinion from the LLM
	// named by LLM. Default [0.3, 0.9].
	GrayZone []float64 `yaml:"gray_zone"`
	// LLM is "" (no second opinion), "small" or "large": which llm endpoint
	// to ask about gray-zone messages.
	LLM string `yaml:"llm"`
	// LLMTimeout bounds one gray-zone call. Default 10s.
	LLMTimeout setting.Duration `yaml:"llm_timeout"`
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Action == "" {
		c.Action = DefaultAction
	}
	if len(c.GrayZone) == 0 {
		c.GrayZone = []float64{DefaultGrayLow, DefaultGrayHigh}
	}
	if c.LLMTimeout == 0 {
		c.LLMTimeout = setting.Duration(DefaultLLMTimeout)
	}
	return c
}

// Validate reports every problem of c (with its defaults filled in). That
// LLM names a configured endpoint is the caller's to check.
func (c *Config) Validate(p setting.Problems) {
	p.OneOf("action", string(c.Action), string(bus.SpamMove), string(bus.SpamFlag), string(bus.SpamNone))
	if !(c.Threshold >= 0 && c.Threshold < 1) { // negated, so that NaN fails too
		p.Add("threshold", "%g is not in [0, 1) (0 keeps the model's own threshold)", c.Threshold)
	}
	if g := c.GrayZone; len(g) != 2 || !(0 <= g[0] && g[0] < g[1] && g[1] <= 1) {
		p.Add("gray_zone", "%v is not [low, high] with 0 <= low < high <= 1", g)
	}
	p.AtLeast("llm_timeout", c.LLMTimeout, 100*time.Millisecond)
	p.Existing("model", c.Model)
}
