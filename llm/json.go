package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// ChatJSON runs req (whose Schema should describe T) and decodes the
// answer into T strictly: unknown fields or trailing data make it
// ErrInvalidOutput. The answer is untrusted: callers validate the values.
func ChatJSON[T any](ctx context.Context, c *Client, req Request) (T, *Response, error) {
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
