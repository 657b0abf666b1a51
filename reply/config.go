package reply

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"mailassist/draft"
	"mailassist/setting"
)

// What the reply stage does with the best suggestion.
const (
	DraftTop  = "top"  // the best suggestion becomes a draft in Drafts
	DraftNone = "none" // suggestions are only published
)

// Signature values with a meaning beyond the text.
const (
	SignatureAuto = "auto" // the signature of the user's own recent mail in Sent
	SignatureNone = "none" // no signature (per_account: overrides the section's)
)

// Defaults of the reply section.
const (
	DefaultPendingAfter = 72 * time.Hour
	DefaultDraftsCheck  = 10 * time.Minute
	maxSignatureBytes   = 2000
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
	// Signature closes every draft, below the reply and above the quote:
	// "" (none, the default), auto (the signature block of the user's own
	// most recent messages in Sent), or the text itself (a first line
	// "-- " is the delimiter).
	Signature string `yaml:"signature"`
	// SkipSenders are senders whose mail gets no suggestions: addresses
	// (boss@example.com), domains (@example.com, with their subdomains)
	// or patterns with * (*@news.*, noreply-*@example.com).
	SkipSenders []string `yaml:"skip_senders"`
	// OnlySenders, when set, are the only senders whose mail gets
	// suggestions (same forms as SkipSenders, which wins).
	OnlySenders []string `yaml:"only_senders"`
	// Voice lets the small model's prompt show up to three short replies
	// the user wrote (their own words from Sent, never quotes or other
	// people's text) — only to a model on this host (a loopback
	// endpoint) unless VoiceRemote. Default true (nil means true).
	Voice *bool `yaml:"voice"`
	// VoiceRemote lets the user's replies go to a model on another host.
	// Default false.
	VoiceRemote bool `yaml:"voice_remote"`
	// PendingAfter is how long a draft may wait unsent in Drafts before
	// its fate is pending. Default 72h.
	PendingAfter setting.Duration `yaml:"pending_after"`
	// DraftsCheck is how often the Drafts folder of each account with
	// open drafts is read for the drafts' fate; a draft gone that long
	// with no reply in its thread was deleted. Default 10m.
	DraftsCheck setting.Duration `yaml:"drafts_check"`
	// PerAccount overrides keys for the account of that name.
	PerAccount map[string]AccountConfig `yaml:"per_account"`
	// Trigger is the personal trigger: each account's reply habits.
	Trigger TriggerConfig `yaml:"trigger"`
}

// AccountConfig is one account's entry of reply.per_account: what it
// sets overrides the section's keys for that account.
type AccountConfig struct {
	// Draft: top or none; empty keeps the section's.
	Draft string `yaml:"draft"`
	// LLM: small, large or none (the built-in generator); empty keeps
	// the section's.
	LLM string `yaml:"llm"`
	// Signature: auto, none or the text; empty keeps the section's.
	Signature string `yaml:"signature"`
	// SkipSenders and OnlySenders are added to the section's.
	SkipSenders []string `yaml:"skip_senders"`
	OnlySenders []string `yaml:"only_senders"`
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
	if c.Voice != nil && *c.Voice {
		c.Voice = nil // nil is the default: on
	}
	if c.PendingAfter == 0 {
		c.PendingAfter = setting.Duration(DefaultPendingAfter)
	}
	if c.DraftsCheck == 0 {
		c.DraftsCheck = setting.Duration(DefaultDraftsCheck)
	}
	c.Trigger = c.Trigger.WithDefaults()
	return c
}

// Validate reports every problem of c (with its defaults filled in). That
// LLM (also per account) names a configured endpoint, and that
// per_account names an account, is the caller's to check.
func (c *Config) Validate(p setting.Problems) {
	p.OneOf("draft", c.Draft, DraftTop, DraftNone)
	if !(c.Threshold > 0 && c.Threshold < 1) {
		p.Add("threshold", "%g is not in (0, 1)", c.Threshold)
	}
	p.Between("max_recipients", c.MaxRecipients, 1, 1000)
	validateSignature(p, "signature", c.Signature)
	validateSenders(p, "skip_senders", c.SkipSenders)
	validateSenders(p, "only_senders", c.OnlySenders)
	p.AtLeast("pending_after", c.PendingAfter, time.Minute)
	p.AtLeast("drafts_check", c.DraftsCheck, time.Second)
	for name, a := range c.PerAccount {
		ap := p.In("per_account." + name)
		if a.Draft != "" {
			ap.OneOf("draft", a.Draft, DraftTop, DraftNone)
		}
		validateSignature(ap, "signature", a.Signature)
		validateSenders(ap, "skip_senders", a.SkipSenders)
		validateSenders(ap, "only_senders", a.OnlySenders)
	}
	c.Trigger.Validate(p.In("trigger"))
}

func validateSignature(p setting.Problems, field, sig string) {
	if len(sig) > maxSignatureBytes {
		p.Add(field, "%d bytes: a signature has at most %d", len(sig), maxSignatureBytes)
	}
	if strings.ContainsFunc(sig, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' || r == 0x7f }) {
		p.Add(field, "holds control characters")
	}
}

// VoiceOn reports whether the user's own replies may go into the small
// model's prompt (to a local endpoint, or any with VoiceRemote).
func (c *Config) VoiceOn() bool { return c.Voice == nil || *c.Voice }

// VoiceTo reports whether the user's own replies may go into the prompt
// of the model served at endpointURL: voice is on, and the endpoint is on
// this host (a loopback address) or voice_remote allows any. An
// unparseable URL is not local.
func (c *Config) VoiceTo(endpointURL string) bool {
	if !c.VoiceOn() {
		return false
	}
	if c.VoiceRemote {
		return true
	}
	u, err := url.Parse(endpointURL)
	return err == nil && setting.IsLoopback(u.Hostname())
}

// Policy is the reply section as it applies to one account.
type Policy struct {
	Draft     bool
	LLM       string // "" (the built-in generator), small or large
	Signature string // "", auto or the text
	Senders   Senders
}

// Policy returns the section's keys for the account name, its
// per_account entry applied.
func (c *Config) Policy(name string) Policy {
	p := Policy{Draft: c.Draft != DraftNone, LLM: c.LLM, Signature: c.Signature,
		Senders: Senders{Skip: c.SkipSenders, Only: c.OnlySenders}}
	if a, ok := c.PerAccount[name]; ok {
		if a.Draft != "" {
			p.Draft = a.Draft != DraftNone
		}
		if a.LLM != "" {
			p.LLM = a.LLM
		}
		if a.Signature != "" {
			p.Signature = a.Signature
		}
		p.Senders.Skip = append(append([]string(nil), p.Senders.Skip...), a.SkipSenders...)
		p.Senders.Only = append(append([]string(nil), p.Senders.Only...), a.OnlySenders...)
	}
	if p.LLM == "none" {
		p.LLM = ""
	}
	if p.Signature == SignatureNone {
		p.Signature = ""
	}
	return p
}

// LLMs returns the endpoints the section names, for every account and
// for those of per_account, without duplicates.
func (c *Config) LLMs() []string {
	var out []string
	add := func(n string) {
		if n != "" && n != "none" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	add(c.LLM)
	for _, a := range c.PerAccount {
		add(a.LLM)
	}
	return out
}

// validateSenders reports entries that are neither an address, a
// domain nor a pattern with *.
func validateSenders(p setting.Problems, field string, list []string) {
	for i, e := range list {
		if !validSender(e) {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "%q is not an address (user@example.com), a domain (@example.com) or a pattern with * (*@news.example.com)", e)
		}
	}
}
