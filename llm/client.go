// Package llm is a thin wrapper over the Ollama API for the stages that
// ask a language model: per-endpoint concurrency limits, timeouts,
// retries of transient failures, structured output with a JSON schema,
// and the checks Ollama's answers need before they can be trusted.
package llm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ollama/ollama/api"

	"mailassist/backoff"
	"mailassist/outage"
)

// Config is one model on one Ollama server. Zero fields mean the defaults.
type Config struct {
	URL            string        // default http://127.0.0.1:11434
	Model          string        // required
	Timeout        time.Duration // one generation, retries included; default 60s
	MaxConcurrency int           // requests in flight; default 1
	// Reserved of the MaxConcurrency slots are kept for urgent requests
	// (Request.Urgent): the spam gray zone's quick second opinion never
	// waits behind reply generations on the same endpoint. Default 0; at
	// most MaxConcurrency-1.
	Reserved int
	Options  map[string]any // passed to Ollama as is
	CAFile   string         // extra CA for https
	// Retries of transient failures (connection refused, 5xx, 429).
	// Default 2.
	Retries int
	// RetryMin is the first retry delay, doubled each time. Default 500ms.
	RetryMin time.Duration
	// Outages, when set, hears whether the endpoint answers, under the
	// name Dependency(Name): one line when it goes down, one when it is
	// back, and a health check.
	Outages *outage.Tracker
	// Name is the endpoint's name in the config ("small", "large").
	Name string
}

// Dependency names an endpoint in the outage tracker ("llm small").
func Dependency(name string) string { return "llm " + name }

// Client calls one model. It is safe for concurrent use.
type Client struct {
	api *api.Client
	cfg Config
	// shared are the slots every request may take; urgent those kept for
	// urgent requests.
	shared, urgent chan struct{}
}

// New returns a Client for cfg. It does no I/O; see Check.
func New(cfg Config) (*Client, error) {
	if cfg.Model == "" {
		return nil, errors.New("llm: no model configured")
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = DefaultMaxConcurrency
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 500 * time.Millisecond
	}
	base, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("llm url %q: %w", cfg.URL, err)
	}
	hc, err := httpClient(cfg.CAFile)
	if err != nil {
		return nil, err
	}
	cfg.Reserved = min(max(cfg.Reserved, 0), cfg.MaxConcurrency-1)
	return &Client{
		api: api.NewClient(base, hc), cfg: cfg,
		shared: make(chan struct{}, cfg.MaxConcurrency-cfg.Reserved), urgent: make(chan struct{}, cfg.Reserved),
	}, nil
}

func httpClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("llm ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("llm ca_file %s: no PEM certificates", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// Model is the configured model name.
func (c *Client) Model() string { return c.cfg.Model }

// Check asks the server whether the model exists. It fails with a message
// naming the model and the server: ErrRejected when the model is not
// there, ErrUnavailable when the server cannot be reached (which the
// stages outlive: they use their fallbacks until it is back).
func (c *Client) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := c.api.Show(ctx, &api.ShowRequest{Model: c.cfg.Model})
	var se api.StatusError
	switch {
	case err == nil:
		c.cfg.Outages.Up(c.dependency())
		return nil
	case errors.As(err, &se) && se.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: model %q not found on %s (pull or create it there: ollama pull %s)", ErrRejected, c.cfg.Model, c.cfg.URL, c.cfg.Model)
	default:
		err = fmt.Errorf("%w: cannot reach %s for model %q: %v", ErrUnavailable, c.cfg.URL, c.cfg.Model, err)
		c.cfg.Outages.Down(c.dependency(), err)
		return err
	}
}

// WatchUntilUp checks the endpoint every interval until it answers (or
// ctx ends), so that the outage tracker hears of its return even while
// no stage asks it anything.
func (c *Client) WatchUntilUp(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for c.cfg.Outages != nil && !c.cfg.Outages.IsUp(c.dependency()) {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.Check(ctx)
		}
	}
}

func (c *Client) dependency() string {
	name := c.cfg.Name
	if name == "" {
		name = c.cfg.Model
	}
	return Dependency(name)
}

// Request is one chat turn: a system prompt and a user prompt.
type Request struct {
	System string
	Prompt string
	// Schema is a JSON schema the answer must follow (Ollama's format);
	// nil for free text.
	Schema json.RawMessage
	// Timeout overrides Config.Timeout when positive.
	Timeout time.Duration
	// Urgent may take the slots Config.Reserved keeps (the spam gray
	// zone's short question).
	Urgent bool
}

// Response is a complete generation.
type Response struct {
	Content      string
	PromptTokens int
	OutputTokens int
	Duration     time.Duration
	Attempts     int
}

// Chat runs one generation, streaming and concatenating the chunks. It
// waits for a concurrency slot, retries transient failures with backoff
// within the timeout, and returns ErrInvalidOutput when the generation did
// not finish (Ollama answers HTTP 200 with done:false when it stops a run,
// e.g. one token repeated 30+ times) or was empty.
func (c *Client) Chat(ctx context.Context, req Request) (*Response, error) {
	timeout := c.cfg.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	release, err := c.acquire(ctx, req.Urgent)
	if err != nil {
		return nil, err
	}
	defer release()

	for attempt := 1; ; attempt++ {
		resp, err := c.chatOnce(ctx, req)
		if err == nil {
			resp.Attempts = attempt
			c.cfg.Outages.Up(c.dependency())
			return resp, nil
		}
		if !isTransient(err) || attempt > c.cfg.Retries || ctx.Err() != nil {
			if ctx.Err() != nil && !errors.Is(err, ErrInvalidOutput) {
				return nil, fmt.Errorf("%w: %s timed out after %s: %v", ErrUnavailable, c.cfg.Model, timeout, err)
			}
			if isTransient(err) && ctx.Err() == nil {
				c.cfg.Outages.Down(c.dependency(), err) // not there, not merely slow
			}
			return nil, err
		}
		wait := backoff.Delay(uint64(attempt), c.cfg.RetryMin, timeout)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
}

// acquire takes a slot: an urgent request one of the reserved slots or a
// shared one, whichever is free first; any other request a shared one.
func (c *Client) acquire(ctx context.Context, urgent bool) (release func(), err error) {
	var reserved chan struct{} // nil: never chosen
	if urgent {
		reserved = c.urgent
	}
	select {
	case c.shared <- struct{}{}:
		return func() { <-c.shared }, nil
	case reserved <- struct{}{}:
		return func() { <-c.urgent }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for a free slot on %s: %v", ErrUnavailable, c.cfg.URL, ctx.Err())
	}
}

func (c *Client) chatOnce(ctx context.Context, req Request) (*Response, error) {
	stream := true
	msgs := []api.Message{}
	if req.System != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: req.System})
	}
	msgs = append(msgs, api.Message{Role: "user", Content: req.Prompt})
	creq := &api.ChatRequest{Model: c.cfg.Model, Messages: msgs, Stream: &stream, Format: req.Schema, Options: c.cfg.Options}

	start := time.Now()
	var content strings.Builder
	var last api.ChatResponse
	err := c.api.Chat(ctx, creq, func(r api.ChatResponse) error {
		content.WriteString(r.Message.Content)
		last = r
		return nil
	})
	if err != nil {
		return nil, classify(err, c.cfg)
	}
	if !last.Done {
		return nil, fmt.Errorf("%w: generation stopped before done (done_reason %q, %d bytes so far)", ErrInvalidOutput, last.DoneReason, content.Len())
	}
	if strings.TrimSpace(content.String()) == "" {
		return nil, fmt.Errorf("%w: empty answer", ErrInvalidOutput)
	}
	return &Response{
		Content: content.String(), PromptTokens: last.PromptEvalCount, OutputTokens: last.EvalCount,
		Duration: time.Since(start),
	}, nil
}
