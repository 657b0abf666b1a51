package draft

import (
	"context"
	"time"

	"mailassist/bus"
)

// Settlement is a fate a draft reached, and how it was learnt.
type Settlement struct {
	Fate bus.DraftFate
	// How is the feedback event's source: user-reply, drafts-check or
	// thread-message.
	How bus.FeedbackSource
	At  time.Time
	// EditDistance, SentID and SentMessageID: sent_unchanged and
	// sent_edited. ReplacedBy: replaced.
	EditDistance  float64
	SentID        string
	SentMessageID string
	ReplacedBy    string
}

// Settle records the fate of the draft ref and announces it, once: a
// feedback event of kind draft on mail.feedback.<account>, the fates
// metric, and (sent or deleted) the tally of the draft's intent. A draft
// whose fate is final already keeps it; a pending one may still be sent
// or deleted. It reports whether the fate is the draft's now (false: no
// such draft, or it met another fate first). A retry after a crash
// announces what was not announced yet; the event's Nats-Msg-Id
// (fate/<fate>/<ref>) drops a second publish.
func (l *Ledger) Settle(ctx context.Context, b *bus.Bus, ref string, s Settlement) (bool, error) {
	r, _, err := l.Update(ctx, ref, func(r *Record) bool {
		if r.Fate == s.Fate || Final(r.Fate) || r.State == StateWithheld || r.State == StateSuperseded {
			return false
		}
		r.Fate, r.FateAt = s.Fate, s.At.UTC()
		r.EditDistance, r.SentID, r.SentMsgID, r.ReplacedBy = s.EditDistance, s.SentID, s.SentMessageID, s.ReplacedBy
		return true
	})
	if err != nil || r == nil || r.Fate != s.Fate {
		return false, err
	}
	if r.Announced == r.Fate {
		return true, nil
	}
	if err := l.countIntent(ctx, r, s.At); err != nil {
		return false, err
	}
	fb := bus.Feedback{
		V: bus.Version, Ref: r.Original, Kind: bus.FeedbackDraft, Source: s.How, At: r.FateAt,
		Draft: &bus.DraftFeedback{
			Fate: r.Fate, Source: r.Source, Model: r.Model, Intent: r.Intent, Stage: r.Stage,
			MessageID: r.MessageID, FiledAt: r.Filed, EditDistance: r.EditDistance,
			SentID: r.SentID, SentMessageID: r.SentMsgID, ReplacedBy: r.ReplacedBy,
		},
	}
	if _, err := b.Publish(ctx, bus.Subject(bus.KindFeedback, r.Original.Account), bus.MsgID("fate/"+string(r.Fate), ref), &fb); err != nil {
		return false, err
	}
	_, announced, err := l.Update(ctx, ref, func(x *Record) bool {
		if x.Fate != r.Fate || x.Announced == r.Fate {
			return false
		}
		x.Announced = r.Fate
		return true
	})
	if announced {
		fates.WithLabelValues(string(r.Source), intentLabel(r.Intent), string(r.Fate)).Inc()
	}
	return true, err
}
