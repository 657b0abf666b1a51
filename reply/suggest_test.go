package reply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mailassist/bus"
	"mailassist/llm"
)

// fakeModel answers with the queued replies in turn and records the
// requests.
type fakeModel struct {
	answers []string
	errs    []error
	reqs    []llm.Request
}

func (f *fakeModel) Chat(_ context.Context, req llm.Request) (*llm.Response, error) {
	i := len(f.reqs)
	f.reqs = append(f.reqs, req)
	if i < len(f.errs) && f.errs[i] != nil {
		return nil, f.errs[i]
	}
	if i >= len(f.answers) {
		return nil, fmt.Errorf("%w: no more answers", llm.ErrInvalidOutput)
	}
	return &llm.Response{Content: f.answers[i]}, nil
}

const (
	goodAnswer = `{"suggestions":[{"intent":"yes","text":"Yes, Friday at 10:00 works for me."},{"intent":"no","text":"Sorry, Friday doesn't work for me."}]}`
	badAnswer  = `{"suggestions":[{"intent":"yes","text":"Here is a reply: yes."}]}`
)

func TestSuggest(t *testing.T) {
	m := fixture(t, "builtin/reschedule.eml")
	unavailable := fmt.Errorf("%w: connection refused", llm.ErrUnavailable)
	rejected := fmt.Errorf("%w: model not found", llm.ErrRejected)
	tests := []struct {
		name     string
		model    *fakeModel
		o        SuggestOptions
		source   bus.SuggestionSource
		attempts int
		fallback string // substring
		err      error
	}{
		{name: "valid", model: &fakeModel{answers: []string{goodAnswer}}, source: bus.SourceModel, attempts: 1},
		{name: "retry then valid", model: &fakeModel{answers: []string{badAnswer, goodAnswer}}, source: bus.SourceModel, attempts: 2},
		{name: "not JSON then valid", model: &fakeModel{answers: []string{"Sure! Here you go:", goodAnswer}}, source: bus.SourceModel, attempts: 2},
		{name: "invalid twice", model: &fakeModel{answers: []string{badAnswer, badAnswer}}, source: bus.SourceBuiltin, attempts: 2, fallback: "invalid output twice"},
		{name: "unfinished twice", model: &fakeModel{}, source: bus.SourceBuiltin, attempts: 2, fallback: "llm output invalid"},
		{name: "rejected", model: &fakeModel{errs: []error{rejected}}, source: bus.SourceBuiltin, attempts: 1, fallback: "model refused"},
		{name: "unavailable", model: &fakeModel{errs: []error{unavailable}}, err: llm.ErrUnavailable},
		{name: "unavailable with fallback", model: &fakeModel{errs: []error{unavailable}}, o: SuggestOptions{FallbackWhenUnavailable: true}, source: bus.SourceBuiltin, attempts: 1, fallback: "model unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Suggest(context.Background(), tt.model, m, tt.o)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Source != tt.source || got.Attempts != tt.attempts || !strings.Contains(got.Fallback, tt.fallback) ||
				(tt.fallback == "") != (got.Fallback == "") {
				t.Errorf("Source %q, Attempts %d, Fallback %q", got.Source, got.Attempts, got.Fallback)
			}
			if len(got.Suggestions) == 0 || got.Best() == "" {
				t.Errorf("no suggestions: %+v", got)
			}
			for _, r := range tt.model.reqs {
				if string(r.Schema) != string(Schema) || r.System == "" || !strings.Contains(r.Prompt, "<<<EMAIL") {
					t.Errorf("request without schema, system prompt or email: %+v", r)
				}
			}
		})
	}
}

// The retry tells the model what was wrong.
func TestSuggestRetryFeedback(t *testing.T) {
	model := &fakeModel{answers: []string{badAnswer, goodAnswer}}
	if _, err := Suggest(context.Background(), model, fixture(t, "builtin/reschedule.eml"), SuggestOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(model.reqs) != 2 {
		t.Fatalf("%d requests", len(model.reqs))
	}
	if strings.Contains(model.reqs[0].Prompt, "rejected") || !strings.Contains(model.reqs[1].Prompt, `Your previous answer was rejected: invalid suggestions: suggestion 1: preamble "here is"`) {
		t.Errorf("retry prompt:\n%s", model.reqs[1].Prompt)
	}
}

func TestSuggestWithoutModel(t *testing.T) {
	got, err := Suggest(context.Background(), nil, fixture(t, "builtin/reschedule.eml"), SuggestOptions{})
	if err != nil || got.Source != bus.SourceBuiltin || got.Fallback != "no model configured" || len(got.Suggestions) != 3 {
		t.Errorf("%+v, %v", got, err)
	}
}

func TestSuggestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	model := &fakeModel{errs: []error{context.Canceled}}
	if _, err := Suggest(ctx, model, fixture(t, "builtin/reschedule.eml"), SuggestOptions{FallbackWhenUnavailable: true}); err == nil {
		t.Error("no error after cancel")
	}
}
