package draft

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/mailmsg"
)

// What apply tells the ledger about the drafts it handles. Each is
// idempotent: a redelivered action changes nothing twice.

// ShouldAppend reports whether apply may append the draft ref: not when
// a newer draft of its thread came first, when the user's edited draft
// holds the thread, or when the thread was answered already. A draft
// without a record (an action published by someone else) may.
func (l *Ledger) ShouldAppend(ctx context.Context, ref string) (bool, error) {
	r, err := l.Get(ctx, ref)
	if err != nil || r == nil {
		return err == nil, err
	}
	return (r.State == StateRequested || r.State == StateFiled) && !Final(r.Fate), nil
}

// Appended records that apply appended the draft raw under uid (0 when
// it found it in Drafts already, after a crash): its digest and text
// become those of the draft as filed. Only a requested draft changes: a
// filed one may have been edited since. A draft without a record (an
// action published by someone else) is not followed.
func (l *Ledger) Appended(ctx context.Context, ref string, raw []byte, uid uint32) error {
	m := mailmsg.Parse(raw)
	r, changed, err := l.Update(ctx, ref, func(r *Record) bool {
		if r.State != StateRequested {
			return false
		}
		r.State, r.Digest, r.Text, r.UID = StateFiled, Digest(m), ReplyText(m), uid
		if m.MessageID != "" {
			r.MessageID = m.MessageID
		}
		return true
	})
	if changed {
		filed.WithLabelValues(string(r.Source), intentLabel(r.Intent)).Inc()
	}
	return err
}

// Withhold records that apply did not file the draft ref because the
// user's edited draft heldBy holds its thread: the thread's Message-IDs
// that named ref as the newest draft name heldBy again, so that the
// thread's next message and the user's reply find the edited draft.
func (l *Ledger) Withhold(ctx context.Context, ref, heldBy string) error {
	r, _, err := l.Update(ctx, ref, func(r *Record) bool {
		if r.State != StateRequested {
			return false
		}
		r.State = StateWithheld
		return true
	})
	if err != nil || r == nil || r.State != StateWithheld || heldBy == "" {
		return err
	}
	for _, id := range r.Thread { // also on a retry: idempotent
		key := threadKey(r.Original.Account, id)
		e, err := l.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("draft ledger: thread of %s: %w", ref, err)
		}
		if string(e.Value()) != ref {
			continue // a newer draft of the thread came since
		}
		if _, err := l.kv.Update(ctx, key, []byte(heldBy), e.Revision()); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("draft ledger: thread of %s: %w", ref, err)
		}
	}
	return nil
}

// Supersede records that the draft ref, not filed yet, gave way to a
// newer draft of its thread: apply will not file it.
func (l *Ledger) Supersede(ctx context.Context, ref string) error {
	_, _, err := l.Update(ctx, ref, func(r *Record) bool {
		if r.State != StateRequested {
			return false
		}
		r.State = StateSuperseded
		return true
	})
	return err
}

// Removed records that apply removed the draft ref from Drafts.
func (l *Ledger) Removed(ctx context.Context, ref string) error {
	_, _, err := l.Update(ctx, ref, func(r *Record) bool {
		if r.State == StateRemoved {
			return false
		}
		r.State = StateRemoved
		return true
	})
	return err
}

// Edited records that the user edited the draft ref: it is never
// replaced or removed, and its thread gets no other draft.
func (l *Ledger) Edited(ctx context.Context, ref string) error {
	_, _, err := l.Update(ctx, ref, func(r *Record) bool {
		if r.Edited && r.State != StateRemoved {
			return false
		}
		r.Edited = true
		if r.State == StateRemoved { // marked before a removal that did not happen
			r.State = StateFiled
		}
		return true
	})
	return err
}

// Present records whether the draft ref was found in Drafts at now: a
// draft found again is no longer missing; one not found is missing
// from the first time it was not.
func (l *Ledger) Present(ctx context.Context, ref string, present bool, now time.Time) (*Record, error) {
	r, _, err := l.Update(ctx, ref, func(r *Record) bool {
		switch {
		case present && !r.MissingSince.IsZero():
			r.MissingSince = time.Time{}
			return true
		case !present && r.MissingSince.IsZero():
			r.MissingSince = now.UTC()
			return true
		}
		return false
	})
	return r, err
}

// Candidate is a message of the Drafts folder, as apply and the fate
// check read it: its UID, its X-Mailassist-Ref, its In-Reply-To and
// whether it has the \Draft flag.
type Candidate struct {
	UID       uint32
	Ref       string
	InReplyTo []string
	Draft     bool
}

// Match returns the candidates that are the draft ref: those whose
// X-Mailassist-Ref is ref; when none is, those with the \Draft flag whose
// In-Reply-To names inReplyTo (a client that saved the draft again may
// have dropped the custom header — and a draft the user began in the
// thread themselves counts as theirs, edited).
func Match(cands []Candidate, ref, inReplyTo string) []Candidate {
	var byRef, byParent []Candidate
	for _, c := range cands {
		switch {
		case c.Ref == ref:
			byRef = append(byRef, c)
		case c.Draft && inReplyTo != "" && c.Ref == "" && slices.ContainsFunc(c.InReplyTo, func(id string) bool {
			return strings.EqualFold(strings.Trim(id, "<> "), strings.Trim(inReplyTo, "<> "))
		}):
			byParent = append(byParent, c)
		}
	}
	if len(byRef) > 0 {
		return byRef
	}
	return byParent
}
