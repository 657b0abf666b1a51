package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/ollama/ollama/api"

	"mailassist/outage"
)

var (
	// ErrUnavailable: the server could not be reached, was overloaded, or
	// did not answer in time. Callers wait and try again later. It is an
	// outage (outage.Is), never counted as a failure of the message.
	ErrUnavailable error = &sentinel{"llm unavailable", outage.ErrUnavailable}
	// ErrInvalidOutput: the server answered, but the answer cannot be used
	// (unfinished, empty, not the requested JSON, failed validation).
	ErrInvalidOutput = errors.New("llm output invalid")
	// ErrRejected: the server refused the request (unknown model, bad
	// request); retrying will not help.
	ErrRejected = errors.New("llm request rejected")
)

// classify turns an error from the Ollama client into one of ours.
func classify(err error, cfg Config) error {
	var se api.StatusError
	if errors.As(err, &se) {
		switch {
		case se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500:
			return fmt.Errorf("%w: %s answered %d: %s", ErrUnavailable, cfg.URL, se.StatusCode, se.ErrorMessage)
		case se.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%w: model %q not found on %s", ErrRejected, cfg.Model, cfg.URL)
		default:
			return fmt.Errorf("%w: %s answered %d: %s", ErrRejected, cfg.URL, se.StatusCode, se.ErrorMessage)
		}
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %s: %v", ErrUnavailable, cfg.URL, err)
	}
	// The client turns an NDJSON line it cannot decode, or an error line
	// in the stream, into a plain error.
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, cfg.URL, err)
}

func isTransient(err error) bool { return errors.Is(err, ErrUnavailable) }

// sentinel is an error value that is also another (its cause).
type sentinel struct {
	msg   string
	cause error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.cause }
