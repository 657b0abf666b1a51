package bus

import (
	"errors"
	"fmt"
)

// ErrPermanent marks an error that no retry can fix: the runner terminates
// the message and publishes a dead letter with the reason. Any other error
// is transient and the message is redelivered with backoff.
var ErrPermanent = errors.New("permanent")

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() []error {
	return []error{e.err, ErrPermanent}
}

// Permanent wraps err so the runner dead-letters the message.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// Permanentf is Permanent(fmt.Errorf(format, args...)).
func Permanentf(format string, args ...any) error {
	return Permanent(fmt.Errorf(format, args...))
}

// IsPermanent reports whether err was marked permanent.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }
