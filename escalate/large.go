package escalate

import (
	"context"
	"mailassist/hardness"
	"time"

	"mailassist/llm"
)

// Chatter is what the escalation needs of a language model: one chat
// turn. *llm.Client satisfies it.
type Chatter interface {
	Chat(ctx context.Context, req llm.Request) (*llm.Response, error)
}

// Ask asks the large model about the thread (bound it first): it renders
// the prompt, requests JSON following Schema within timeout (0: the
// client's own), decodes the answer strictly and validates it against
// the thread. Errors: llm.ErrUnavailable when the model could not be
// reached or did not finish in time; ErrInvalid (which is also
// llm.ErrInvalidOutput) when the answer is unusable; llm.ErrRejected
// when the server refused the request. userText is what the user wrote in
// the thread (UserText): the draft may repeat links, addresses and numbers
// from it, and from nowhere else.
func Ask(ctx context.Context, c Chatter, t *hardness.Thread, a hardness.Assessment, timeout time.Duration, userText string) (Output, *llm.Response, error) {
	system, user := Prompt(t, a)
	out, resp, err := llm.ChatJSON[Output](ctx, c, llm.Request{System: system, Prompt: user, Schema: Schema, Timeout: timeout})
	if err != nil {
		return Output{}, resp, err
	}
	out, err = Validate(out, t, userText)
	return out, resp, err
}
