// Package outage decides, in one place, whether an error means that a
// server is not there (an outage that waiting fixes, never counted as a
// failure), and tracks the state of each server a process depends on so
// that an outage is logged once when it starts and once when it ends.
package outage

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrUnavailable marks an error as an outage: the server (IMAP, NATS, a
// language model, the disk) is not there for now. Wrap an error with
// Mark, or wrap ErrUnavailable in a sentinel of your own (as package llm
// does), and Is reports it.
var ErrUnavailable = errors.New("server unavailable")

// ErrStorageFull marks an outage of storage: the disk is full or the
// JetStream server has no storage left. It is also an ErrUnavailable.
var ErrStorageFull error = &marked{err: errors.New("storage full"), cause: ErrUnavailable}

// JetStream API error codes of storage that is full or failing, as the
// server defines them (nats-server's JSInsufficientResourcesErr,
// JSStorageResourcesExceededErr, JSStreamStoreFailedF); nats.go has no
// sentinels for them.
const (
	codeInsufficientResources    jetstream.ErrorCode = 10023
	codeStorageResourcesExceeded jetstream.ErrorCode = 10047
	codeStreamStoreFailed        jetstream.ErrorCode = 10077
)

type marked struct {
	err   error
	cause error
}

func (m *marked) Error() string   { return m.err.Error() }
func (m *marked) Unwrap() []error { return []error{m.err, m.cause} }

// Mark wraps err so that Is reports it as an outage. nil stays nil.
func Mark(err error) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, cause: ErrUnavailable}
}

// Is reports whether err means that a server is not there for now: no one
// listening (connection refused, host or network unreachable), no answer
// in time (timeouts, a TLS handshake cut short), a connection dropped
// (EOF, reset, closed), NATS without a server or JetStream without an
// answer, an IMAP server saying it is unavailable, or storage that is
// full. Waiting fixes these; retrying at once or counting them as
// failures does not.
func Is(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || IsStorageFull(err) {
		return true
	}
	return isNetwork(err) || isNATS(err) || isIMAP(err)
}

// IsStorageFull reports whether err says that storage is full: the disk
// (ENOSPC, EDQUOT) or the JetStream server's storage (insufficient
// resources, a failed store write).
func IsStorageFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrStorageFull) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode {
		case codeInsufficientResources, codeStorageResourcesExceeded, codeStreamStoreFailed:
			return true
		}
	}
	return false
}

var networkErrnos = []syscall.Errno{
	syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
	syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EHOSTDOWN, syscall.ENETDOWN, syscall.ETIMEDOUT,
}

func isNetwork(err error) bool {
	for _, errno := range networkErrnos {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary // a name that does not exist is a mistake, not an outage
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

var natsUnavailable = []error{
	nats.ErrNoServers, nats.ErrConnectionClosed, nats.ErrConnectionReconnecting, nats.ErrDisconnected,
	nats.ErrTimeout, nats.ErrNoResponders, nats.ErrConnectionDraining,
	jetstream.ErrNoStreamResponse, jetstream.ErrJetStreamNotEnabled, jetstream.ErrJetStreamPublisherClosed,
}

func isNATS(err error) bool {
	for _, s := range natsUnavailable {
		if errors.Is(err, s) {
			return true
		}
	}
	var api *jetstream.APIError
	return errors.As(err, &api) && api.Code == 503 // "JetStream system temporarily unavailable" and kin
}

func isIMAP(err error) bool {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return false
	}
	return ie.Type == imap.StatusResponseTypeBye || ie.Code == imap.ResponseCodeUnavailable
}

type named struct {
	name string
	err  error
}

func (n *named) Error() string { return n.err.Error() }
func (n *named) Unwrap() error { return n.err }

// For names the server err is about ("imap alice"), so that whoever
// meets it can report the outage under that name. It does not make err
// an outage: Is still decides. nil stays nil.
func For(name string, err error) error {
	if err == nil {
		return nil
	}
	return &named{name: name, err: err}
}

// Of returns the server name that For gave err, or "".
func Of(err error) string {
	var n *named
	if errors.As(err, &n) {
		return n.name
	}
	return ""
}
