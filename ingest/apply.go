package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/configs"
)

// RefHeader carries the identity a draft answers, so the applier can tell
// that a draft is already in Drafts.
const RefHeader = "X-Mailassist-Ref"

// Applier carries out mail.action events in the user's mailbox. Every
// action is idempotent: a redelivered draft is not appended twice and a
// move of a message that is already gone counts as done.
type Applier struct {
	Bus      *bus.Bus
	Accounts []configs.Account
	Log      *slog.Logger

	mu    sync.Mutex
	conns map[string]*accountConn
}

// accountConn is one IMAP connection per account, used by one action at a
// time, re-dialled after an error.
type accountConn struct {
	mu      sync.Mutex
	acct    *configs.Account
	c       *imapclient.Client
	folders map[imap.MailboxAttr]string
}

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
	c, err := ac.client(ctx)
	if err != nil {
		return err
	}
	switch act.Kind {
	case bus.ActionMove:
		err = a.move(ctx, ac, c, &act, log)
	case bus.ActionDraft:
		err = a.draft(ctx, ac, c, &act, log)
	case bus.ActionFlags:
		err = ac.flags(c, &act)
	default:
		return bus.Permanentf("unknown action kind %q", act.Kind)
	}
	if err != nil && !bus.IsPermanent(err) {
		ac.drop() // the connection may be broken; the retry dials afresh
	}
	return err
}

func (a *Applier) conn(account string) (*accountConn, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ac, ok := a.conns[account]; ok {
		return ac, nil
	}
	acct := configs.FindAccount(a.Accounts, account)
	if acct == nil {
		return nil, bus.Permanentf("action for unknown account %q", account)
	}
	if a.conns == nil {
		a.conns = map[string]*accountConn{}
	}
	ac := &accountConn{acct: acct, folders: map[imap.MailboxAttr]string{}}
	a.conns[account] = ac
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
	c, err := Dial(ctx, ac.acct, nil)
	if err != nil {
		return nil, err
	}
	ac.c = c
	return c, nil
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
	name, err := EnsureFolder(c, attr)
	if err != nil {
		return "", err
	}
	ac.folders[attr] = name
	return name, nil
}

// locate selects the action's mailbox and returns the UIDs of its message
// there: by UID while UIDVALIDITY still matches, else by Message-ID. An
// empty result means the message is gone.
func locate(c *imapclient.Client, act *bus.Action) ([]imap.UID, error) {
	if act.Mailbox == "" || act.UID == 0 {
		return nil, bus.Permanentf("%s action without mailbox and uid", act.Kind)
	}
	sel, err := c.Select(act.Mailbox, nil).Wait()
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
			return nil, nil // the mailbox is gone, and the message with it
		}
		return nil, fmt.Errorf("select %q: %w", act.Mailbox, err)
	}
	criteria := &imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(imap.UID(act.UID))}}
	if sel.UIDValidity != act.UIDValidity {
		if act.MessageID == "" {
			return nil, bus.Permanentf("mailbox %q UIDVALIDITY changed (%d, was %d) and the message has no Message-ID", act.Mailbox, sel.UIDValidity, act.UIDValidity)
		}
		criteria = &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: act.MessageID}}}
	}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", act.Mailbox, err)
	}
	return data.AllUIDs(), nil
}

func (a *Applier) move(ctx context.Context, ac *accountConn, c *imapclient.Client, act *bus.Action, log *slog.Logger) error {
	target := act.Target
	toJunk := target == bus.TargetJunk || target == ""
	if toJunk {
		var err error
		if target, err = ac.folder(c, imap.MailboxAttrJunk); err != nil {
			return err
		}
	}
	toJunk = toJunk || target == ac.acct.Folders.Junk
	if target == act.Mailbox {
		return nil
	}
	uids, err := locate(c, act)
	if err != nil || len(uids) == 0 {
		if err == nil {
			log.Info("message already gone; move counts as done", "mailbox", act.Mailbox, "uid", act.UID)
		}
		return err
	}
	mid := act.MessageID
	if toJunk {
		// So that the Junk watcher does not take our move for the user's.
		if mid == "" {
			ids, err := FetchHeader(c, uids[:1], "Message-Id")
			if err != nil {
				return err
			}
			mid = ids[uids[0]]
		}
		if err := MarkMovedToJunk(ctx, a.Bus, act.Account, mid); err != nil {
			return err
		}
	}
	if _, err := c.Move(imap.UIDSetNum(uids...), target).Wait(); err != nil {
		return fmt.Errorf("move uid %v to %q: %w", uids, target, err)
	}
	if toJunk {
		if err := markInJunk(ctx, a.Bus, act.Account, mid, target); err != nil {
			return err
		}
	}
	log.Info("moved", "from", act.Mailbox, "to", target, "uid", act.UID)
	return nil
}

func (ac *accountConn) flags(c *imapclient.Client, act *bus.Action) error {
	uids, err := locate(c, act)
	if err != nil || len(uids) == 0 {
		return err
	}
	set := imap.UIDSetNum(uids...)
	for _, op := range []struct {
		op    imap.StoreFlagsOp
		flags []string
	}{{imap.StoreFlagsAdd, act.AddFlags}, {imap.StoreFlagsDel, act.RemoveFlags}} {
		if len(op.flags) == 0 {
			continue
		}
		fl := make([]imap.Flag, len(op.flags))
		for i, f := range op.flags {
			fl[i] = imap.Flag(f)
		}
		if err := c.Store(set, &imap.StoreFlags{Op: op.op, Silent: true, Flags: fl}, nil).Close(); err != nil {
			return fmt.Errorf("store flags %v: %w", fl, err)
		}
	}
	return nil
}

func (a *Applier) draft(ctx context.Context, ac *accountConn, c *imapclient.Client, act *bus.Action, log *slog.Logger) error {
	raw, err := a.Bus.LoadBlob(ctx, act.Draft, act.DraftObject)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return bus.Permanentf("draft action without a draft")
	}
	if ref := headerValue(raw, RefHeader); ref != act.ID {
		return bus.Permanentf("draft's %s header is %q, want %q", RefHeader, ref, act.ID)
	}
	drafts, err := ac.folder(c, imap.MailboxAttrDrafts)
	if err != nil {
		return err
	}
	exists, err := hasDraft(c, drafts, act.ID)
	if err != nil || exists {
		if exists {
			log.Info("draft already in Drafts", "drafts", drafts)
		}
		return err
	}
	cmd := c.Append(drafts, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft, imap.FlagSeen}})
	if _, err := cmd.Write(raw); err != nil {
		return fmt.Errorf("append draft: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("append draft: %w", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		return fmt.Errorf("append draft to %q: %w", drafts, err)
	}
	log.Info("draft appended", "drafts", drafts, "uid", data.UID)
	return nil
}

// hasDraft reports whether mailbox holds a message whose RefHeader is
// exactly ref (SEARCH HEADER matches substrings, so each hit is checked).
func hasDraft(c *imapclient.Client, mailbox, ref string) (bool, error) {
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		return false, fmt.Errorf("select %q: %w", mailbox, err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: RefHeader, Value: ref}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}, nil).Wait()
	if err != nil {
		return false, fmt.Errorf("search drafts: %w", err)
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return false, nil
	}
	refs, err := FetchHeader(c, uids, RefHeader)
	if err != nil {
		return false, err
	}
	for _, r := range refs {
		if r == ref {
			return true, nil
		}
	}
	return false, nil
}
