package reply

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"mailassist/bus"
	"mailassist/llm"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// Chatter is the one call Suggest needs from a language model.
// *llm.Client satisfies it; so does a test double.
type Chatter interface {
	Chat(ctx context.Context, req llm.Request) (*llm.Response, error)
}

// Suggestions are what Suggest offers for one message.
type Suggestions struct {
	Result
	// Source says who wrote them.
	Source bus.SuggestionSource
	// Fallback says why the built-in generator answered ("no model
	// configured", "invalid output twice: …"); empty when the model did.
	Fallback string
	// Attempts is how many times the model was asked (0, 1 or 2).
	Attempts int
	// Invalid: the model answered twice, and both answers failed
	// validation. The built-in generator answered instead.
	Invalid bool
	// Injection is the instruction-like text aimed at an assistant that
	// the message carries (mailtext.Injection): the model was not asked,
	// and the suggestions must not become a draft.
	Injection string
}

// SuggestOptions tune Suggest. The zero value means the defaults.
type SuggestOptions struct {
	Prompt PromptOptions
	// FallbackWhenUnavailable makes Suggest answer with the built-in
	// generator when the model cannot be reached (llm.ErrUnavailable)
	// instead of returning the error, which a stage would retry later.
	FallbackWhenUnavailable bool
	// IntentWeights rank the built-in generator's intents by how the user
	// received them (BuiltinRanked); nil ranks by fit alone.
	IntentWeights map[string]float64
}

// Suggest asks the model c for suggestions for m and validates them. An
// invalid answer is retried once, with the reason in the prompt; a second
// invalid answer, a refused request (llm.ErrRejected) or a nil c gives the
// built-in generator's suggestions instead. A message that carries
// instruction-like text aimed at an assistant (mailtext.Injection) is
// never shown to the model: it gets the built-in generator's suggestions
// with Injection set. An unreachable model (llm.ErrUnavailable) is
// returned as an error, unless o.FallbackWhenUnavailable. The result may
// hold no suggestion at all (the built-in generator has none for a
// message not in English).
func Suggest(ctx context.Context, c Chatter, m *mailmsg.Message, o SuggestOptions) (Suggestions, error) {
	if cue := Injection(m); cue != "" {
		out := builtin(m, o, "the email holds instructions for an assistant", 0)
		out.Injection = cue
		return out, nil
	}
	if c == nil {
		return builtin(m, o, "no model configured", 0), nil
	}
	po := o.Prompt
	var lastErr error
	for attempt := 1; attempt <= 2; attempt++ {
		out, err := ask(ctx, c, m, po)
		if err == nil {
			var res Result
			if res, err = Validate(out, m); err == nil {
				return Suggestions{Result: res, Source: bus.SourceModel, Attempts: attempt}, nil
			}
		}
		switch {
		case errors.Is(err, llm.ErrUnavailable) || ctx.Err() != nil:
			if o.FallbackWhenUnavailable && ctx.Err() == nil {
				return builtin(m, o, "model unavailable: "+err.Error(), attempt), nil
			}
			return Suggestions{}, fmt.Errorf("suggest: %w", err)
		case errors.Is(err, llm.ErrRejected):
			return builtin(m, o, "model refused the request: "+err.Error(), attempt), nil
		}
		lastErr = err
		po.Feedback = err.Error()
	}
	out := builtin(m, o, "invalid output twice: "+lastErr.Error(), 2)
	out.Invalid = true
	return out, nil
}

// ask runs one generation and decodes it strictly.
func ask(ctx context.Context, c Chatter, m *mailmsg.Message, o PromptOptions) (Output, error) {
	system, user := Prompt(m, o)
	out, _, err := llm.ChatJSON[Output](ctx, c, llm.Request{System: system, Prompt: user, Schema: Schema})
	if errors.Is(err, llm.ErrInvalidOutput) {
		return Output{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return out, err
}

func builtin(m *mailmsg.Message, o SuggestOptions, why string, attempts int) Suggestions {
	return Suggestions{
		Result:   Result{Suggestions: BuiltinRanked(m, o.IntentWeights)},
		Source:   bus.SourceBuiltin,
		Fallback: why,
		Attempts: attempts,
	}
}

// Injection returns the instruction-like text aimed at an assistant in m
// — in its subject, its text or a display name — or "".
func Injection(m *mailmsg.Message) string {
	var b strings.Builder
	b.WriteString(m.Subject)
	for _, list := range [][]mailmsg.Address{m.From, m.ReplyTo, m.To, m.Cc} {
		for _, a := range list {
			b.WriteString("\n" + a.Name)
		}
	}
	b.WriteString("\n" + m.Text)
	return mailtext.Clip(mailtext.Injection(b.String()), 80)
}
