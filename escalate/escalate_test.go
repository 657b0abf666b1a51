package escalate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/internal/ollamatest"
	"mailassist/llm"
	"mailassist/mailtext"
)

func validJSON(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(goodOutput())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// invalidJSON is schema-valid but fails validation: a link the thread
// does not contain.
const invalidJSON = `{"summary":"s","asks":[],"priority":"high","draft":"Hi Bob, pay at https://evil.example/pay"}`

func largeClient(t *testing.T, url string) *llm.Client {
	t.Helper()
	c, err := llm.New(llm.Config{URL: url, Model: "tiny", Retries: -1, RetryMin: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func job(t *testing.T) Job {
	t.Helper()
	th := fixtureThread(t)
	return Job{Account: "work", Thread: th, Assessment: scored(t, th)}
}

func TestEscalateLargeModelValid(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: validJSON(t)}))
	e := NewEscalator(Options{Large: largeClient(t, srv.URL), Model: "tiny"})
	j := job(t)
	r, err := e.Escalate(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	want := goodOutput()
	if r.Handler != bus.HandlerLargeModel || r.Summary != want.Summary || r.Draft != want.Draft || r.Priority != bus.PriorityUrgent || len(r.Asks) != 2 || r.Model != "tiny" {
		t.Errorf("result %+v", r)
	}
	if r.PromptTokens == 0 || r.OutputTokens == 0 {
		t.Errorf("token counts missing: %+v", r)
	}
	// What was sent: the golden prompt and the schema.
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	bounded := cloneThread(j.Thread)
	Bound(bounded, 3000)
	system, user := Prompt(bounded, j.Assessment)
	if m := reqs[0].Messages; len(m) != 2 || m[0].Role != "system" || m[0].Content != system || m[1].Content != user {
		t.Errorf("prompt sent differs from Prompt()")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, Schema); err != nil || string(reqs[0].Format) != compact.String() {
		t.Errorf("format sent: %s", reqs[0].Format)
	}
	if len(j.Thread.Messages) != 6 || j.Thread.Omitted != 0 {
		t.Error("Escalate changed the job's thread")
	}
}

func TestEscalateLargeModelInvalid(t *testing.T) {
	for _, tc := range []struct {
		name    string
		replies []ollamatest.Reply
		handler bus.EscalationHandler
		calls   int
	}{
		{"invalid twice: human", []ollamatest.Reply{{Content: invalidJSON}}, bus.HandlerHuman, 2},
		{"not JSON, then valid", []ollamatest.Reply{{Content: "I think the summary is"}, {Content: validJSON(t)}}, bus.HandlerLargeModel, 2},
		{"unfinished generation: human", []ollamatest.Reply{{Content: `{"summary":"aaaa`, NotDone: true}}, bus.HandlerHuman, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := ollamatest.Start(t, ollamatest.Sequence(tc.replies...))
			kv := budgetKV(t)
			budget := NewBudget(kv, 10, nil)
			e := NewEscalator(Options{Large: largeClient(t, srv.URL), Budget: budget})
			r, err := e.Escalate(context.Background(), job(t))
			if err != nil {
				t.Fatal(err)
			}
			if r.Handler != tc.handler || len(srv.Requests()) != tc.calls {
				t.Fatalf("handler %s after %d calls, want %s after %d (%+v)", r.Handler, len(srv.Requests()), tc.handler, tc.calls, r)
			}
			if r.Handler == bus.HandlerHuman {
				if !strings.Contains(r.Draft, "[ ] "+r.Asks[0]) || !strings.HasPrefix(r.Handoff, "large model answer invalid") || len(r.Asks) == 0 {
					t.Errorf("hand-off %+v", r)
				}
			}
			if n, _ := budget.Used(context.Background(), "work"); n != 1 {
				t.Errorf("budget used %d, want 1 (retries are one escalation)", n)
			}
		})
	}
}

func TestEscalateTimeoutWaits(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: validJSON(t), Delay: 5 * time.Second}))
	budget := NewBudget(budgetKV(t), 10, nil)
	e := NewEscalator(Options{Large: largeClient(t, srv.URL), Budget: budget, Timeout: 200 * time.Millisecond})
	_, err := e.Escalate(context.Background(), job(t))
	var w *WaitError
	if !errors.As(err, &w) || !errors.Is(err, ErrWait) || !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("err = %v, want a WaitError wrapping llm.ErrUnavailable", err)
	}
	if n, _ := budget.Used(context.Background(), "work"); n != 1 {
		t.Errorf("budget used %d, want 1: the model worked on it until the timeout", n)
	}
}

// TestEscalateDownThenUp: while the model is down the message waits (and
// costs no budget); once it is back, the next delivery is processed.
func TestEscalateDownThenUp(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Status: http.StatusServiceUnavailable, Content: "loading model"}))
	budget := NewBudget(budgetKV(t), 10, nil)
	e := NewEscalator(Options{Large: largeClient(t, srv.URL), Budget: budget})
	j := job(t)
	j.Since = time.Now()
	deliveries := 0
	var r Result
	for {
		deliveries++
		var err error
		r, err = e.Escalate(context.Background(), j) // what each redelivery does
		if err == nil {
			break
		}
		if !errors.Is(err, ErrWait) {
			t.Fatalf("delivery %d: %v, want a wait", deliveries, err)
		}
		if n, _ := budget.Used(context.Background(), "work"); n != 0 {
			t.Fatalf("delivery %d: a call that never reached the model cost budget (%d)", deliveries, n)
		}
		if deliveries == 3 {
			srv.SetReply(ollamatest.Always(ollamatest.Reply{Content: validJSON(t)}))
		}
		if deliveries > 10 {
			t.Fatal("never processed")
		}
	}
	if deliveries != 4 || r.Handler != bus.HandlerLargeModel || r.Draft == "" {
		t.Errorf("processed on delivery %d as %+v; want delivery 4 by the large model", deliveries, r)
	}
}

func TestEscalateServerGone(t *testing.T) {
	e := NewEscalator(Options{Large: largeClient(t, "http://127.0.0.1:1")})
	_, err := e.Escalate(context.Background(), job(t))
	if !errors.Is(err, ErrWait) {
		t.Fatalf("err = %v, want ErrWait", err)
	}
}

func TestEscalateMaxWaitHandsOff(t *testing.T) {
	now := time.Date(2024, 3, 6, 23, 0, 0, 0, time.UTC)
	e := NewEscalator(Options{Large: largeClient(t, "http://127.0.0.1:1"), MaxWait: 12 * time.Hour, Now: func() time.Time { return now }})
	j := job(t)
	j.Since = now.Add(-13 * time.Hour)
	r, err := e.Escalate(context.Background(), j)
	if err != nil || r.Handler != bus.HandlerHuman || !strings.Contains(r.Handoff, "waited 13h0m0s for the large model") {
		t.Fatalf("Escalate = %+v, %v; want a hand-off after waiting", r, err)
	}
}

func TestEscalateNoLargeModel(t *testing.T) {
	r, err := NewEscalator(Options{}).Escalate(context.Background(), job(t))
	if err != nil {
		t.Fatal(err)
	}
	// The fixture thread is a complaint about money with legal language:
	// its priority is urgent whoever handles it.
	if r.Handler != bus.HandlerHuman || !strings.HasPrefix(r.Draft, "[mailassist: ") || r.Handoff != "no large model configured" || r.Priority != bus.PriorityUrgent {
		t.Errorf("hand-off %+v", r)
	}
	if !strings.Contains(r.Summary, "Please send the corrected invoice by Friday, March 8.") || len(r.Asks) == 0 {
		t.Errorf("summary does not carry the asks:\n%s", r.Summary)
	}
}

func TestEscalateRejectedHandsOff(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Status: http.StatusNotFound, Content: "model 'tiny' not found"}))
	r, err := NewEscalator(Options{Large: largeClient(t, srv.URL)}).Escalate(context.Background(), job(t))
	if err != nil || r.Handler != bus.HandlerHuman || !strings.Contains(r.Handoff, "refused") {
		t.Fatalf("Escalate = %+v, %v", r, err)
	}
}

// TestEscalateBudget: the (max_per_hour+1)-th escalation in an hour waits
// until the next hour, without calling the model.
func TestEscalateBudget(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: validJSON(t)}))
	clk := &clock{t: time.Date(2024, 3, 6, 10, 20, 0, 0, time.UTC)}
	const maxPerHour = 3
	e := NewEscalator(Options{Large: largeClient(t, srv.URL), Budget: NewBudget(budgetKV(t), maxPerHour, clk.now), Now: clk.now})
	for i := 1; i <= maxPerHour; i++ {
		if r, err := e.Escalate(context.Background(), job(t)); err != nil || r.Handler != bus.HandlerLargeModel {
			t.Fatalf("escalation %d: %+v, %v", i, r, err)
		}
	}
	j := job(t)
	j.Since = clk.now()
	_, err := e.Escalate(context.Background(), j)
	var w *WaitError
	if !errors.As(err, &w) || w.RetryAfter != 40*time.Minute {
		t.Fatalf("escalation %d: err %v, want a wait of 40m", maxPerHour+1, err)
	}
	if n := len(srv.Requests()); n != maxPerHour {
		t.Errorf("%d model calls, want %d", n, maxPerHour)
	}
	clk.set(time.Date(2024, 3, 6, 11, 0, 0, 0, time.UTC))
	if r, err := e.Escalate(context.Background(), j); err != nil || r.Handler != bus.HandlerLargeModel {
		t.Fatalf("next hour: %+v, %v", r, err)
	}
}

// TestEscalateBudgetWaitEndsAtMaxWait: a spent budget that refills in 40
// minutes holds a message only until it is due to go to the human, then
// it goes.
func TestEscalateBudgetWaitEndsAtMaxWait(t *testing.T) {
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: validJSON(t)}))
	clk := &clock{t: time.Date(2024, 3, 6, 10, 20, 0, 0, time.UTC)}
	e := NewEscalator(Options{Large: largeClient(t, srv.URL), Budget: NewBudget(budgetKV(t), 1, clk.now), Now: clk.now, MaxWait: 10 * time.Minute})
	if _, err := e.Escalate(context.Background(), job(t)); err != nil {
		t.Fatal(err)
	}
	j := job(t)
	j.Since = clk.now().Add(-7 * time.Minute)
	_, err := e.Escalate(context.Background(), j)
	var w *WaitError
	if !errors.As(err, &w) || w.RetryAfter != 3*time.Minute {
		t.Fatalf("err %v, want a wait of 3m (what is left of max_wait)", err)
	}
	clk.set(clk.now().Add(3 * time.Minute))
	if r, err := e.Escalate(context.Background(), j); err != nil || r.Handler != bus.HandlerHuman {
		t.Fatalf("at max_wait: %+v, %v; want the human", r, err)
	}
}

// TestEscalateRealOllama runs the large-model path against the real
// server of the integration tier. Its tiny model writes noise, so either
// outcome of the call is accepted: a validated answer, or the hand-off
// for an invalid one. Waiting or failing is not.
func TestEscalateRealOllama(t *testing.T) {
	url, model := ollamatest.Real(t)
	c, err := llm.New(llm.Config{URL: url, Model: model, Timeout: 3 * time.Minute, Options: map[string]any{"num_predict": 256}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := NewEscalator(Options{Large: c, Model: model, ThreadTokens: 800, InvalidRetries: -1, Timeout: 3 * time.Minute})
	r, err := e.Escalate(context.Background(), job(t))
	if err != nil {
		t.Fatal(err)
	}
	switch r.Handler {
	case bus.HandlerLargeModel:
		t.Logf("validated answer: priority %s, %d asks, %d-byte draft, %d+%d tokens", r.Priority, len(r.Asks), len(r.Draft), r.PromptTokens, r.OutputTokens)
	case bus.HandlerHuman:
		if !strings.HasPrefix(r.Handoff, "large model answer invalid") {
			t.Fatalf("hand-off for another reason: %s", r.Handoff)
		}
		t.Logf("tiny model's answer was invalid (allowed: its words are noise): %s", mailtext.Clip(r.Handoff, 200))
	}
}
