// Package apply carries out mail.action events in the user's mailbox:
// moves to Junk, drafts appended to Drafts, flags and keywords. Actions
// are carried out in batches per account, one command per folder and
// kind; every effect is idempotent, so a redelivered action changes
// nothing twice.
package apply

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/imapx"
	"mailassist/outage"
)

// Applier carries out mail.action events in the user's mailbox. Every
// action is idempotent: a redelivered draft is not appended twice and a
// move of a message that is already gone counts as done.
//
// Actions are batched per account (batch.go): each waits up to
// BatchWindow for others of its account, and a batch (at most BatchMax)
// is carried out with one SELECT per folder and one UID MOVE or UID STORE
// per folder, target and flags, on the account's one connection. Each
// action is acknowledged only after the command that carried it out
// succeeded.
type Applier struct {
	Bus      *bus.Bus
	Accounts []account.Account
	// Ledger, when set, is told about the drafts apply files, replaces
	// and removes (draft.Ledger), and replace_draft consults it.
	Ledger *draft.Ledger
	// Loans, when set, lends apply the connection of the account's
	// watcher in this process (imapx.Loans): a batch for an account
	// without a connection of apply's own borrows it while the watcher
	// waits for news, rather than log in.
	Loans *imapx.Loans
	// IdleClose is how long an account's connection stays open without an
	// action, so that a thousand quiet accounts do not hold a thousand
	// connections besides their watchers'. Default 1m.
	IdleClose time.Duration
	// BatchWindow is how long an action waits for others of its account
	// to be carried out with it; BatchMax the most actions in one batch.
	// Defaults 50ms and 500 (bus.DefaultBatchWindow, bus.DefaultBatchMax).
	BatchWindow time.Duration
	BatchMax    int
	// BusyWindow is the window of an account whose last batch held 20
	// actions or more and closed less than BusyWindow ago (a backlog
	// draining): fewer, larger batches, each
	// one UID MOVE where the server's cost of a command that changes a
	// large folder grows with the folder (Dovecot's maildir rescans it).
	// New mail to an account that is not busy waits BatchWindow only.
	// Default 500ms (DefaultBusyWindow).
	BusyWindow time.Duration

	mu    sync.Mutex
	conns map[string]*accountConn

	once  sync.Once
	batch *bus.Batch[string, *item]

	draftsMu sync.Mutex
	drafts   jetstream.KeyValue // the drafts filed (drafts.go), opened on first use
}

// item is one action of a batch.
type item struct {
	act *bus.Action
	log *slog.Logger
	// redelivered: an earlier delivery may have carried the action out
	// (or part of it) before its answer was lost.
	redelivered bool
	err         error
}

// accountConn is one IMAP connection per account, used by one batch at a
// time, re-dialled after an error.
type accountConn struct {
	mu      sync.Mutex
	acct    *account.Account
	c       *imapclient.Client
	folders map[imap.MailboxAttr]string
	// sel is the folder selected on c: a batch for the same folder does
	// not select it again.
	sel     selection
	lastUse time.Time
	idle    *time.Timer // closes c after IdleClose without an action
	// dialErr is the last dial's outage and dialAt when it was met: while
	// the server is down, actions fail at once rather than each dialling.
	dialErr error
	dialAt  time.Time
}

// selection is the folder selected on a connection, its UIDVALIDITY, and
// when it was selected.
type selection struct {
	mailbox string
	uv      uint32
	at      time.Time
}

// reselectAfter is how long a batch may use a folder an earlier batch
// selected (with a NOOP) before it selects it afresh. Dovecot's IMAP
// process holds the session's view of a selected folder, which we take
// to grow with every change the session sees (inferred from when it
// failed, not read in Dovecot's source): apply's own connection, holding
// INBOX selected through a 30,000-message drain (30,000 arrivals, 9,000
// moves out), had its process end with "block_alloc(134217728): Out of
// memory" (Dovecot's default vsz_limit of 256 MB) a minute into the
// session, in a benchmark run whose Dovecot log was kept; another run had
// the same outage on that connection, its Dovecot log not kept. A SELECT
// closes the old view, and comes at most once every reselectAfter.
const reselectAfter = 20 * time.Second

// DefaultBusyWindow is the default of Applier.BusyWindow.
const DefaultBusyWindow = 500 * time.Millisecond

// DefaultIdleClose is the default of Applier.IdleClose.
const DefaultIdleClose = time.Minute

// loanWait is how long a batch waits for the account's watcher to lend
// its connection (it lends between its own commands) before it logs in
// on a connection of its own. A watcher that just ingested the message
// an action is about may still be busy with that catch-up (the
// checkpoint, UNSELECT, a STATUS) when the action comes: in a thousand
// accounts' burst (BenchmarkAccounts) one batch in six to eight gave up
// after 250 ms and logged in. Waiting up to a second instead had every
// watcher lend (within 0.67 s) and left no connection of apply's own, but
// new mail took longer to its move, in five runs of five alternated with
// 250 ms (p50 1.97–2.46 s against 1.48–1.96, p99 2.94–4.40 against
// 2.53–3.74): the login on a connection of its own works beside the busy
// watcher instead of after it.
const loanWait = 250 * time.Millisecond

// redialAfter is how long an account's failed dial answers for the
// actions that follow before the next one dials again.
const redialAfter = time.Second

// Stage returns the bus stage that runs the applier. Every action waiting
// in a batch holds one of the runner's slots, so the stage takes at least
// two batches' worth (one running, the next one filling) whatever
// concurrency says.
func (a *Applier) Stage(concurrency int) bus.Stage {
	return bus.Stage{Name: "apply", Filters: []string{bus.AllAccounts(bus.KindAction)}, Handler: a.Handle,
		Concurrency: max(concurrency, 2*a.batchMax())}
}

func (a *Applier) batchMax() int {
	if a.BatchMax <= 0 {
		return bus.DefaultBatchMax
	}
	return a.BatchMax
}

// Close logs out of every connection.
func (a *Applier) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ac := range a.conns {
		ac.mu.Lock()
		ac.drop()
		ac.mu.Unlock()
	}
}

// Handle is the bus handler for one action: it checks the action and
// waits until the batch that carries it out is done.
func (a *Applier) Handle(ctx context.Context, d *bus.Delivery) error {
	var act bus.Action
	if err := json.Unmarshal(d.Data, &act); err != nil {
		return bus.Permanentf("decode action: %v", err)
	}
	if act.V != bus.Version {
		return bus.Permanentf("action version %d not supported", act.V)
	}
	switch act.Kind {
	case bus.ActionMove, bus.ActionFlags:
		if act.Mailbox == "" || act.UID == 0 {
			return bus.Permanentf("%s action without mailbox and uid", act.Kind)
		}
	case bus.ActionDraft:
	case bus.ActionReplaceDraft, bus.ActionDeleteDraft:
		if act.OldDraft == nil {
			return bus.Permanentf("%s action without an old_draft", act.Kind)
		}
	default:
		return bus.Permanentf("unknown action kind %q", act.Kind)
	}
	if _, err := a.conn(act.Account); err != nil {
		return err
	}
	a.once.Do(func() {
		busy := a.BusyWindow
		if busy <= 0 {
			busy = DefaultBusyWindow
		}
		a.batch = &bus.Batch[string, *item]{Window: a.BatchWindow, Max: a.batchMax(), BusyWindow: busy, Run: a.runBatch}
	})
	it := &item{act: &act, redelivered: d.Deliveries > 1,
		log: d.Log.With("account", act.Account, "id", act.ID, "kind", act.Kind)}
	return a.batch.Do(ctx, act.Account, it)
}

func (a *Applier) conn(name string) (*accountConn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ac, ok := a.conns[name]; ok {
		return ac, nil
	}
	acct := account.Find(a.Accounts, name)
	if acct == nil {
		return nil, bus.Permanentf("action for unknown account %q", name)
	}
	if a.conns == nil {
		a.conns = map[string]*accountConn{}
	}
	ac := &accountConn{acct: acct, folders: map[imap.MailboxAttr]string{}}
	a.conns[name] = ac
	return ac, nil
}

// live reports whether apply has a connection of its own to the account
// that is still open.
func (ac *accountConn) live() bool {
	if ac.c == nil {
		return false
	}
	select {
	case <-ac.c.Closed():
		ac.drop()
		return false
	default:
		return true
	}
}

func (ac *accountConn) client(ctx context.Context) (*imapclient.Client, error) {
	if ac.live() {
		return ac.c, nil
	}
	if ac.dialErr != nil && time.Since(ac.dialAt) < redialAfter {
		return nil, ac.dialErr
	}
	c, err := imapx.Dial(ctx, ac.acct.IMAP, nil)
	ac.dialErr, ac.dialAt = nil, time.Now()
	if err != nil {
		if outage.Is(err) && ctx.Err() == nil {
			ac.dialErr = err
		}
		return nil, err
	}
	ac.c = c
	return c, nil
}

// closeWhenIdle (called holding ac.mu) closes the connection once it has
// gone IdleClose without an action.
func (a *Applier) closeWhenIdle(ac *accountConn) {
	wait := a.IdleClose
	if wait <= 0 {
		wait = DefaultIdleClose
	}
	ac.lastUse = time.Now()
	if ac.idle != nil {
		ac.idle.Reset(wait)
		return
	}
	ac.idle = time.AfterFunc(wait, func() {
		ac.mu.Lock()
		defer ac.mu.Unlock()
		if ac.c != nil && time.Since(ac.lastUse) >= wait {
			ac.drop()
		}
	})
}

func (ac *accountConn) drop() {
	if ac.c != nil {
		ac.c.Close()
		ac.c = nil
	}
	ac.sel = selection{}
}

// folder returns the configured folder for attr, or discovers it.
func (ac *accountConn) folder(c *imapclient.Client, attr imap.MailboxAttr) (string, error) {
	switch {
	case attr == imap.MailboxAttrJunk && ac.acct.Folders.Junk != "":
		return ac.acct.Folders.Junk, nil
	case attr == imap.MailboxAttrDrafts && ac.acct.Folders.Drafts != "":
		return ac.acct.Folders.Drafts, nil
	}
	if name, ok := ac.folders[attr]; ok {
		return name, nil
	}
	name, err := imapx.EnsureFolder(c, attr)
	if err != nil {
		return "", err
	}
	ac.folders[attr] = name
	return name, nil
}
