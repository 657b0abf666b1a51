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
}

// Filed is what File did.
type Filed struct {
	// Drafted: a draft action was published; false when no one is left
	// to reply to.
	Drafted bool
	// SenderOnly: the original had more recipients than the cap, so the
	// draft replies to the sender only.
	SenderOnly bool
}

// File composes the reply of body to m for the account (reply-all, capped
// at r.MaxRecipients) and asks apply, on behalf of r.Stage, to append it
// to Drafts under the identity r.ID. It files nothing when no one is left
// to reply to; a draft that cannot be composed is a permanent error.
func File(ctx context.Context, b *bus.Bus, m *mailmsg.Message, acct *account.Account, body string, r Request) (Filed, error) {
	d, err := ComposeDraft(m, ComposeOptions{
		From: mailmsg.Address{Name: acct.DisplayName, Addr: acct.Address}, Own: acct.Own(),
		Body: body, Ref: r.ID, Date: r.Now, MessageIDDomain: acct.Domain(), ReplyAll: true,
		MaxRecipients: r.MaxRecipients,
	})
	if errors.Is(err, ErrNoRecipient) {
		return Filed{}, nil
	}
	if err != nil {
		return Filed{}, bus.Permanentf("compose draft: %v", err)
	}
	act := bus.NewAction(bus.Ref{ID: r.ID, Account: acct.Name}, bus.ActionDraft, r.Stage)
	if act.DraftKey, act.DraftObject, err = b.StoreBlob(ctx, "draft/"+r.ID, d.Raw); err != nil {
		return Filed{}, err
	}
	if err := b.PublishAction(ctx, act); err != nil {
		return Filed{}, err
	}
	return Filed{Drafted: true, SenderOnly: d.SenderOnly}, nil
}
