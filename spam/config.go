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
	// DefaultTargetFPR is the false-positive rate an account's threshold
	// aims at on its own labelled mail.
	DefaultTargetFPR = 0.001
	// DefaultThresholdFloor is the lowest threshold an account's own
	// labelled mail may choose.
	DefaultThresholdFloor = 0.5
	// DefaultCorrespondentScore is the score from which the evidence
	// against a correspondent's message is overwhelming (it is junked
	// only if it also fails sender authentication).
	DefaultCorrespondentScore = 0.99
	DefaultBootstrapMax       = 2000
	DefaultSentInterval       = 10 * time.Minute
	// DefaultModelsMemory is models_memory's default.
	DefaultModelsMemory = 64 << 20
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

	// VerifyDKIM verifies each message's DKIM signatures with DNS
	// look-ups (instead of trusting only the provider's
	// Authentication-Results). Default false.
	VerifyDKIM bool `yaml:"verify_dkim"`
	// ReceivingDomains are registered domains of the receiving side's
	// hosts (the provider's MX and relays): their Received hops are not
	// features. Default none: the heuristics alone (docs/spam.md).
	ReceivingDomains []string `yaml:"receiving_domains"`
	// AuthservIDs are the authserv-ids of the Authentication-Results to
	// trust. Default none: the topmost one the receiving side added.
	AuthservIDs []string `yaml:"authserv_ids"`
	// IgnoreHeaders are more header fields to strip before featurizing:
	// names, or prefixes ending in "*".
	IgnoreHeaders []string `yaml:"ignore_headers"`
	// TargetFPR is the false-positive rate an account's threshold aims at
	// when it is chosen from the account's own labelled mail. Default 0.001.
	TargetFPR float64 `yaml:"target_fpr"`
	// ThresholdFloor bounds that threshold from below. Default 0.5.
	ThresholdFloor float64 `yaml:"threshold_floor"`
	// CorrespondentScore is the score from which a message from a sender
	// the user has written to may go to Junk — and then only when it
	// fails sender authentication. Default 0.99.
	CorrespondentScore float64 `yaml:"correspondent_score"`
	// Allow and Block hold addresses (boss@example.com) and domains
	// (@example.com) for every account: mail From them is kept out of
	// Junk, or put there, when its From domain is authenticated.
	Allow []string `yaml:"allow"`
	Block []string `yaml:"block"`
	// PerAccount adds allow and block entries per account name.
	PerAccount map[string]Lists `yaml:"per_account"`
	// Bootstrap trains each account's model from its own mailbox on its
	// first start.
	Bootstrap Bootstrap `yaml:"bootstrap"`
	// ModelsMemory bounds the memory of the accounts' own models (learnt
	// from their mailbox or their feedback) held at once; beyond it the
	// least recently used are read back from the store at their account's
	// next message (32 ms a load, BenchmarkLoad). An account's own model
	// costs from a few kB to 4.6 MB (docs/spam.md). Default 64MiB.
	ModelsMemory setting.ByteSize `yaml:"models_memory"`
}

// Bootstrap is the spam.bootstrap section: learning an account's mail
// from day one.
type Bootstrap struct {
	// Enabled: on an account's first start, learn its Junk as spam and
	// its read or answered mail as ham. Default true (nil means true).
	Enabled *bool `yaml:"enabled"`
	// MaxSpam and MaxHam bound the messages learnt, the newest first.
	// Default 2000 each.
	MaxSpam int `yaml:"max_spam"`
	MaxHam  int `yaml:"max_ham"`
	// SpamFolders default to the account's Junk folder.
	SpamFolders []string `yaml:"spam_folders"`
	// HamFolders default to the watched folders, Sent and Archive.
	HamFolders []string `yaml:"ham_folders"`
	// SentInterval is how often the Sent folder is read for new
	// correspondents. Default 10m.
	SentInterval setting.Duration `yaml:"sent_interval"`
}

// On reports whether bootstrapping is enabled.
func (b Bootstrap) On() bool { return b.Enabled == nil || *b.Enabled }

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
	if c.TargetFPR == 0 {
		c.TargetFPR = DefaultTargetFPR
	}
	if c.ThresholdFloor == 0 {
		c.ThresholdFloor = DefaultThresholdFloor
	}
	if c.CorrespondentScore == 0 {
		c.CorrespondentScore = DefaultCorrespondentScore
	}
	if c.Bootstrap.Enabled != nil && *c.Bootstrap.Enabled {
		c.Bootstrap.Enabled = nil // nil is the default: on
	}
	if c.Bootstrap.MaxSpam == 0 {
		c.Bootstrap.MaxSpam = DefaultBootstrapMax
	}
	if c.Bootstrap.MaxHam == 0 {
		c.Bootstrap.MaxHam = DefaultBootstrapMax
	}
	if c.ModelsMemory == 0 {
		c.ModelsMemory = DefaultModelsMemory
	}
	if c.Bootstrap.SentInterval == 0 {
		c.Bootstrap.SentInterval = setting.Duration(DefaultSentInterval)
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
	if !(c.TargetFPR > 0 && c.TargetFPR < 0.5) {
		p.Add("target_fpr", "%g is not in (0, 0.5)", c.TargetFPR)
	}
	if !(c.ThresholdFloor > 0 && c.ThresholdFloor < 1) {
		p.Add("threshold_floor", "%g is not in (0, 1)", c.ThresholdFloor)
	}
	if !(c.CorrespondentScore > 0 && c.CorrespondentScore <= 1) {
		p.Add("correspondent_score", "%g is not in (0, 1]", c.CorrespondentScore)
	}
	Lists{Allow: c.Allow, Block: c.Block}.validate(p)
	for name, l := range c.PerAccount {
		l.validate(p.In("per_account." + name))
	}
	if c.Bootstrap.MaxSpam < 0 || c.Bootstrap.MaxSpam > 100000 {
		p.Add("bootstrap.max_spam", "%d is not in 0..100000", c.Bootstrap.MaxSpam)
	}
	if c.Bootstrap.MaxHam < 0 || c.Bootstrap.MaxHam > 100000 {
		p.Add("bootstrap.max_ham", "%d is not in 0..100000", c.Bootstrap.MaxHam)
	}
	p.AtLeast("bootstrap.sent_interval", c.Bootstrap.SentInterval, time.Minute)
	if c.ModelsMemory < 1<<20 {
		p.Add("models_memory", "%s is too little; at least 1MiB (one account's model can take 4.6 MB: below that, each is read back at every use)", c.ModelsMemory)
	}
}

// Mailbox is the receiving side the section describes (nil when it
// names nothing).
func (c *Config) Mailbox() *Mailbox {
	if len(c.ReceivingDomains) == 0 && len(c.AuthservIDs) == 0 && len(c.IgnoreHeaders) == 0 {
		return nil
	}
	return &Mailbox{ReceivingDomains: c.ReceivingDomains, AuthservIDs: c.AuthservIDs, IgnoreHeaders: c.IgnoreHeaders}
}
