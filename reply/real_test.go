package reply_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mailassist/internal/ollamatest"
	"mailassist/llm"
	"mailassist/mailmsg"
	"mailassist/reply"
)

// The LLM path against the real Ollama with the tiny model: plumbing only
// (its words are noise, so its suggestions usually fail validation and the
// built-in generator answers). Logs tokens in and out and the latency.
func TestSuggestRealOllama(t *testing.T) {
	url, model := ollamatest.Real(t)
	c, err := llm.New(llm.Config{URL: url, Model: model, Timeout: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"direct-question.eml", "reschedule.eml"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "trigger", name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		m := mailmsg.Parse(raw)
		system, user := reply.Prompt(m, reply.PromptOptions{})
		resp, err := c.Chat(context.Background(), llm.Request{System: system, Prompt: user, Schema: reply.Schema})
		if err != nil {
			t.Logf("%s: raw call: %v (allowed: the tiny model's output is noise)", name, err)
		} else {
			t.Logf("%s: %d tokens in (estimated %d), %d out, %s", name, resp.PromptTokens, reply.EstimateTokens(system+user), resp.OutputTokens, resp.Duration.Round(time.Millisecond))
		}
		s, err := reply.Suggest(context.Background(), c, m, reply.SuggestOptions{FallbackWhenUnavailable: true})
		if err != nil {
			t.Fatalf("%s: suggest: %v", name, err)
		}
		t.Logf("%s: source %s after %d attempts (%s), %d suggestions", name, s.Source, s.Attempts, s.Fallback, len(s.Suggestions))
	}
}
