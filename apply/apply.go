// Package apply carries out mail.action events in the user's mailbox:
// moves to Junk, drafts appended to Drafts, flags and keywords. Every
// effect is idempotent, so a redelivered action changes nothing twice.
package apply

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/imapx"
	"mailassist/outage"
)

// Applier carries out mail.action events in the user's mailbox. Every
// action is idempotent: a redelivered draft is not appended twice and a
// move of a message that is already gone counts as done.
type Applier struct {
	Bus      *bus.Bus
	Accounts []account.Account
	// Ledger, when set, is told about the drafts apply files, replaces
	// and removes (draft.Ledger), and replace_draft consults it.
	Ledger *draft.Ledger
	// IdleClose is how long an account's connection stays open without an
	// action, so that a thousand quiet accounts do not hold a thousand
	// connections besides their watchers'. Default 1m.
	IdleClose time.Duration

	mu    sync.Mutex
	conns map[string]*accountConn
}

// accountConn is one IMAP connection per account, used by one action at a
// time, re-dialled after an error.
type accountConn struct {
	mu      sync.Mutex
	acct    *account.Account
	c       *imapclient.Client
	folders map[imap.MailboxAttr]string
	lastUse time.Time
	idle    *time.Timer // closes c after IdleClose without an action
	// dialErr is the last dial's outage and dialAt when it was met: while
	// the server is down, actions fail at once rather than each dialling.
	dialErr error
	dialAt  time.Time
}

// DefaultIdleClose is the default of Applier.IdleClose.
const DefaultIdleClose = time.Minute

// redialAfter is how long an account's failed dial answers for the
// actions that follow before the next one dials again.
const redialAfter = time.Second

// Stage returns the bus stage that runs the applier.
func (a *Applier) Stage(concurrency int) bus.Stage {
	return bus.Stage{Name: "apply", Filters: []string{bus.AllAccounts(bus.KindAction)}, Handler: a.Handle, Concurrency: concurrency}
}

// Close logs out of every connection.
func (a *Applier) Close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ac := range a.conns {
		ac.mu.Lock()
		if ac.c != nil {
			ac.c.Close()
			ac.c = nil
		}
		ac.mu.Unlock()
	}
}

// Handle is the bus handler for one action.
func (a *Applier) Handle(ctx context.Context, d *bus.Delivery) error {
	var act bus.Action
	if err := json.Unmarshal(d.Data, &act); err != nil {
		return bus.Permanentf("decode action: %v", err)
	}
	if act.V != bus.Version {
		return bus.Permanentf("action version %d not supported", act.V)
	}
	ac, err := a.conn(act.Account)
	if err != nil {
		return err
	}
	log := d.Log.With("account", act.Account, "id", act.ID, "kind", act.Kind)
	ac.mu.Lock()
	defer ac.mu.Unlock()
	defer a.closeWhenIdle(ac)
	dep := imapx.Dependency(act.Account)
	c, err := ac.client(ctx)
	if err != nil {
		return outage.For(dep, err)
	}
	a.Bus.Outages.Up(dep)
	// IMAP commands cannot be cancelled: when ctx ends (shutdown's grace
	// is over), the connection is closed, which ends the command.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	switch act.Kind {
	case bus.ActionMove:
		err = a.move(ctx, ac, c, &act, log)
	case bus.ActionDraft:
		err = a.draft(ctx, ac, c, &act, log)
	case bus.ActionFlags:
		err = ac.flags(c, &act)
	case bus.ActionReplaceDraft:
		err = a.replaceDraft(ctx, ac, c, &act, log)
	case bus.ActionDeleteDraft:
		err = a.deleteDraft(ctx, ac, c, &act, log)
	default:
		return bus.Permanentf("unknown action kind %q", act.Kind)
	}
	if err != nil && !bus.IsPermanent(err) {
		select {
		case <-c.Closed():
			err = outage.For(dep, outage.Mark(err)) // the server went away mid-command
		default:
		}
		ac.drop() // the connection may be broken; the retry dials afresh
	}
	return err
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

func (ac *accountConn) client(ctx context.Context) (*imapclient.Client, error) {
	if ac.c != nil {
		select {
		case <-ac.c.Closed():
			ac.c = nil
		default:
			return ac.c, nil
		}
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
