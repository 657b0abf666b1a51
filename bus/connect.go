package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/outage"
)

// ConnectOptions says how to reach a NATS server and log in: with a
// creds file (JWT and seed), an nkey seed file, or a client certificate
// the server maps to a user (mutual TLS).
type ConnectOptions struct {
	URL       string
	CredsFile string
	NkeyFile  string // user nkey seed (as the embedded server's nats.nk)
	CAFile    string
	CertFile  string
	KeyFile   string
	Name      string // client name shown by the server
	// InboxPrefix replaces "_INBOX" in the subjects replies come back on,
	// so that a server can let each role read only its own replies
	// (RolePermissions uses Inbox(role)). Empty keeps "_INBOX".
	InboxPrefix string
	// Outages, when set, hears of disconnects and reconnects (as
	// DependencyNATS) and logs each once; otherwise they are logged here.
	Outages *outage.Tracker
}

// Connect dials NATS and keeps reconnecting for ever when the server goes
// away; JetStream calls made while it is away fail and stages retry them.
func Connect(o ConnectOptions, log *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.ReconnectJitter(500*time.Millisecond, 2*time.Second),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			switch {
			case err == nil:
			case o.Outages != nil:
				o.Outages.Down(DependencyNATS, err)
			default:
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			if o.Outages != nil {
				o.Outages.Up(DependencyNATS)
				return
			}
			log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				// The request it belonged to times out; say why.
				log.Error("nats refused an operation: these credentials lack the permission", "err", err)
				return
			}
			log.Warn("nats", "err", err)
		}),
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.NkeyFile != "" {
		nk, err := nats.NkeyOptionFromSeed(o.NkeyFile)
		if err != nil {
			return nil, fmt.Errorf("connect to nats: nkey_file: %w", err)
		}
		opts = append(opts, nk)
	}
	if o.InboxPrefix != "" {
		opts = append(opts, nats.CustomInboxPrefix(o.InboxPrefix))
	}
	if o.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	if o.CertFile != "" {
		opts = append(opts, nats.ClientCert(o.CertFile, o.KeyFile))
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	return nc, nil
}

// Drain drains nc — subscriptions finish the messages they hold, pending
// publishes are flushed — and waits until it is closed, at most timeout;
// then it closes nc anyway and says so. A connection already closed is
// fine.
func Drain(nc *nats.Conn, timeout time.Duration) error {
	closed := make(chan struct{})
	var once sync.Once
	nc.SetClosedHandler(func(*nats.Conn) { once.Do(func() { close(closed) }) })
	if err := nc.Drain(); err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil
		}
		nc.Close()
		return fmt.Errorf("drain nats: %w", err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-closed:
		return nil
	case <-t.C:
		nc.Close()
		return fmt.Errorf("drain nats: not done after %s; closed", timeout)
	}
}

// IsCASConflict reports whether err is a failed compare-and-set on a KV
// key: it was created or updated by someone else since it was read.
// Replicated streams report this with another error code than
// single-replica ones; the library's sentinels cover both.
func IsCASConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
