package fate

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/imapx"
)

// Run reads, every CheckEvery until ctx ends, the Drafts folder of each
// account that has open drafts (one connection per account and look:
// EXAMINE, one SEARCH, one FETCH of two header fields), and settles what
// it finds: a draft gone for CheckEvery with no reply in its thread was
// deleted; one still there PendingAfter after it was filed is pending.
// An account whose server does not answer is tried again at the next
// look.
func (t *Tracker) Run(ctx context.Context) error {
	every := t.CheckEvery
	if every <= 0 {
		every = DefaultCheckEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if err := t.CheckOnce(ctx); err != nil && ctx.Err() == nil {
			t.Log.Warn("draft fates: look at Drafts", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// CheckOnce looks at the Drafts folder of every account with open drafts
// once. Errors of one account do not stop the others; the first is
// returned.
func (t *Tracker) CheckOnce(ctx context.Context) error {
	open, err := t.Ledger.OpenDrafts(ctx)
	if err != nil {
		return err
	}
	var first error
	for name, refs := range open {
		acct := account.Find(t.Accounts, name)
		if acct == nil {
			continue
		}
		if err := t.check(ctx, acct, refs); err != nil {
			t.Log.Warn("draft fates: look at Drafts", "account", name, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// check settles the open drafts refs of acct from what its Drafts
// folder holds.
func (t *Tracker) check(ctx context.Context, acct *account.Account, refs []string) error {
	cands, ok, err := t.drafts(ctx, acct)
	if err != nil || !ok {
		return err
	}
	now := t.now()
	grace := t.CheckEvery
	if grace <= 0 {
		grace = DefaultCheckEvery
	}
	pendingAfter := t.PendingAfter
	if pendingAfter <= 0 {
		pendingAfter = DefaultPendingAfter
	}
	for _, ref := range refs {
		r, err := t.Ledger.Get(ctx, ref)
		if err != nil {
			return err
		}
		if r == nil || r.State != draft.StateFiled || draft.Final(r.Fate) {
			continue
		}
		present := len(draft.Match(cands, r.Ref(), r.InReplyTo)) > 0
		if r, err = t.Ledger.Present(ctx, ref, present, now); err != nil || r == nil {
			return err
		}
		var s draft.Settlement
		switch {
		case !present && now.Sub(r.MissingSince) >= grace:
			s = draft.Settlement{Fate: bus.FateDeleted, How: bus.SourceDraftsCheck, At: now}
		case present && r.Fate == "" && now.Sub(r.Filed) >= pendingAfter:
			s = draft.Settlement{Fate: bus.FatePending, How: bus.SourceDraftsCheck, At: now}
		default:
			continue
		}
		if settled, err := t.Ledger.Settle(ctx, t.Bus, ref, s); err != nil {
			return err
		} else if settled {
			t.Log.Info("draft's fate", "account", acct.Name, "ref", ref, "fate", s.Fate, "source", r.Source)
		}
	}
	return nil
}

// drafts lists the candidates of acct's Drafts folder; ok is false when
// the account has no Drafts folder to look at.
func (t *Tracker) drafts(ctx context.Context, acct *account.Account) (_ []draft.Candidate, ok bool, err error) {
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	folder := acct.Folders.Drafts
	if folder == "" {
		if folder, err = imapx.FindFolder(c, imap.MailboxAttrDrafts); err != nil || folder == "" {
			return nil, false, err
		}
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil, false, fmt.Errorf("examine %q: %w", folder, err)
	}
	hs, err := imapx.SearchDrafts(c, bus.RefHeader)
	if err != nil {
		return nil, false, err
	}
	out := make([]draft.Candidate, 0, len(hs))
	for _, h := range hs {
		out = append(out, draft.Candidate{UID: uint32(h.UID), Ref: h.Value, InReplyTo: h.InReplyTo, Draft: h.Draft})
	}
	_ = c.Logout().Wait()
	return out, true, nil
}
