package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/ops"
	"mailassist/outage"
)

// Watcher follows one mailbox of one account and publishes every new
// message to mail.ingested.<account> exactly once.
type Watcher struct {
	Bus     *bus.Bus
	Account *account.Account
	Mailbox string
	Log     *slog.Logger
	Status  *Registry // may be nil
	// BackoffMin and BackoffMax bound the reconnect delay. Defaults 1s, 2m.
	BackoffMin, BackoffMax time.Duration
	// OutageBackoffMax caps the reconnect delay while the server is not
	// there (connection refused, timeouts: outage.Is), so that the
	// watcher is back within seconds of the server. Default 5s.
	OutageBackoffMax time.Duration
	// Junk makes this the watcher of the account's Junk folder (Mailbox
	// empty: discovered): it publishes only the user's moves into Junk, as
	// mail.feedback, and remembers what is there so that a move back out
	// is noticed by the other watchers.
	Junk bool
	// Sent makes this the watcher of the account's Sent folder (Mailbox
	// empty: discovered): it publishes what appears there on mail.sent,
	// not mail.ingested.
	Sent bool
	// Poll makes the watcher poll every PollInterval even when the server
	// offers IDLE (for servers whose IDLE notifications are unreliable).
	Poll bool
	// Alive, when set, says whether a replica (the holder of a lease) is
	// still a live member (Assigner.Alive): a dead one's lease is taken
	// over at once instead of after bus.LeaseTTL.
	Alive func(instance string) bool

	failures map[uint32]int // consecutive session failures per stuck UID
	label    string         // mailbox name for metrics and status
	logBase  *slog.Logger   // Log without the mailbox
	retry    *retryPolicy
	// resynced is when UIDVALIDITY last changed: for resyncWindow after
	// it, new messages are checked against those already ingested too,
	// since a restore of the mailbox may still be going on.
	resynced time.Time
}

// Run keeps a session open until ctx is done, reconnecting with capped
// exponential backoff and jitter whenever the server drops it.
func (w *Watcher) Run(ctx context.Context) error {
	w.prepare()
	var failures uint64 // sessions in a row that ended in under a minute
	for {
		if !w.waitBus(ctx) {
			return nil
		}
		l, err := w.acquireLease(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		started := time.Now()
		err = l.run(ctx, w.session)
		w.setConnected(false, err)
		if ctx.Err() != nil {
			return nil
		}
		watcherReconnects.With(w.Account.Name, w.label).Inc()
		failures++
		if time.Since(started) > time.Minute {
			failures = 1 // the session was healthy for a while
		}
		wait, setup := w.retry.after(err, failures)
		w.needsPerson(setup)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// prepare fills in the defaults and what Run and the account watcher need.
func (w *Watcher) prepare() {
	if w.BackoffMin <= 0 {
		w.BackoffMin = time.Second
	}
	if w.BackoffMax <= 0 {
		w.BackoffMax = 2 * time.Minute
	}
	if w.OutageBackoffMax <= 0 {
		w.OutageBackoffMax = 5 * time.Second
	}
	if w.Junk && w.Mailbox == "" {
		w.Mailbox = w.Account.Folders.Junk
	}
	if w.Sent && w.Mailbox == "" {
		w.Mailbox = w.Account.Folders.Sent
	}
	w.label = w.Mailbox
	switch {
	case w.label != "":
	case w.Junk:
		w.label = string(imap.MailboxAttrJunk)
	case w.Sent:
		w.label = string(imap.MailboxAttrSent)
	}
	w.logBase = w.Log.With("account", w.Account.Name, "stage", "ingest")
	w.Log = w.logBase.With("mailbox", w.label)
	w.failures = map[uint32]int{}
	w.retry = &retryPolicy{min: w.BackoffMin, max: w.BackoffMax, outageMax: w.OutageBackoffMax, log: w.Log, outages: w.Bus.Outages}
}

// needsPerson records in the watcher's state what a person must fix (nil:
// nothing), for /healthz, /readyz and status.
func (w *Watcher) needsPerson(se *imapx.SetupError) {
	w.Status.update(w.Account.Name, w.label, func(s *WatcherState) {
		s.Fix = ""
		if se != nil {
			s.Fix = se.Problem + ": " + se.Fix
		}
	})
}

// session is one connection: select, catch up, then wait for new mail.
// An error of the IMAP server going away names it (outage.For).
func (w *Watcher) session(ctx context.Context) (err error) {
	dep := imapx.Dependency(w.Account.Name)
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				notify()
			}
		},
	}
	c, err := imapx.Dial(ctx, w.Account.IMAP, handler)
	if err != nil {
		return outage.For(dep, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer func() { err = wentAway(ctx, c, dep, err) }()

	if w.Mailbox == "" {
		name, err := imapx.EnsureFolder(c, w.specialUse())
		if err != nil {
			return err
		}
		w.Mailbox = name
		w.relabel(name)
	}
	sel, err := c.Select(w.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %q: %w", w.Mailbox, imapx.ExplainFolder(err, w.Mailbox, w.configKey()))
	}
	idle := !w.Poll && (c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2))
	w.setConnected(true, nil)
	w.Bus.Outages.Up(imapx.Dependency(w.Account.Name))
	w.Status.update(w.Account.Name, w.label, func(s *WatcherState) { s.Idle = idle })
	w.Log.Info("watching", "uidvalidity", sel.UIDValidity, "messages", sel.NumMessages, "idle", idle)

	s := &syncer{w: w, c: c, uidValidity: sel.UIDValidity, uidNext: uint32(sel.UIDNext)}
	for {
		if err := s.run(ctx); err != nil {
			return err
		}
		w.markLive()
		if idle {
			err = w.idleOnce(ctx, c, wake)
		} else {
			err = w.pollOnce(ctx, c)
		}
		if err != nil {
			return err
		}
	}
}

// wentAway names the IMAP server dep as gone (outage.For) in err, the
// end of a session, when the connection closed under it.
func wentAway(ctx context.Context, c *imapclient.Client, dep string, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	select {
	case <-c.Closed():
		return outage.For(dep, outage.Mark(err))
	default:
		return err
	}
}

// idleOnce runs IDLE until new mail, the refresh interval, or shutdown.
// The server's acceptance of IDLE proves the connection is live.
func (w *Watcher) idleOnce(ctx context.Context, c *imapclient.Client, wake <-chan struct{}) error {
	// Some servers report changes queued before IDLE only with the next
	// command: a NOOP first leaves only a negligible window.
	if err := c.Noop().Wait(); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	select {
	case <-wake:
		return nil
	default:
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	w.markLive()
	t := time.NewTimer(w.Account.IdleRefresh.D())
	defer t.Stop()
	select {
	case <-wake:
		w.markLive()
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return ctx.Err()
}

// pollOnce waits one poll interval and asks the server for news.
func (w *Watcher) pollOnce(ctx context.Context, c *imapclient.Client) error {
	t := time.NewTimer(w.Account.PollInterval.D())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.Closed():
		return errors.New("connection closed")
	case <-t.C:
	}
	if err := c.Noop().Wait(); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	return nil
}

func (w *Watcher) setConnected(up bool, err error) {
	v := 0.0
	if up {
		v = 1
	}
	watcherConnected.With(w.Account.Name, w.label).Set(v)
	w.Status.update(w.Account.Name, w.label, func(s *WatcherState) {
		s.Connected = up
		if up {
			s.Fix = "" // logged in and the folder opened: nothing left to fix
		}
		s.MaxQuiet = 2*max(w.Account.IdleRefresh.D(), w.Account.PollInterval.D()) + 30*time.Second
		if err != nil {
			s.LastError = err.Error()
		}
	})
}

// relabel names the watcher by the folder it found for its role (Junk,
// Sent) in its log, its state and its metrics, where it went by the
// role (\Junk) until then: one name per folder everywhere.
func (w *Watcher) relabel(name string) {
	old := w.label
	if old == name {
		return
	}
	w.Status.rename(w.Account.Name, old, name)
	for _, f := range []*ops.Family{watcherConnected, watcherLastIdle, watcherIngested, watcherReconnects} {
		f.Delete(w.Account.Name, old)
	}
	w.label = name
	w.Log = w.logBase.With("mailbox", name)
}

func (w *Watcher) markLive() {
	now := time.Now()
	watcherLastIdle.With(w.Account.Name, w.label).Set(float64(now.Unix()))
	w.Status.update(w.Account.Name, w.label, func(s *WatcherState) { s.LastLive = now; s.LastError = "" })
}

// waitBus waits while the bus cannot take anything — NATS away, or its
// storage full: there is no point in logging in to fetch what cannot be
// published. It reports false when ctx ended first.
func (w *Watcher) waitBus(ctx context.Context) bool {
	for !w.Bus.Outages.IsUp(bus.DependencyStorage) || (w.Bus.NC != nil && w.Bus.NC.IsReconnecting()) {
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
	return ctx.Err() == nil
}

// specialUse is the SPECIAL-USE attribute of the folder a Junk or Sent
// watcher finds for itself.
func (w *Watcher) specialUse() imap.MailboxAttr {
	if w.Sent {
		return imap.MailboxAttrSent
	}
	return imap.MailboxAttrJunk
}

// configKey is the config key that names the watcher's folder.
func (w *Watcher) configKey() string {
	switch {
	case w.Junk:
		return "folders.junk"
	case w.Sent:
		return "folders.sent"
	}
	return "folders.watch"
}
