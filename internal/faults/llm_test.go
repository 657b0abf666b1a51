package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mailassist/internal/ollamatest"
)

// The language model is down at start, slow, answers nonsense, or stops
// before done: run starts and keeps running, spam keeps the model's own
// verdict, replies come from the built-in generator (or the thread goes
// to a human when the model's answers fail), escalations wait, then go to
// a human after escalate.max_wait. Every message reaches its terminal
// state.
func TestLanguageModelFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply *ollamatest.Reply // nil: nothing listens
	}{
		{"down at start", nil},
		{"slow", &ollamatest.Reply{Content: `{"spam_probability":0.5,"category":"other","reason":"slow"}`, Delay: 5 * time.Second}},
		{"invalid", &ollamatest.Reply{Content: "Sure! Here is what I think about this e-mail."}},
		{"done false", &ollamatest.Reply{Content: `{"spam_probability":0.5,"category":"other","reason":"cut`, NotDone: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := "127.0.0.1:" + freePort(t)
			var srv *ollamatest.Server
			if tc.reply != nil {
				srv = ollamatest.StartAt(t, addr, ollamatest.Always(*tc.reply))
			}
			w := newWorld(t, options{yaml: fmt.Sprintf(`spam: {llm: small, gray_zone: [0.0, 1.0], llm_timeout: 1s}
reply: {llm: small}
escalate: {llm: small, max_wait: 10s}
llm:
  small: {url: "http://%s", model: tiny, timeout: 2s}`, addr)})
			w.start("run")
			w.deliver(0, 36, 0, nil)
			if tc.reply != nil && tc.reply.Delay == 0 {
				// A model whose answers fail validation makes the thread
				// look hard: a question may go to a human instead of
				// getting a draft. Either is one terminal state.
				for _, m := range w.mails {
					m.draftOrFlag = m.kind == "question"
				}
			}
			o := w.settle(2 * time.Minute)
			w.alive("run")
			if tc.reply == nil {
				if code, body := w.get("run", "/healthz"); code != 503 || !strings.Contains(body, "llm small: unavailable") {
					t.Errorf("/healthz with the model down = %d %s", code, body)
				}
				srv = ollamatest.StartAt(t, addr, ollamatest.Always(ollamatest.Reply{Content: "{}"}))
				start := time.Now()
				w.waitHealthy("run", time.Minute)
				t.Logf("the model came up; /healthz saw it %.1f s later", time.Since(start).Seconds())
			}
			asked := 0
			if srv != nil {
				asked = len(srv.Requests())
			}
			t.Logf("language model %s: %s; %d requests reached the model; run never exited", tc.name, o, asked)
		})
	}
}
