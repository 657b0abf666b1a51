// Package fate follows every draft mailassist filed to its fate: sent
// unchanged or edited (a message in Sent answers its thread), deleted
// unsent, or still pending after a while — and removes a draft the user
// left unedited once they answered its thread themselves.
package fate

import (
	"context"
	"log/slog"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/mailtext"
)

// Defaults of a Tracker.
const (
	DefaultPendingAfter = 72 * time.Hour
	DefaultCheckEvery   = 10 * time.Minute
	// sentSkew is how much earlier than the draft a message in Sent may
	// be dated and still answer it (clocks differ).
	sentSkew = 2 * time.Minute
)

// Tracker settles the fate of drafts: from the messages the user sends
// (HandleSent, the draft-fate stage on mail.sent) and from looking at
// the Drafts folders now and then (Run).
type Tracker struct {
	Bus      *bus.Bus
	Accounts []account.Account
	Ledger   *draft.Ledger
	// PendingAfter is how long a draft may wait in Drafts before its fate
	// is pending. Default DefaultPendingAfter.
	PendingAfter time.Duration
	// CheckEvery is how often Run reads the Drafts folder of each account
	// with open drafts; a draft missing there for that long without a
	// reply in its thread was deleted. Default DefaultCheckEvery.
	CheckEvery time.Duration
	Log        *slog.Logger
	Now        func() time.Time // default time.Now
}

// Stage is the runner configuration of the stage that reads mail.sent.
func (t *Tracker) Stage(concurrency int) bus.Stage {
	return bus.Stage{Name: "draft-fate", Filters: []string{bus.AllAccounts(bus.KindSent)}, Handler: t.HandleSent, Concurrency: concurrency}
}

func (t *Tracker) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

// HandleSent settles the drafts of the thread a message in Sent answers:
// sent_unchanged when its text (without quote and signature) is the
// draft's, else sent_edited with the edit distance; then it asks apply
// to remove each such draft that is still in Drafts unedited (a reply
// the user wrote beside it). Drafts filed after the message was sent,
// and drafts never filed, are not its to settle.
func (t *Tracker) HandleSent(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Sent](ctx, t.Bus, d, t.Accounts)
	if err != nil {
		return err
	}
	ev := &mail.Event
	ids := draft.LookupKeys(ev.InReplyTo, ev.References)
	if len(ids) == 0 {
		return nil
	}
	recs, err := t.Ledger.Thread(ctx, ev.Account, ids, "")
	if err != nil {
		return err
	}
	sentAt := ev.InternalDate
	if sentAt.IsZero() {
		sentAt = mail.Message().Date
	}
	for _, r := range recs {
		if !r.Open() || sentAt.Before(r.Filed.Add(-sentSkew)) {
			continue
		}
		if r.State == draft.StateRequested { // apply has not filed it: now it need not
			if err := t.Ledger.Supersede(ctx, r.Ref()); err != nil {
				return err
			}
			continue
		}
		if !r.Edited { // first: once settled, a redelivery passes this draft by
			act := bus.NewAction(r.Original, bus.ActionDeleteDraft, "fate")
			act.Reason = "the user answered the thread"
			act.OldDraft = &bus.DraftRef{Ref: r.Ref(), InReplyTo: r.InReplyTo, Digest: r.Digest}
			if err := t.Bus.PublishAction(ctx, act); err != nil {
				return err
			}
		}
		dist := mailtext.EditDistance(r.Text, draft.ReplyText(mail.Message()))
		s := draft.Settlement{Fate: bus.FateSentEdited, How: bus.SourceUserReply, At: t.now(),
			EditDistance: dist, SentID: ev.ID, SentMessageID: ev.MessageID}
		if dist == 0 {
			s.Fate = bus.FateSentUnchanged
		}
		if settled, err := t.Ledger.Settle(ctx, t.Bus, r.Ref(), s); err != nil {
			return err
		} else if settled {
			d.Log.Info("draft's thread answered", "ref", r.Ref(), "fate", s.Fate, "edit_distance", dist, "source", r.Source)
		}
	}
	return nil
}
