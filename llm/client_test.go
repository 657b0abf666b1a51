package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"mailassist/internal/ollamatest"
	"mailassist/llm"
)

type answer struct {
	SpamProbability float64 `json:"spam_probability"`
	Reason          string  `json:"reason"`
}

var schema = json.RawMessage(`{"type":"object","properties":{"spam_probability":{"type":"number"},"reason":{"type":"string"}},"required":["spam_probability","reason"]}`)

func client(t *testing.T, url string, mod func(*llm.Config)) *llm.Client {
	t.Helper()
	cfg := llm.Config{URL: url, Model: "tiny", Timeout: 2 * time.Second, RetryMin: 10 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChatJSONValid(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: `{"spam_probability":0.8,"reason":"lottery"}`}))
	c := client(t, srv.URL, nil)
	got, resp, err := llm.ChatJSON[answer](context.Background(), c, llm.Request{System: "s", Prompt: "p", Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if got.SpamProbability != 0.8 || got.Reason != "lottery" || resp.OutputTokens == 0 || resp.PromptTokens == 0 {
		t.Fatalf("got %+v, resp %+v", got, resp)
	}
	req := srv.Requests()[0]
	if string(req.Format) != string(schema) || req.Messages[0].Role != "system" || !*req.Stream {
		t.Errorf("request = %+v", req)
	}
}

func TestChatFailures(t *testing.T) {
	cases := []struct {
		name  string
		reply ollamatest.Reply
		want  error
	}{
		{"invalid json", ollamatest.Reply{Content: `{"spam_probability": "very"`}, llm.ErrInvalidOutput},
		{"unknown field", ollamatest.Reply{Content: `{"spam_probability":1,"reason":"x","extra":1}`}, llm.ErrInvalidOutput},
		{"done false", ollamatest.Reply{Content: `{"spam_probability":1,"reason":"x"}`, NotDone: true}, llm.ErrInvalidOutput},
		{"empty", ollamatest.Reply{Content: "  "}, llm.ErrInvalidOutput},
		{"timeout", ollamatest.Reply{Content: `{}`, Delay: 5 * time.Second}, llm.ErrUnavailable},
		{"server error", ollamatest.Reply{Status: http.StatusInternalServerError, Content: "out of memory"}, llm.ErrUnavailable},
		{"bad request", ollamatest.Reply{Status: http.StatusBadRequest, Content: "invalid format"}, llm.ErrRejected},
		{"garbage line", ollamatest.Reply{Garbage: "<html>proxy error</html>"}, llm.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := ollamatest.Start(t, ollamatest.Always(tc.reply))
			c := client(t, srv.URL, func(c *llm.Config) { c.Timeout = 300 * time.Millisecond })
			_, _, err := llm.ChatJSON[answer](context.Background(), c, llm.Request{Prompt: "p", Schema: schema})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestChatRetriesTransientFailures(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Sequence(
		ollamatest.Reply{Status: http.StatusServiceUnavailable, Content: "busy"},
		ollamatest.Reply{Status: http.StatusServiceUnavailable, Content: "busy"},
		ollamatest.Reply{Content: `{"spam_probability":0.1,"reason":"ok"}`},
	))
	c := client(t, srv.URL, nil)
	_, resp, err := llm.ChatJSON[answer](context.Background(), c, llm.Request{Prompt: "p", Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 3 {
		t.Fatalf("attempts = %d, want 3", resp.Attempts)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: "ok", Delay: 200 * time.Millisecond}))
	c := client(t, srv.URL, func(c *llm.Config) { c.MaxConcurrency = 1; c.Timeout = 300 * time.Millisecond; c.Retries = -1 })
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := c.Chat(context.Background(), llm.Request{Prompt: "p"}); errs <- err }()
	}
	var failed int
	for range 2 {
		if err := <-errs; err != nil {
			failed++
			if !errors.Is(err, llm.ErrUnavailable) {
				t.Errorf("err = %v", err)
			}
		}
	}
	if failed != 1 {
		t.Fatalf("%d of 2 calls failed; with one slot and a timeout shorter than two answers, exactly one must wait too long", failed)
	}
}

func TestCheckNamesMissingModel(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: "x"}))
	if err := client(t, srv.URL, nil).Check(context.Background()); err != nil {
		t.Fatalf("known model: %v", err)
	}
	err := client(t, srv.URL, func(c *llm.Config) { c.Model = "llama9:70b" }).Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"llama9:70b" not found`) {
		t.Fatalf("missing model: %v", err)
	}
	err = client(t, "http://127.0.0.1:1", nil).Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("server down: %v", err)
	}
}

// The real server with the tiny model: plumbing only (its words are noise,
// but a JSON-schema format makes it produce schema-valid JSON).
func TestRealOllama(t *testing.T) {
	url, model := ollamatest.Real(t)
	c, err := llm.New(llm.Config{URL: url, Model: model, Timeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, resp, err := llm.ChatJSON[answer](context.Background(), c, llm.Request{System: "Answer in JSON.", Prompt: "Is this spam? WIN A PRIZE", Schema: schema})
	if errors.Is(err, llm.ErrInvalidOutput) {
		t.Logf("tiny model produced invalid output (allowed: its words are noise): %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("real ollama: %+v; %d prompt tokens, %d output tokens, %s", got, resp.PromptTokens, resp.OutputTokens, resp.Duration)
}

// The slot kept for urgent requests: with reply generations filling the
// endpoint's other slots (and more waiting), the gray zone's question is
// answered at once; without the reserve it waits behind them.
func TestUrgentRequestsNeverWaitBehindOthers(t *testing.T) {
	srv := ollamatest.Start(t, func(req *api.ChatRequest) ollamatest.Reply {
		if strings.Contains(req.Messages[len(req.Messages)-1].Content, "gray zone") {
			return ollamatest.Reply{Content: `{"spam_probability":0.9,"reason":"x"}`}
		}
		return ollamatest.Reply{Content: "a long reply", Delay: time.Minute} // a slow generation
	})
	for _, reserved := range []int{1, 0} {
		c := client(t, srv.URL, func(cfg *llm.Config) { cfg.MaxConcurrency, cfg.Reserved, cfg.Timeout = 2, reserved, time.Minute })
		ctx, cancel := context.WithCancel(context.Background())
		var replies sync.WaitGroup
		for range 3 { // one more than the shared slots
			replies.Go(func() { _, _ = c.Chat(ctx, llm.Request{Prompt: "write a reply"}) })
		}
		time.Sleep(200 * time.Millisecond) // the generations hold their slots
		_, err := c.Chat(context.Background(), llm.Request{Prompt: "gray zone", Urgent: true, Timeout: time.Second})
		cancel()
		replies.Wait()
		switch {
		case reserved == 1 && err != nil:
			t.Errorf("with a reserved slot the urgent request failed: %v", err)
		case reserved == 0 && !errors.Is(err, llm.ErrUnavailable):
			t.Errorf("without a reserved slot the urgent request did not wait (err %v): the test cannot tell", err)
		}
	}
}
