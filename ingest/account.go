package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/account"
	"mailassist/backoff"
	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/outage"
)

// ErrNoNotify means the account's server cannot report every folder on
// one connection: it lacks NOTIFY, or a folder name cannot be sent in
// NOTIFY (see imapx.ErrNotifyName). Its folders get a Watcher each.
var ErrNoNotify = errors.New("no NOTIFY for this account")

// WatchAccount watches the account's folders (Folders.Watch, and the
// Junk folder for the user's moves) until ctx is done: on one connection
// where the server offers NOTIFY (RFC 5465), else with a Watcher and a
// connection per folder.
// alive (may be nil) is Assigner.Alive; loans (may be nil) is where the
// account's connection is lent to apply (AccountWatcher.Loans).
func WatchAccount(ctx context.Context, b *bus.Bus, acct *account.Account, log *slog.Logger, status *Registry, alive func(string) bool, loans *imapx.Loans) error {
	aw := &AccountWatcher{Bus: b, Account: acct, Log: log, Status: status, Alive: alive, Loans: loans}
	err := aw.Run(ctx)
	if !errors.Is(err, ErrNoNotify) {
		return err
	}
	log.Info("one connection per folder", "account", acct.Name, "why", err)
	var wg sync.WaitGroup
	errs := make([]error, len(aw.folders))
	for i, w := range aw.folders {
		w.Mailbox, w.Alive = aw.names[i], alive
		wg.Go(func() { errs[i] = w.Run(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// AccountWatcher follows every watched folder of one account, and its
// Junk folder, on one connection: with no mailbox selected, the server
// reports each arrival or expunge in any of them as an untagged STATUS
// (NOTIFY), and the watcher selects a folder only to fetch what is new
// there. Run returns ErrNoNotify when that cannot be done.
type AccountWatcher struct {
	Bus     *bus.Bus
	Account *account.Account
	Log     *slog.Logger
	Status  *Registry // may be nil
	// BackoffMin and BackoffMax bound the reconnect delay. Defaults 1s, 2m.
	BackoffMin, BackoffMax time.Duration
	// Alive: see Watcher.Alive.
	Alive func(instance string) bool
	// Loans, when set, is where the watcher lends its connection while it
	// waits for news (imapx.Loans): apply borrows it rather than log in
	// for an account's first actions.
	Loans *imapx.Loans

	// OutageBackoffMax caps the reconnect delay while the server is not
	// there (see Watcher.OutageBackoffMax). Default 5s.
	OutageBackoffMax time.Duration

	retry   *retryPolicy
	folders []*Watcher // one per folder: the state the syncer keeps
	names   []string   // the folders' names on the server ("" until the Junk folder is found)

	// checkpoints are the folders' checkpoints as this session last read
	// or wrote them (by folder name): the lease makes the session their
	// only writer, so news needs no read of the bus first; a checkpoint
	// changed elsewhere after all fails the compare-and-set of the next
	// write, which reads it again (syncer.run). Emptied at each session.
	checkpoints map[string]*checkpoints

	// inIdle: the watcher waits for news in IDLE, not between commands
	// (waitForNews), since a renewal of NOTIFY found news no STATUS had
	// announced while it waited without.
	inIdle bool

	mu       sync.Mutex
	statuses map[string]imapx.MailboxStatus // the last STATUS of each folder
	dirty    map[string]bool
	wake     chan struct{}
}

func (aw *AccountWatcher) prepare() {
	if aw.BackoffMin <= 0 {
		aw.BackoffMin = time.Second
	}
	if aw.BackoffMax <= 0 {
		aw.BackoffMax = 2 * time.Minute
	}
	aw.Log = aw.Log.With("account", aw.Account.Name, "stage", "ingest")
	if aw.OutageBackoffMax <= 0 {
		aw.OutageBackoffMax = 5 * time.Second
	}
	aw.retry = &retryPolicy{min: aw.BackoffMin, max: aw.BackoffMax, outageMax: aw.OutageBackoffMax, log: aw.Log, outages: aw.Bus.Outages}
	aw.folders, aw.names = nil, nil
	for _, m := range aw.Account.Folders.Watch {
		aw.folders = append(aw.folders, &Watcher{Bus: aw.Bus, Account: aw.Account, Mailbox: m, Log: aw.Log, Status: aw.Status})
	}
	if !slices.Contains(aw.Account.Folders.Watch, aw.Account.Folders.Junk) {
		aw.folders = append(aw.folders, &Watcher{Bus: aw.Bus, Account: aw.Account, Junk: true, Log: aw.Log, Status: aw.Status})
	}
	if aw.Account.Folders.FollowsSent() {
		aw.folders = append(aw.folders, &Watcher{Bus: aw.Bus, Account: aw.Account, Sent: true, Log: aw.Log, Status: aw.Status})
	}
	for _, w := range aw.folders {
		w.prepare()
		w.logBase = aw.Log
		w.Log = aw.Log.With("mailbox", w.label)
		aw.names = append(aw.names, w.Mailbox)
	}
	aw.wake = make(chan struct{}, 1)
}

// Run keeps the account's connection until ctx is done, reconnecting
// with capped exponential backoff and jitter. It returns ErrNoNotify
// (having changed nothing) when the first session finds NOTIFY missing.
func (aw *AccountWatcher) Run(ctx context.Context) error {
	aw.prepare()
	var failures uint64
	for {
		l, err := aw.acquireLease(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// The bus does not answer (a NATS node restarting): wait and
			// try again; giving up would leave the account unwatched.
			failures++
			wait := backoff.Delay(failures, aw.BackoffMin, aw.BackoffMax)
			aw.Log.Warn("account lease: the bus does not answer; trying again", "err", err, "in", wait.Round(time.Millisecond))
			if sleep(ctx, wait) != nil {
				return nil
			}
			continue
		}
		started := time.Now()
		err = l.run(ctx, aw.session)
		for _, w := range aw.folders {
			w.setConnected(false, err)
		}
		if errors.Is(err, ErrNoNotify) {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		watcherReconnects.With(aw.Account.Name, "*").Inc()
		failures++
		if time.Since(started) > time.Minute {
			failures = 1
		}
		wait, setup := aw.retry.after(err, failures)
		for _, w := range aw.folders {
			w.needsPerson(setup)
		}
		if sleep(ctx, wait) != nil {
			return nil
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// acquireLease takes the account's lease, so that of several replicas one
// watches the account (where the server lacks NOTIFY, each folder's
// watcher takes the folder's lease instead).
func (aw *AccountWatcher) acquireLease(ctx context.Context) (*lease, error) {
	w := &Watcher{Bus: aw.Bus, Account: aw.Account, Log: aw.Log, label: "*account*", Alive: aw.Alive}
	return w.acquireLease(ctx)
}

// onStatus records a STATUS from the server (the connection's reading
// goroutine: it must not block).
func (aw *AccountWatcher) onStatus(st imapx.MailboxStatus) {
	aw.mu.Lock()
	if prev, ok := aw.statuses[st.Mailbox]; ok && st.UIDValidity == 0 {
		// Dovecot's NOTIFY STATUS carries UIDNEXT, not UIDVALIDITY (those
		// answering STATUS and NOTIFY SET do): keep the one known, or
		// every expunge (apply's every move out of the folder) would look
		// like news and cost a SELECT. A folder deleted and made anew
		// meanwhile shows by its UIDVALIDITY at the next NOTIFY renewal.
		st.UIDValidity = prev.UIDValidity
	}
	aw.statuses[st.Mailbox] = st
	aw.dirty[st.Mailbox] = true
	aw.mu.Unlock()
	select {
	case aw.wake <- struct{}{}:
	default:
	}
}

// takeDirty returns the folders with news since the last call: Junk and
// Sent first, whose catch-ups are short (the user's moves and the mail
// they sent; the pipeline's own moves to Junk are known by their marks,
// without their bodies), then the watched folders, whose catch-up may be
// a backlog that takes minutes. The order of a map's keys had left news
// in Junk and Sent, and a first sync of Junk, now and then behind a whole
// backlog of INBOX, and new mail after it behind them (new mail right
// after a 30,000-message drain waited 5 s).
func (aw *AccountWatcher) takeDirty() []imapx.MailboxStatus {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	out := make([]imapx.MailboxStatus, 0, len(aw.dirty))
	for m := range aw.dirty {
		out = append(out, aw.statuses[m])
	}
	clear(aw.dirty)
	slices.SortFunc(out, func(a, b imapx.MailboxStatus) int {
		return cmp.Or(cmp.Compare(aw.turn(a.Mailbox), aw.turn(b.Mailbox)), strings.Compare(a.Mailbox, b.Mailbox))
	})
	return out
}

// turn orders the folders' catch-ups: Junk, Sent, then the others.
func (aw *AccountWatcher) turn(mailbox string) int {
	i := slices.IndexFunc(aw.names, func(n string) bool { return imapx.SameMailbox(n, mailbox) })
	switch {
	case i < 0:
		return 3
	case aw.folders[i].Junk:
		return 0
	case aw.folders[i].Sent:
		return 1
	default:
		return 2
	}
}

// session is one connection: NOTIFY for every folder, catch up where the
// server's STATUS is ahead of the checkpoint, then wait for the next
// STATUS. An error of the IMAP server going away names it (outage.For),
// as a folder watcher's does.
func (aw *AccountWatcher) session(ctx context.Context) (err error) {
	dep := imapx.Dependency(aw.Account.Name)
	aw.mu.Lock()
	aw.statuses, aw.dirty = map[string]imapx.MailboxStatus{}, map[string]bool{}
	aw.mu.Unlock()
	aw.checkpoints = map[string]*checkpoints{}
	c, n, err := imapx.DialNotify(ctx, aw.Account.IMAP, nil, aw.onStatus)
	if err != nil {
		return outage.For(dep, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer func() { err = wentAway(ctx, c, dep, err) }()
	if !c.Caps().Has(imapx.CapNotify) {
		return fmt.Errorf("%w: the server does not offer it", ErrNoNotify)
	}
	for i, w := range aw.folders {
		if w.Mailbox == "" {
			name, err := imapx.EnsureFolder(c, w.specialUse())
			if err != nil {
				return err
			}
			w.Mailbox, aw.names[i] = name, name
			w.relabel(name)
		}
		if !imapx.NotifyName(w.Mailbox) {
			return fmt.Errorf("%w: folder %q: %v", ErrNoNotify, w.Mailbox, imapx.ErrNotifyName)
		}
	}
	if err := n.Set(ctx, aw.names); err != nil { // STATUS of every folder comes first
		return fmt.Errorf("notify set: %w", err)
	}
	aw.Bus.Outages.Up(dep)
	for _, w := range aw.folders {
		w.setConnected(true, nil)
		w.Status.update(w.Account.Name, w.label, func(s *WatcherState) { s.Idle = true })
	}
	aw.Log.Info("watching every folder on one connection (NOTIFY)", "folders", aw.names)
	loans, unlend := aw.Loans.Lend(aw.Account.Name)
	defer unlend()
	refresh := time.NewTimer(notifyRecheck(aw.Account))
	defer refresh.Stop()
	// after is the look again at the folders a catch-up selected, a
	// moment after it: Dovecot 2.3.19 sent no STATUS for a message that
	// arrived just after a catch-up (220 ms after its last FETCH, in the
	// case traced) about once in a 10,000-message drain (cmd/mailbench),
	// which then waited for the minutely recheck.
	after := time.NewTimer(time.Hour)
	after.Stop()
	defer after.Stop()
	caught := map[string]bool{} // folders selected since the last look
	recheck := false            // the dirty folders come from a renewed NOTIFY, not from news
	for {
		for _, st := range aw.takeDirty() {
			mailbox := st.Mailbox
			began := time.Now()
			synced, err := aw.catchUp(ctx, c, mailbox, st)
			if err != nil {
				return err
			}
			aw.Log.Debug("caught up", "mailbox", mailbox, "uidnext", st.UIDNext, "synced", synced, "took", time.Since(began))
			if synced && recheck {
				watcherMissed.With(aw.Account.Name).Inc()
				aw.Log.Warn("news found by the periodic recheck that no STATUS announced", "mailbox", mailbox)
				if !aw.inIdle {
					aw.inIdle = true
					aw.Log.Info("waiting for news in IDLE from now on: the server may send NOTIFY's STATUS only then")
				}
			}
			if synced {
				caught[mailbox] = true
				after.Reset(lookAgainAfter)
			}
		}
		recheck = false
		for _, w := range aw.folders {
			w.markLive()
		}
		if aw.hasDirty() {
			continue // news arrived while catching up
		}
		wake, loan, err := aw.waitForNews(ctx, c, refresh.C, after.C, loans)
		if err != nil {
			if loan != nil {
				loan.Give(nil, nil)
			}
			return err
		}
		switch wake {
		case wakeLoan:
			if err := aw.lend(ctx, c, loan); err != nil {
				return err
			}
		case wakeRefresh: // NOTIFY anew, which reports every folder again: a missed STATUS is caught here
			if err := n.Set(ctx, aw.names); err != nil {
				return fmt.Errorf("notify set: %w", err)
			}
			refresh.Reset(notifyRecheck(aw.Account))
			recheck = true
		case wakeLookAgain: // a STATUS of each folder caught up lately (onStatus marks it)
			for mailbox := range caught {
				if _, err := c.Status(mailbox, &imap.StatusOptions{UIDNext: true, UIDValidity: true}).Wait(); err != nil {
					return fmt.Errorf("status %q: %w", mailbox, err)
				}
			}
			clear(caught)
		}
	}
}

// lookAgainAfter is how long after a catch-up an account watcher asks
// for the STATUS of the folders it selected.
const lookAgainAfter = 500 * time.Millisecond

// notifyRecheck is how often an account watcher renews NOTIFY, which
// makes the server report every folder's state again: the net under a
// notification the server failed to send (seen with Dovecot 2.3.19 for 1
// account in 1,000). At most a minute, and at most the account's
// idle_refresh.
func notifyRecheck(a *account.Account) time.Duration {
	return min(time.Minute, a.IdleRefresh.D())
}

func (aw *AccountWatcher) hasDirty() bool {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	return len(aw.dirty) > 0
}

// wakeReason says why waitForNews returned.
type wakeReason int

const (
	wakeNews      wakeReason = iota // a STATUS arrived (or ctx ended)
	wakeRefresh                     // the periodic NOTIFY renewal is due
	wakeLookAgain                   // the look again after a catch-up is due
	wakeLoan                        // apply asks for the connection
)

// waitForNews waits until a STATUS arrives, a timer fires, apply asks for the
// connection, or ctx ends, and says which. A loan it returns (with an
// error too) must be given the connection or nil.
//
// It waits between commands, not in IDLE: a server sends NOTIFY's
// STATUS whenever no command runs (RFC 5465 lets it send them at any
// time; Dovecot does), so news costs no DONE and no IDLE again, and a
// loan to apply is given at once. The NOTIFY renewal, at least once a
// minute, keeps the connection from looking idle to the server and to
// NATs. A server that held STATUS back until a command would show as
// news found by that renewal; the watcher then waits in IDLE (inIdle).
func (aw *AccountWatcher) waitForNews(ctx context.Context, c *imapclient.Client, refresh, lookAgain <-chan time.Time, loans <-chan *imapx.Loan) (wake wakeReason, loan *imapx.Loan, err error) {
	var cmd *imapclient.IdleCommand
	if aw.inIdle {
		if cmd, err = c.Idle(); err != nil {
			return wakeNews, nil, fmt.Errorf("idle: %w", err)
		}
	}
	select {
	case <-aw.wake: // the loop takes what is dirty
	case <-refresh:
		wake = wakeRefresh
	case <-lookAgain:
		wake = wakeLookAgain
	case loan = <-loans:
		wake = wakeLoan
	case <-ctx.Done():
	case <-c.Closed():
		if cmd == nil {
			return wakeNews, loan, fmt.Errorf("wait for news: the server closed the connection: %w", net.ErrClosed)
		}
	}
	if cmd == nil {
		return wake, loan, ctx.Err()
	}
	if err := cmd.Close(); err != nil {
		return wakeNews, loan, fmt.Errorf("end idle: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return wakeNews, loan, fmt.Errorf("idle: %w", err)
	}
	return wake, loan, ctx.Err()
}

// lend gives c to apply until it is returned, then leaves c as the
// watcher needs it: no mailbox selected. Of a mailbox that was selected,
// NOTIFY reported no STATUS meanwhile (new mail in it came as EXISTS, to
// the borrower), so its STATUS is asked for: onStatus marks it, and the
// loop catches up if it holds news.
func (aw *AccountWatcher) lend(ctx context.Context, c *imapclient.Client, loan *imapx.Loan) error {
	loan.Give(c, aw.specialFolders())
	select {
	case <-loan.Returned():
	case <-ctx.Done():
		return ctx.Err()
	}
	sel := c.Mailbox()
	if c.State() != imap.ConnStateSelected || sel == nil {
		return nil
	}
	var imapErr *imap.Error
	if err := c.Unselect().Wait(); err != nil && !errors.As(err, &imapErr) {
		// The server's NO or BAD (after a SELECT that failed, nothing is
		// selected) is not the connection's end.
		return fmt.Errorf("unselect %q after apply: %w", sel.Name, err)
	}
	if _, err := c.Status(sel.Name, &imap.StatusOptions{UIDNext: true, UIDValidity: true}).Wait(); err != nil && !errors.As(err, &imapErr) {
		return fmt.Errorf("status %q after apply: %w", sel.Name, err)
	}
	return nil
}

// checkpoint returns w's checkpoint as this session last knew it, read
// from the bus the first time.
func (aw *AccountWatcher) checkpoint(ctx context.Context, w *Watcher) (*checkpoints, error) {
	if cp := aw.checkpoints[w.Mailbox]; cp != nil {
		return cp, nil
	}
	cp, err := loadCheckpoint(ctx, w.Bus.Checkpoints, w.Account.Name, w.Mailbox)
	if err != nil {
		return nil, err
	}
	aw.checkpoints[w.Mailbox] = cp
	return cp, nil
}

// specialFolders are the account's Junk and Sent folders as the watcher
// knows them (found by their special use, or configured).
func (aw *AccountWatcher) specialFolders() map[imap.MailboxAttr]string {
	folders := map[imap.MailboxAttr]string{}
	for _, w := range aw.folders {
		if (w.Junk || w.Sent) && w.Mailbox != "" {
			folders[w.specialUse()] = w.Mailbox
		}
	}
	return folders
}

// catchUp syncs the folder when the server's STATUS is ahead of the
// checkpoint: it selects the folder, publishes what is new, and
// unselects it, so that the next change comes as a STATUS again. A
// change while it was selected is caught by a STATUS after.
func (aw *AccountWatcher) catchUp(ctx context.Context, c *imapclient.Client, mailbox string, st imapx.MailboxStatus) (synced bool, err error) {
	i := slices.IndexFunc(aw.names, func(n string) bool { return imapx.SameMailbox(n, mailbox) })
	if i < 0 {
		return false, nil // a folder we did not ask about
	}
	w := aw.folders[i]
	for round := 0; round < 3; round++ {
		cp, err := aw.checkpoint(ctx, w)
		if err != nil {
			return synced, err
		}
		if cur := cp.cur; cur != nil && st.UIDValidity == cur.UIDValidity && st.UIDNext > 0 && st.UIDNext-1 <= cur.LastUID {
			return synced, nil // nothing new
		}
		synced = true
		sel, err := c.Select(w.Mailbox, nil).Wait()
		if err != nil {
			return synced, fmt.Errorf("select %q: %w", w.Mailbox, imapx.ExplainFolder(err, w.Mailbox, w.configKey()))
		}
		s := &syncer{w: w, c: c, uidValidity: sel.UIDValidity, uidNext: uint32(sel.UIDNext), cp: cp}
		delete(aw.checkpoints, w.Mailbox) // kept again only when the sync went through
		if err := s.run(ctx); err != nil {
			return synced, err
		}
		aw.checkpoints[w.Mailbox] = s.cp
		if err := c.Unselect().Wait(); err != nil {
			return synced, fmt.Errorf("unselect %q: %w", w.Mailbox, err)
		}
		data, err := c.Status(w.Mailbox, &imap.StatusOptions{UIDNext: true, UIDValidity: true}).Wait()
		if err != nil {
			return synced, fmt.Errorf("status %q: %w", w.Mailbox, err)
		}
		st = imapx.MailboxStatus{Mailbox: mailbox, UIDNext: uint32(data.UIDNext), UIDValidity: data.UIDValidity}
	}
	return synced, nil
}
