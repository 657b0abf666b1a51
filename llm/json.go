package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Chatter is one chat turn with a model. *Client implements it; stages
// declare the same method where they use it, so a test double fits both.
type Chatter interface {
	Chat(ctx context.Context, req Request) (*Response, error)
}

// ChatJSON runs req (whose Schema should describe T) on c and decodes the
// answer into T strictly: unknown fields or trailing data make it
// ErrInvalidOutput. The answer is untrusted: callers validate the values.
// It is the one place where a model's answer becomes a Go value.
func ChatJSON[T any](ctx context.Context, c Chatter, req Request) (T, *Response, error) {
	var out T
	resp, err := c.Chat(ctx, req)
	if err != nil {
		return out, nil, err
	}
	if err := DecodeStrict([]byte(resp.Content), &out); err != nil {
		return out, resp, err
	}
	return out, resp, nil
}

// DecodeStrict decodes one JSON value into v, refusing unknown fields and
// anything after the value.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: not the requested JSON: %v", ErrInvalidOutput, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the JSON value", ErrInvalidOutput)
	}
	return nil
}
