package configs

import "time"

// The defaults, applied by Parse and Load to every zero field. An explicit
// zero ("0s", 0, "") means the default too, except for http.listen, where
// an explicit listen: "" disables the HTTP server.
const (
	defaultDataDir    = "./data"
	defaultLogLevel   = "info"
	defaultLogFormat  = "text"
	defaultNATSListen = "127.0.0.1:4222"
	defaultHTTPListen = "127.0.0.1:9180"

	defaultMaxAge          = Duration(720 * time.Hour) // 30 days
	defaultMaxBytes        = 10 * GiB
	defaultDuplicateWindow = Duration(2 * time.Hour)
	defaultInlineMax       = 32 * KiB // BenchmarkBlobTransport: the object store wins above ~32KiB
	defaultReplicas        = 1

	defaultConcurrency = 4
	defaultMaxDeliver  = 8
	defaultAckWait     = Duration(60 * time.Second)
	defaultGrace       = Duration(20 * time.Second)

	defaultTLS          = tlsImplicit
	defaultImplicitPort = 993 // IMAPS
	defaultPlainPort    = 143 // IMAP, for starttls and none
	defaultWatch        = "INBOX"
	defaultInitialSync  = Duration(168 * time.Hour) // 7 days
	defaultIdleRefresh  = Duration(10 * time.Minute)
	defaultPollInterval = Duration(time.Minute)

	defaultSpamAction   = "move"
	defaultGrayLow      = 0.3
	defaultGrayHigh     = 0.9
	defaultSpamLLMTime  = Duration(10 * time.Second)
	defaultLLMURL       = "http://127.0.0.1:11434"
	defaultSmallTimeout = Duration(60 * time.Second)
	defaultLargeTimeout = Duration(10 * time.Minute)
	defaultLLMConc      = 1

	defaultReplyDraft     = "top"
	defaultReplyThreshold = 0.5
	defaultEscThreshold   = 0.5
	defaultMaxPerHour     = 20
	defaultThreadTokens   = 3000
	defaultMaxWait        = Duration(12 * time.Hour)
)

// applyDefaults fills in every zero field. httpListenSet says whether the
// file has an http.listen key, so that an explicit empty value disables
// the HTTP server instead of getting the default.
func (c *Config) applyDefaults(httpListenSet bool) {
	setDefault(&c.DataDir, defaultDataDir)
	setDefault(&c.Log.Level, defaultLogLevel)
	setDefault(&c.Log.Format, defaultLogFormat)
	setDefault(&c.NATS.Listen, defaultNATSListen)
	if !httpListenSet {
		setDefault(&c.HTTP.Listen, defaultHTTPListen)
	}
	c.Stream.applyDefaults()
	c.Stages.applyDefaults()
	for i := range c.Accounts {
		c.Accounts[i].applyDefaults()
	}
	c.Spam.applyDefaults()
	setDefault(&c.Reply.Draft, defaultReplyDraft)
	setDefault(&c.Reply.Threshold, defaultReplyThreshold)
	c.Escalate.applyDefaults(c.LLM.Large != nil)
	c.LLM.Small.applyDefaults(defaultSmallTimeout)
	c.LLM.Large.applyDefaults(defaultLargeTimeout)
}

func (s *Spam) applyDefaults() {
	setDefault(&s.Action, defaultSpamAction)
	if len(s.GrayZone) == 0 {
		s.GrayZone = []float64{defaultGrayLow, defaultGrayHigh}
	}
	setDefault(&s.LLMTimeout, defaultSpamLLMTime)
}

func (e *Endpoint) applyDefaults(timeout Duration) {
	if e == nil {
		return
	}
	setDefault(&e.URL, defaultLLMURL)
	setDefault(&e.Timeout, timeout)
	setDefault(&e.MaxConcurrency, defaultLLMConc)
}

func (s *Stream) applyDefaults() {
	setDefault(&s.MaxAge, defaultMaxAge)
	setDefault(&s.MaxBytes, defaultMaxBytes)
	setDefault(&s.DuplicateWindow, defaultDuplicateWindow)
	setDefault(&s.InlineMax, defaultInlineMax)
	setDefault(&s.Replicas, defaultReplicas)
}

func (s *Stages) applyDefaults() {
	setDefault(&s.Concurrency, defaultConcurrency)
	setDefault(&s.MaxDeliver, defaultMaxDeliver)
	setDefault(&s.AckWait, defaultAckWait)
	setDefault(&s.Grace, defaultGrace)
}

func (a *Account) applyDefaults() {
	setDefault(&a.IMAP.TLS, defaultTLS)
	port := defaultPlainPort
	if a.IMAP.TLS == tlsImplicit {
		port = defaultImplicitPort
	}
	setDefault(&a.IMAP.Port, port)
	setDefault(&a.IMAP.Username, a.Address)
	if len(a.Folders.Watch) == 0 {
		a.Folders.Watch = []string{defaultWatch}
	}
	setDefault(&a.InitialSync, defaultInitialSync)
	setDefault(&a.IdleRefresh, defaultIdleRefresh)
	setDefault(&a.PollInterval, defaultPollInterval)
}

// setDefault sets *v to def when *v is the zero value.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (e *Escalate) applyDefaults(haveLarge bool) {
	setDefault(&e.Threshold, defaultEscThreshold)
	setDefault(&e.MaxPerHour, defaultMaxPerHour)
	setDefault(&e.ThreadTokens, defaultThreadTokens)
	setDefault(&e.MaxWait, defaultMaxWait)
	if e.LLM == "" {
		e.LLM = "none"
		if haveLarge {
			e.LLM = "large"
		}
	}
}
