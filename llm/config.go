package llm

import (
	"net/url"
	"time"

	"mailassist/setting"
)

// Defaults of an endpoint: the one table that Config and Endpoint read.
const (
	DefaultURL            = "http://127.0.0.1:11434"
	DefaultTimeout        = 60 * time.Second // a small model's generation
	DefaultLargeTimeout   = 10 * time.Minute // a large model's generation
	DefaultMaxConcurrency = 1
)

// Endpoint is one model on one Ollama server, as the llm.small and
// llm.large sections of the config file write it.
type Endpoint struct {
	// URL of the Ollama server. Default http://127.0.0.1:11434.
	URL string `yaml:"url"`
	// Model name as Ollama knows it, e.g. "qwen2.5:1.5b". Required.
	Model string `yaml:"model"`
	// Timeout of one generation. Default 60s (small), 10m (large).
	Timeout setting.Duration `yaml:"timeout"`
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

// WithDefaults returns e with its zero fields set to the defaults, timeout
// being the default generation timeout of this endpoint's role.
func (e Endpoint) WithDefaults(timeout time.Duration) Endpoint {
	if e.URL == "" {
		e.URL = DefaultURL
	}
	if e.Timeout == 0 {
		e.Timeout = setting.Duration(timeout)
	}
	if e.MaxConcurrency == 0 {
		e.MaxConcurrency = DefaultMaxConcurrency
	}
	return e
}

// Config returns the client configuration of e.
func (e Endpoint) Config() Config {
	return Config{
		URL: e.URL, Model: e.Model, Timeout: e.Timeout.D(), MaxConcurrency: e.MaxConcurrency,
		Options: e.Options, CAFile: e.CAFile,
	}
}

// Validate reports every problem of e. Plain http is allowed to a loopback
// host, elsewhere only with allow_plaintext. It never prints the URL,
// which may hold credentials.
func (e *Endpoint) Validate(p setting.Problems) {
	if e.Model == "" {
		p.Add("model", "required: the model name as Ollama lists it")
	}
	u, err := url.Parse(e.URL)
	switch {
	case err != nil || u.Hostname() == "":
		p.Add("url", "is not a URL such as http://127.0.0.1:11434")
	case u.User != nil:
		p.Add("url", "has credentials in the URL, which are not allowed: secrets do not go in this file")
	case u.Scheme != "http" && u.Scheme != "https":
		p.Add("url", "scheme %q is not http or https", u.Scheme)
	case u.Scheme == "http" && !setting.IsLoopback(u.Hostname()) && !e.AllowPlaintext:
		p.Add("url", "plain http to %s, which is not a loopback host: use https, or set allow_plaintext: true", u.Hostname())
	}
	p.AtLeast("timeout", e.Timeout, time.Second)
	p.Between("max_concurrency", e.MaxConcurrency, 1, 64)
	p.Existing("ca_file", e.CAFile)
}
