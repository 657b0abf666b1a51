// Package configs loads and validates the mailassist admin config file.
package configs

import "time"

// Config is the whole admin config file. Zero values mean the documented
// defaults; Load fills them in (see defaults.go and configs/mailassist.yaml).
type Config struct {
	// DataDir holds the embedded NATS store and other local state.
	// Default: "./data".
	DataDir  string    `yaml:"data_dir"`
	Log      Log       `yaml:"log"`
	NATS     NATS      `yaml:"nats"`
	Stream   Stream    `yaml:"stream"`
	Stages   Stages    `yaml:"stages"`
	HTTP     HTTP      `yaml:"http"`
	Accounts []Account `yaml:"accounts"`
	Spam     Spam      `yaml:"spam"`
	Reply    Reply     `yaml:"reply"`
	Escalate Escalate  `yaml:"escalate"`
	LLM      LLM       `yaml:"llm"`
}

// Reply configures the reply stage.
type Reply struct {
	// Draft: top (the best suggestion becomes a draft in Drafts) or none
	// (suggestions are only published). Default top.
	Draft string `yaml:"draft"`
	// Threshold is the "expects a reply" score (0..1) a message needs.
	// Default 0.5.
	Threshold float64 `yaml:"threshold"`
	// LLM is "" or "none" (the built-in generator), "small" or "large":
	// the endpoint that writes suggestions.
	LLM string `yaml:"llm"`
}

// Escalate configures the escalation stage and the hardness score.
type Escalate struct {
	// Threshold of the hardness score (0..1). Default 0.5.
	Threshold float64 `yaml:"threshold"`
	// Weights override the default weight of a reason, by name
	// (thread_length, participants, long_message, complaint, legal, urgent,
	// money, negative_tone, vip, small_model_invalid, small_model_unsure).
	Weights map[string]float64 `yaml:"weights"`
	// VIP senders: addresses or @domains.
	VIP []string `yaml:"vip"`
	// Rules escalate on subject or sender patterns.
	Rules []EscalateRule `yaml:"rules"`
	// LLM is "large" (default when llm.large is set), "small", or "none":
	// without a model every hard thread goes to the human.
	LLM string `yaml:"llm"`
	// MaxPerHour bounds large-model calls per account and hour. Default 20.
	MaxPerHour int `yaml:"max_per_hour"`
	// ThreadTokens bounds the thread given to the model. Default 3000.
	ThreadTokens int `yaml:"thread_tokens"`
	// MaxWait is how long a thread waits for a model that is down or over
	// budget before it goes to the human. Default 12h.
	MaxWait Duration `yaml:"max_wait"`
}

// EscalateRule is one explicit escalation rule.
type EscalateRule struct {
	Name    string  `yaml:"name"`
	Field   string  `yaml:"field"`   // subject | from
	Pattern string  `yaml:"pattern"` // regular expression, case-insensitive
	Weight  float64 `yaml:"weight"`  // 0..1; 1 escalates alone
}

// Spam configures the spam stage.
type Spam struct {
	// Action on spam: move (to Junk), flag (keyword $Junk), or none
	// (classify and publish only). Default move.
	Action string `yaml:"action"`
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
	LLMTimeout Duration `yaml:"llm_timeout"`
}

// LLM names the Ollama endpoints. A nil endpoint is not configured.
type LLM struct {
	Small *Endpoint `yaml:"small"`
	Large *Endpoint `yaml:"large"`
}

// Endpoint is one model on one Ollama server.
type Endpoint struct {
	// URL of the Ollama server. Default http://127.0.0.1:11434.
	URL string `yaml:"url"`
	// Model name as Ollama knows it, e.g. "qwen2.5:1.5b". Required.
	Model string `yaml:"model"`
	// Timeout of one generation. Default 60s (small), 10m (large).
	Timeout Duration `yaml:"timeout"`
	// MaxConcurrency bounds requests in flight to this endpoint from one
	// process. Default 1.
	MaxConcurrency int `yaml:"max_concurrency"`
	// Options are passed to Ollama as is (temperature, num_ctx, …).
	Options map[string]any `yaml:"options"`
	// CAFile is an extra CA for an https URL.
	CAFile string `yaml:"ca_file"`
	// AllowPlaintext permits an http:// URL to a host that is not loopback.
	AllowPlaintext bool `yaml:"allow_plaintext"`
}

// Log selects the slog handler.
type Log struct {
	Level  string `yaml:"level"`  // debug|info|warn|error; default info
	Format string `yaml:"format"` // text|json; default text
}

// NATS says where the bus is. An empty URL starts an embedded server that
// stores under DataDir/nats.
type NATS struct {
	URL       string `yaml:"url"`
	CredsFile string `yaml:"creds_file"`
	CAFile    string `yaml:"ca_file"`   // extra CA for a TLS NATS URL
	CertFile  string `yaml:"cert_file"` // client certificate (mutual TLS)
	KeyFile   string `yaml:"key_file"`
	// Listen is the client address of the embedded server, so that role
	// processes and `mailassist status` can reach it. Default "127.0.0.1:4222".
	// Must be a loopback address. Ignored when URL is set.
	Listen string `yaml:"listen"`
}

// Stream sizes the MAIL stream.
type Stream struct {
	MaxAge          Duration `yaml:"max_age"`          // default 720h (30 days)
	MaxBytes        ByteSize `yaml:"max_bytes"`        // default 10GiB
	DuplicateWindow Duration `yaml:"duplicate_window"` // default 2h
	InlineMax       ByteSize `yaml:"inline_max"`       // raw messages larger than this go through the object store; default 32KiB (measured crossover), at most 768KiB
	Replicas        int      `yaml:"replicas"`         // default 1
}

// Stages tunes every stage runner.
type Stages struct {
	Concurrency int      `yaml:"concurrency"` // messages in flight per stage and process; default 4
	MaxDeliver  int      `yaml:"max_deliver"` // default 8
	AckWait     Duration `yaml:"ack_wait"`    // default 60s
	Grace       Duration `yaml:"grace"`       // shutdown grace for work in flight; default 20s
}

// HTTP serves /metrics, /healthz and /readyz. Empty Listen disables it.
// Default "127.0.0.1:9180", applied only when the listen key is absent:
// an explicit listen: "" disables the server.
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Account is one IMAP mailbox owner.
type Account struct {
	// Name identifies the account in subjects and keys: [A-Za-z0-9_-]+, unique.
	Name    string `yaml:"name"`
	Address string `yaml:"address"` // the user's own e-mail address
	// DisplayName is the user's name, for the From of drafts and to notice
	// mail that greets the user by name.
	DisplayName string `yaml:"display_name"`
	// Aliases are more of the user's own addresses (never replied to).
	Aliases []string `yaml:"aliases"`
	IMAP    IMAP     `yaml:"imap"`
	Folders Folders  `yaml:"folders"`
	// InitialSync is how far back the first start looks. Default 168h (7 days).
	InitialSync Duration `yaml:"initial_sync"`
	// IdleRefresh is how often a watcher ends and restarts IDLE (and
	// proves the connection live). Default 10m, must be below 29m.
	IdleRefresh Duration `yaml:"idle_refresh"`
	// PollInterval is used when the server lacks IDLE. Default 1m.
	PollInterval Duration `yaml:"poll_interval"`
}

// IMAP is how to reach and log in to the server. TLS "none" is allowed
// only to a loopback host. Exactly one of PasswordEnv and PasswordFile
// names the password, which Password reads at connect time.
type IMAP struct {
	Host               string `yaml:"host"`
	Port               int    `yaml:"port"` // default 993 for implicit, 143 otherwise
	TLS                string `yaml:"tls"`  // implicit|starttls|none; default implicit
	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	Username           string `yaml:"username"` // default: the account address
	PasswordEnv        string `yaml:"password_env"`
	PasswordFile       string `yaml:"password_file"`
}

// Folders names the mailboxes. Empty Junk/Drafts are discovered by
// SPECIAL-USE, then by common names.
type Folders struct {
	Watch  []string `yaml:"watch"` // default [INBOX]
	Junk   string   `yaml:"junk"`
	Drafts string   `yaml:"drafts"`
	// Sent is searched for earlier messages of a thread (discovered when
	// empty); Archive too, when set.
	Sent    string `yaml:"sent"`
	Archive string `yaml:"archive"`
}

// Duration is a time.Duration written as "90s", "15m", "720h" or "7d".
// Negative durations are refused.
type Duration time.Duration

// ByteSize is a size written as 1048576, "512KiB", "10MiB", "10GiB" or "10GB".
// KB, MB, GB and TB are powers of 1000; KiB, MiB, GiB and TiB of 1024.
type ByteSize int64
