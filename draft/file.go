package draft

import (
	"context"
	"errors"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/mailmsg"
)

// Request says who files a draft, for which message and under which
// rules.
type Request struct {
	Stage string    // who asks apply ("reply", "escalate")
	ID    string    // identity of the message replied to
	Now   time.Time // the draft's date
	// MaxRecipients caps a reply-all (ComposeOptions.MaxRecipients).
	MaxRecipients int
	// Signature is the user's signature block (ComposeOptions.Signature).
	Signature string
	// Ledger, when set, follows the draft in the ledger: the thread keeps
	// one live draft (this one replaces the thread's earlier draft unless
	// the user edited that one, which then holds the thread and this one
	// is not filed), and the draft's fate is learnt.
	Ledger *Ledger
	// Original is the ref of the message replied to (its ID is ID), for
	// the ledger and the fate's feedback event.
	Original bus.Ref
	// Source, Intent and Model say who wrote the draft and what it
	// answers (the drafted suggestion's intent; empty for a full draft).
	Source bus.DraftSource
	Intent string
	Model  string
}

// Filed is what File did.
type Filed struct {
	// Drafted: a draft action was published; false when no one is left
	// to reply to, or when the thread holds a draft the user edited.
	Drafted bool
	// SenderOnly: the original had more recipients than the cap, so the
	// draft replies to the sender only.
	SenderOnly bool
	// Replaces is the ref of the thread's earlier draft that apply is
	// asked to replace (it stays when the user has edited it).
	Replaces string
	// Withheld: the thread holds a draft of mailassist's that the user
	// edited; no other draft is filed beside it.
	Withheld bool
}

// File composes the reply of body to m for the account (reply-all, capped
// at r.MaxRecipients, signed with r.Signature) and asks apply, on behalf
// of r.Stage, to append it to Drafts under the identity r.ID — or, with
// a ledger, to replace the thread's live draft with it. It files nothing
// when no one is left to reply to, or when the thread holds a draft the
// user edited; a draft that cannot be composed is a permanent error.
func File(ctx context.Context, b *bus.Bus, m *mailmsg.Message, acct *account.Account, body string, r Request) (Filed, error) {
	d, err := ComposeDraft(m, ComposeOptions{
		From: mailmsg.Address{Name: acct.DisplayName, Addr: acct.Address}, Own: acct.Own(),
		Body: body, Ref: r.ID, Date: r.Now, MessageIDDomain: acct.Domain(), ReplyAll: true,
		MaxRecipients: r.MaxRecipients, Signature: r.Signature,
	})
	if errors.Is(err, ErrNoRecipient) {
		return Filed{}, nil
	}
	if err != nil {
		return Filed{}, bus.Permanentf("compose draft: %v", err)
	}
	ref := r.Original
	if ref.ID == "" {
		ref = bus.Ref{ID: r.ID, Account: acct.Name}
	}
	act := bus.NewAction(ref, bus.ActionDraft, r.Stage)
	out := Filed{SenderOnly: d.SenderOnly}
	if r.Ledger != nil {
		if out.Withheld, err = r.Ledger.plan(ctx, act, m, d.Raw, r); err != nil || out.Withheld {
			return out, err
		}
		if act.OldDraft != nil {
			out.Replaces = act.OldDraft.Ref
		}
	}
	if act.DraftKey, act.DraftObject, err = b.StoreBlob(ctx, "draft/"+r.ID, d.Raw); err != nil {
		return Filed{}, err
	}
	if err := b.PublishAction(ctx, act); err != nil {
		return Filed{}, err
	}
	out.Drafted = true
	return out, nil
}

// plan records the draft about to be filed and makes act a replacement
// of the thread's live draft when there is one. It reports true when the
// thread holds a draft the user edited: then nothing is filed.
func (l *Ledger) plan(ctx context.Context, act *bus.Action, m *mailmsg.Message, raw []byte, r Request) (bool, error) {
	if rec, err := l.Get(ctx, act.ID); err != nil {
		return false, err
	} else if rec != nil && (rec.State == StateWithheld || rec.State == StateSuperseded) {
		return rec.State == StateWithheld, nil // a redelivery: decided already
	}
	live, err := l.Live(ctx, act.Account, LookupKeys(m.InReplyTo, m.References), act.ID)
	if err != nil {
		return false, err
	}
	if live != nil && live.Edited {
		return true, nil
	}
	parsed := mailmsg.Parse(raw)
	rec := &Record{
		Original: bus.Ref{ID: act.ID, Account: act.Account, Mailbox: act.Mailbox, UIDValidity: act.UIDValidity, UID: act.UID,
			MessageID: act.MessageID, Fingerprint: act.Fingerprint},
		MessageID: parsed.MessageID, InReplyTo: m.MessageID, Thread: ThreadKeys(m),
		Digest: Digest(parsed), Text: ReplyText(parsed),
		Source: r.Source, Intent: r.Intent, Model: r.Model, Stage: r.Stage, Filed: r.Now.UTC(),
	}
	if err := l.Request(ctx, rec); err != nil {
		return false, err
	}
	if live != nil {
		act.Kind = bus.ActionReplaceDraft
		act.OldDraft = &bus.DraftRef{Ref: live.Ref(), InReplyTo: live.InReplyTo, Digest: live.Digest}
	}
	return false, nil
}
