package draft

import (
	"context"
	"errors"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/mailmsg"
)

// File composes the reply of body to m for the account and asks apply,
// on behalf of stage, to append it to Drafts under the identity id. It
// reports false, and files nothing, when no one is left to reply to; a
// draft that cannot be composed is a permanent error.
func File(ctx context.Context, b *bus.Bus, stage string, m *mailmsg.Message, acct *account.Account, body, id string, now time.Time) (bool, error) {
	raw, err := Compose(m, ComposeOptions{
		From: mailmsg.Address{Name: acct.DisplayName, Addr: acct.Address}, Own: acct.Own(),
		Body: body, Ref: id, Date: now, MessageIDDomain: acct.Domain(), ReplyAll: true,
	})
	if errors.Is(err, ErrNoRecipient) {
		return false, nil
	}
	if err != nil {
		return false, bus.Permanentf("compose draft: %v", err)
	}
	act := bus.NewAction(bus.Ref{ID: id, Account: acct.Name}, bus.ActionDraft, stage)
	if act.Draft, act.DraftObject, err = b.StoreBlob(ctx, "draft/"+id, raw); err != nil {
		return false, err
	}
	err = b.PublishAction(ctx, act)
	return err == nil, err
}
