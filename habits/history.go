package habits

import (
	"cmp"
	"slices"
	"time"
)

// LearnHistory learns a mailbox's history — its received and sent
// messages, in any order — the way the mail arrived: in date order
// (what was received before what was sent at the same moment), each
// received message predicted before its outcome is known, then the
// outcomes whose Window ended by now. A message learnt before (by an
// earlier history or as it arrived) is not counted again. New in the
// result is true when anything was learnt.
func LearnHistory(p *Profile, received []Message, sent []Sent, now time.Time) Change {
	type event struct {
		at   time.Time
		sent bool
		i    int
	}
	events := make([]event, 0, len(received)+len(sent))
	for i := range received {
		events = append(events, event{received[i].At, false, i})
	}
	for i := range sent {
		events = append(events, event{sent[i].At, true, i})
	}
	slices.SortStableFunc(events, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(b2i(a.sent), b2i(b.sent))
	})
	var total Change
	sum := func(c Change) {
		total.New = total.New || c.New
		total.Answered += c.Answered
		total.Unanswered += c.Unanswered
	}
	for _, e := range events {
		if e.sent {
			sum(p.Sent(&sent[e.i]))
		} else {
			sum(p.Receive(&received[e.i]))
		}
	}
	if ch := p.Expire(now); ch.Answered+ch.Unanswered > 0 {
		sum(ch)
	}
	return total
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
