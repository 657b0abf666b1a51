// Package configs loads and validates the mailassist admin config file:
// one strict YAML document whose sections the domain packages own (each
// section's type, defaults and checks live with the code it configures),
// every problem reported at once with its line.
package configs

import (
	"mailassist/account"
	"mailassist/bus"
	"mailassist/escalate"
	"mailassist/imapx"
	"mailassist/llm"
	"mailassist/ops"
	"mailassist/reply"
	"mailassist/setting"
	"mailassist/spam"
)

// Config is the whole admin config file. Zero values mean the documented
// defaults; Load fills them in (see defaults.go and configs/mailassist.yaml).
type Config struct {
	// DataDir holds the embedded NATS store and other local state.
	// Default: "./data".
	DataDir string `yaml:"data_dir"`
	// MemoryLimit is the Go runtime's soft memory limit of run and the
	// role commands (runtime/debug.SetMemoryLimit): as the process nears
	// it the garbage collector runs more often and hands memory back, so
	// that a backlog of any size runs in about this much. The GOMEMLIMIT
	// environment variable wins when set (GOMEMLIMIT=off: no limit).
	// Default 192MiB; at least 32MiB.
	MemoryLimit setting.ByteSize `yaml:"memory_limit"`
	// GCPercent is the garbage collector's target heap growth of run and
	// the role commands (runtime/debug.SetGCPercent): a collection starts
	// when the heap has grown this many percent beyond what the last one
	// left. Below Go's own 100 the process holds less beyond its live
	// memory for a little more CPU. The GOGC environment variable wins
	// when set. Default 50; 10 to 1000.
	GCPercent int               `yaml:"gc_percent"`
	Log       Log               `yaml:"log"`
	NATS      bus.NATSConfig    `yaml:"nats"`
	Stream    bus.StreamConfig  `yaml:"stream"`
	Stages    bus.StagesConfig  `yaml:"stages"`
	HTTP      ops.Config        `yaml:"http"`
	IMAP      imapx.Limits      `yaml:"imap"`
	Accounts  []account.Account `yaml:"accounts"`
	Spam      spam.Config       `yaml:"spam"`
	Reply     reply.Config      `yaml:"reply"`
	Escalate  escalate.Config   `yaml:"escalate"`
	LLM       LLM               `yaml:"llm"`
}

// LLM names the Ollama endpoints. A nil endpoint is not configured.
type LLM struct {
	Small *llm.Endpoint `yaml:"small"`
	Large *llm.Endpoint `yaml:"large"`
}

// Endpoint returns the endpoint called name ("small" or "large"), or nil.
func (l LLM) Endpoint(name string) *llm.Endpoint {
	switch name {
	case "small":
		return l.Small
	case "large":
		return l.Large
	}
	return nil
}

// Log selects the slog handler.
type Log struct {
	Level  string `yaml:"level"`  // debug|info|warn|error; default info
	Format string `yaml:"format"` // text|json; default text
}

// Account returns the account called name, pointing into c.Accounts.
func (c *Config) Account(name string) (*account.Account, bool) {
	a := account.Find(c.Accounts, name)
	return a, a != nil
}
