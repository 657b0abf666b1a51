package bus

import (
	"errors"
	"fmt"
	"time"
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

// retryAfterError asks for redelivery after a given delay.
type retryAfterError struct {
	err   error
	delay time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter wraps a transient err with the delay after which the message
// should come back (e.g. when an hourly budget refills), instead of the
// runner's exponential backoff.
func RetryAfter(err error, delay time.Duration) error {
	return &retryAfterError{err: err, delay: delay}
}

// retryDelay returns the delay RetryAfter asked for, if any.
func retryDelay(err error) (time.Duration, bool) {
	var ra *retryAfterError
	if errors.As(err, &ra) {
		return ra.delay, true
	}
	return 0, false
}
