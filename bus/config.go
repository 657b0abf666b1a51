package bus

import (
	"net/url"
	"strings"
	"time"

	"mailassist/setting"
)

// The defaults of the stream, the stage runner and the embedded server:
// the one table that Options, Stage and the config sections all read.
const (
	DefaultMaxAge          = 30 * 24 * time.Hour
	DefaultRawMaxAge       = 24 * time.Hour
	DefaultMaxBytes        = 10 << 30
	DefaultDuplicateWindow = 2 * time.Hour
	DefaultInlineMax       = 256 << 10 // BenchmarkBlobTransport: inline is faster up to 512KiB
	DefaultReplicas        = 1
	DefaultMaxDeliver      = 8
	DefaultAckWait         = 60 * time.Second
	DefaultConcurrency     = 4
	DefaultGrace           = 20 * time.Second
	// DefaultOutageBackoffMax caps the redelivery delay of a message that
	// met an outage: work resumes within seconds of the server's return.
	DefaultOutageBackoffMax = 10 * time.Second
)

// MaxInlineMax is the largest stream.inline_max the config accepts: an
// inline event must stay below the server's max payload.
const MaxInlineMax = 768 << 10

// StreamConfig is the stream section of the config: how the MAIL stream
// is sized. Zero fields mean the defaults above.
type StreamConfig struct {
	MaxAge setting.Duration `yaml:"max_age"` // default 720h (30 days)
	// RawMaxAge is how long raw mail (messages and drafts) stays on the
	// bus, in the mail_bodies bucket and the mail_raw object store: long
	// enough for every stage to have read it, default 24h. The IMAP
	// server is the archive; events keep only a reference.
	RawMaxAge       setting.Duration `yaml:"raw_max_age"`
	MaxBytes        setting.ByteSize `yaml:"max_bytes"`        // default 10GiB
	DuplicateWindow setting.Duration `yaml:"duplicate_window"` // default 2h
	// InlineMax: raw messages (and drafts) up to this size are stored in
	// the mail_bodies bucket, larger ones in the mail_raw object store;
	// default 256KiB, at most 768KiB.
	InlineMax setting.ByteSize `yaml:"inline_max"`
	Replicas  int              `yaml:"replicas"` // default 1
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c StreamConfig) WithDefaults() StreamConfig {
	setDefault(&c.MaxAge, setting.Duration(DefaultMaxAge))
	// Raw mail stays a day, or as long as the events that name it when
	// those go sooner.
	setDefault(&c.RawMaxAge, min(setting.Duration(DefaultRawMaxAge), c.MaxAge))
	setDefault(&c.MaxBytes, setting.ByteSize(DefaultMaxBytes))
	setDefault(&c.DuplicateWindow, setting.Duration(DefaultDuplicateWindow))
	setDefault(&c.InlineMax, setting.ByteSize(DefaultInlineMax))
	setDefault(&c.Replicas, DefaultReplicas)
	return c
}

// Validate reports every problem of c (with its defaults filled in).
func (c *StreamConfig) Validate(p setting.Problems) {
	if c.InlineMax < setting.KiB || c.InlineMax > MaxInlineMax {
		p.Add("inline_max", "%s is not between 1KiB and 768KiB", c.InlineMax)
	}
	if c.MaxBytes < setting.MiB {
		p.Add("max_bytes", "%s is below the minimum of 1MiB", c.MaxBytes)
	}
	p.Between("replicas", c.Replicas, 1, 5)
	p.AtLeast("raw_max_age", c.RawMaxAge, time.Minute)
	if c.RawMaxAge > c.MaxAge {
		p.Add("raw_max_age", "%s is longer than max_age (%s): the events that name the raw mail are gone by then", c.RawMaxAge, c.MaxAge)
	}
	if c.DuplicateWindow > c.MaxAge {
		field := "duplicate_window" // or max_age, if that is the one written
		if !p.Written(field) {
			field = "max_age"
		}
		p.Add(field, "duplicate_window (%s) is longer than max_age (%s)", c.DuplicateWindow, c.MaxAge)
	}
}

// StagesConfig is the stages section: how every stage runner works.
type StagesConfig struct {
	Concurrency int              `yaml:"concurrency"` // messages in flight per stage and process; default 4
	MaxDeliver  int              `yaml:"max_deliver"` // default 8
	AckWait     setting.Duration `yaml:"ack_wait"`    // default 60s
	Grace       setting.Duration `yaml:"grace"`       // shutdown grace for work in flight; default 20s
}

// WithDefaults returns c with its zero fields set to the defaults.
func (c StagesConfig) WithDefaults() StagesConfig {
	setDefault(&c.Concurrency, DefaultConcurrency)
	setDefault(&c.MaxDeliver, DefaultMaxDeliver)
	setDefault(&c.AckWait, setting.Duration(DefaultAckWait))
	setDefault(&c.Grace, setting.Duration(DefaultGrace))
	return c
}

// Validate reports every problem of c (with its defaults filled in).
func (c *StagesConfig) Validate(p setting.Problems) {
	p.Between("concurrency", c.Concurrency, 1, 256)
	p.Between("max_deliver", c.MaxDeliver, 2, 100)
	p.AtLeast("ack_wait", c.AckWait, time.Second)
}

// Options turns the two sections into the bus's Options.
func (c StreamConfig) Options(st StagesConfig) Options {
	return Options{
		MaxAge:          c.MaxAge.D(),
		RawMaxAge:       c.RawMaxAge.D(),
		MaxBytes:        c.MaxBytes.Int64(),
		DuplicateWindow: c.DuplicateWindow.D(),
		InlineMax:       int(c.InlineMax.Int64()),
		Replicas:        c.Replicas,
		MaxDeliver:      st.MaxDeliver,
		AckWait:         st.AckWait.D(),
	}
}

// NATSConfig is the nats section: where the bus is. An empty URL starts
// an embedded server that stores under the data directory and requires
// the credentials it generates there.
//
// With an external server, every file name may contain "{role}", which
// each process replaces with its role (ingest, spam, reply, escalate,
// apply; run, setup and status for the admin commands): one config file
// gives every role its own credentials and so its own permissions.
type NATSConfig struct {
	URL       string `yaml:"url"`
	CredsFile string `yaml:"creds_file"` // JWT + nkey seed (nsc, operator mode)
	NkeyFile  string `yaml:"nkey_file"`  // user nkey seed
	CAFile    string `yaml:"ca_file"`    // extra CA for a TLS NATS URL
	CertFile  string `yaml:"cert_file"`  // client certificate (mutual TLS)
	KeyFile   string `yaml:"key_file"`
	// Listen is the client address of the embedded server. Empty (the
	// default): a free loopback port, recorded in data_dir (the nats CLI
	// context, ContextFileName) where role processes and `mailassist
	// status` find it. Must be a loopback address. Ignored when URL is set.
	Listen string `yaml:"listen"`
}

// WithDefaults returns c with its zero fields set to the defaults (none:
// an empty Listen means a free port).
func (c NATSConfig) WithDefaults() NATSConfig { return c }

// EmbeddedListen is where the embedded server listens: Listen, or any
// free loopback port.
func (c NATSConfig) EmbeddedListen() string {
	if c.Listen == "" {
		return "127.0.0.1:0"
	}
	return c.Listen
}

// Validate reports every problem of c. Listen is checked even when URL is
// set, so that a mistake does not wait for the day URL is removed.
func (c *NATSConfig) Validate(p setting.Problems) {
	if c.Listen == "" {
		// a free port, found at start
	} else if host, ok := p.HostPort("listen", c.Listen); ok && !setting.IsLoopback(host) {
		p.Add("listen", "%q is not a loopback address: the embedded server only listens on localhost, 127.0.0.0/8 or ::1", host)
	}
	if c.URL != "" {
		for i, u := range strings.Split(c.URL, ",") {
			natsURL(p, i, strings.TrimSpace(u))
		}
	}
	for _, f := range []struct{ field, name string }{
		{"creds_file", c.CredsFile}, {"nkey_file", c.NkeyFile}, {"ca_file", c.CAFile},
		{"cert_file", c.CertFile}, {"key_file", c.KeyFile},
	} {
		if !strings.Contains(f.name, RolePlaceholder) { // a role's file may live elsewhere
			p.Existing(f.field, f.name)
		}
	}
	for _, f := range []struct{ field, name string }{{"creds_file", c.CredsFile}, {"nkey_file", c.NkeyFile}, {"key_file", c.KeyFile}} {
		if !strings.Contains(f.name, RolePlaceholder) {
			p.PrivateFile(f.field, f.name, "a NATS secret")
		}
	}
	if c.CredsFile != "" && c.NkeyFile != "" {
		p.Add("nkey_file", "set only one of creds_file and nkey_file")
	}
	if c.URL == "" && (c.CredsFile != "" || c.NkeyFile != "" || c.CertFile != "") {
		p.Add("url", "required with creds_file, nkey_file or cert_file: the embedded server uses the credentials it keeps in data_dir")
	}
	if c.CertFile != "" && c.KeyFile == "" {
		p.Add("key_file", "required with cert_file")
	}
	if c.KeyFile != "" && c.CertFile == "" {
		p.Add("cert_file", "required with key_file")
	}
}

// natsURL checks the i-th server of the comma-separated url. It never
// prints credentials: they are refused, and left out of messages.
func natsURL(p setting.Problems, i int, s string) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		p.Add("url", "server %d is not a URL such as nats://host:4222", i+1)
		return
	}
	if u.User != nil {
		p.Add("url", "server %d has credentials in the URL: secrets go by reference: use creds_file", i+1)
		u.User = nil
	}
	switch u.Scheme {
	case "nats", "ws":
		if !setting.IsLoopback(u.Hostname()) {
			p.Warn("url", "%s: the bus (mail and credentials) travels unencrypted unless the server requires TLS; use tls:// or wss://", u)
		}
	case "tls", "wss":
	default:
		p.Add("url", "%s: scheme %q is not one of nats, tls, ws, wss", u, u.Scheme)
	}
}

// RolePlaceholder in a file name of the nats section stands for the
// process's role.
const RolePlaceholder = "{role}"

// ConnectOptions returns how a process of role connects to the external
// server of c: "{role}" in file names replaced, the role's inbox prefix.
func (c NATSConfig) ConnectOptions(role string) ConnectOptions {
	r := func(s string) string { return strings.ReplaceAll(s, RolePlaceholder, role) }
	return ConnectOptions{
		URL: c.URL, CredsFile: r(c.CredsFile), NkeyFile: r(c.NkeyFile), CAFile: r(c.CAFile),
		CertFile: r(c.CertFile), KeyFile: r(c.KeyFile), Name: "mailassist-" + role, InboxPrefix: Inbox(role),
	}
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
