package habits

import (
	"math"
	"slices"
	"time"
)

// skewMinutes is how much earlier than the message it answers a reply
// may seem to be sent (clocks and Date headers disagree a little).
const skewMinutes = 10

// deletedWait is how long a message whose draft the user deleted still
// waits for an answer written by hand.
const deletedWait = 48 * time.Hour

// Change says what one observation did.
type Change struct {
	// New is false when the message was observed before (nothing done).
	New bool
	// Answered and Unanswered count the outcomes learnt.
	Answered, Unanswered int
}

func (c *Change) add(answered bool) {
	if answered {
		c.Answered++
	} else {
		c.Unanswered++
	}
}

// Receive observes a received message, once: it predicts the answer with
// the history so far, keeps the prediction until the outcome is known
// (an answer within the Window, or none) and counts the message for its
// sender, domain, list and thread. A message the user already answered
// (its answer was observed first) is learnt at once. Outcomes of earlier
// messages whose Window ended before m arrived are learnt too.
func (p *Profile) Receive(m *Message) Change {
	if p.markSeen(m.Key) {
		return Change{}
	}
	ch := Change{New: true}
	now := stamp(m.At)
	if now == 0 {
		now = p.clock
	}
	p.expire(now, &ch)
	p.clock = max(p.clock, now)
	p.Totals.Received++
	l := p.lookup(m)
	x := p.features(m, &l)
	pe := pending{
		Key: m.Key, Ref: short(KeyOf(m.Ref)), Sender: KeyOf(m.From), At: now, Deadline: now + windowMinutes,
		Score: float32(p.Model.score(&x)),
	}
	if m.Ref == "" {
		pe.Ref = 0
	}
	pe.Subject, _ = subjectKey(m.Subject)
	if d := domainOf(m.From); d != "" {
		pe.Domain = KeyOf(d)
	}
	if m.List != "" {
		pe.List = KeyOf(m.List)
	}
	pe.Thread = m.Key
	if len(m.InReplyTo)+len(m.References) > 0 {
		pe.Thread = KeyOf(threadRoot("", m.InReplyTo, m.References))
	}
	for i, v := range x {
		pe.X[i] = quantize(v)
	}
	for _, s := range p.stats(&pe, now) {
		inc(&s.Received)
	}
	if at, ok := p.answeredBefore(&pe); ok {
		p.resolve(&pe, true, at, &ch)
		return ch
	}
	p.pending = append(p.pending, pe)
	if len(p.pending) > MaxPending {
		old := p.pending[0]
		p.pending = p.pending[1:]
		if p.Totals.Sent > 0 {
			p.resolve(&old, false, now, &ch)
		}
	}
	return ch
}

// stats returns the entries of a pending message's sender, domain, list
// and thread, created when absent.
func (p *Profile) stats(pe *pending, now uint32) []*Stat {
	out := make([]*Stat, 0, 4)
	out = append(out, p.senders.get(pe.Sender, now))
	if pe.Domain != 0 {
		out = append(out, p.domains.get(pe.Domain, now))
	}
	if pe.List != 0 {
		out = append(out, p.lists.get(pe.List, now))
	}
	out = append(out, p.threads.get(pe.Thread, now))
	for _, s := range out {
		s.touch(now)
	}
	return out
}

// answeredBefore reports whether a reply the user sent before the
// message was observed answers it, and when it was sent.
func (p *Profile) answeredBefore(pe *pending) (uint32, bool) {
	if at, ok := p.replied.at(short(pe.Key)); ok && answers(pe, at) {
		return at, true
	}
	subj, sender := short(pe.Subject), short(pe.Sender)
	for _, r := range p.replies {
		if r.Subject == subj && r.Rcpt == sender && answers(pe, r.At) {
			return r.At, true
		}
	}
	return 0, false
}

// answers reports whether a reply sent at at is in the message's window.
func answers(pe *pending, at uint32) bool {
	return at+skewMinutes >= pe.At && at <= pe.Deadline
}

// Sent observes a message the user sent, once: its recipients and its
// thread count it, and the received messages it answers — those whose
// ids it names in In-Reply-To or References, or whose sender it goes to
// with "Re:" and their subject, within their Window — are learnt as
// answered.
func (p *Profile) Sent(s *Sent) Change {
	id := short(s.Key)
	if _, ok := p.sentIDs.at(id); ok {
		return Change{}
	}
	ch := Change{New: true}
	now := stamp(s.At)
	if now == 0 {
		now = p.clock
	}
	p.expire(now, &ch)
	p.clock = max(p.clock, now)
	p.sentIDs.add(id, now)
	p.Totals.Sent++
	var domains []uint64
	for i, r := range s.To {
		if slices.Contains(s.To[:i], r) {
			continue
		}
		st := p.senders.get(KeyOf(r), now)
		inc(&st.Wrote)
		st.LastWrote = max(st.LastWrote, now)
		st.touch(now)
		if d := domainOf(r); d != "" && !slices.Contains(domains, KeyOf(d)) {
			domains = append(domains, KeyOf(d))
			ds := p.domains.get(KeyOf(d), now)
			inc(&ds.Wrote)
			ds.LastWrote = max(ds.LastWrote, now)
			ds.touch(now)
		}
	}
	if root := threadRoot(s.ID, s.InReplyTo, s.References); root != "" {
		t := p.threads.get(KeyOf(root), now)
		inc(&t.Wrote)
		t.LastWrote = max(t.LastWrote, now)
		t.touch(now)
	}
	for _, ids := range [][]string{s.InReplyTo, s.References} {
		for _, parent := range ids {
			k := KeyOf(parent)
			p.replied.add(short(k), now)
			p.answer(func(pe *pending) bool { return pe.Key == k }, now, &ch)
		}
	}
	if subj, reply := subjectKey(s.Subject); reply {
		for _, r := range s.To {
			rk := KeyOf(r)
			p.replies = append(p.replies, replyTo{Subject: short(subj), Rcpt: short(rk), At: now})
			p.answer(func(pe *pending) bool { return pe.Subject == subj && pe.Sender == rk }, now, &ch)
		}
		if len(p.replies) > maxRecent {
			p.replies = p.replies[len(p.replies)-maxRecent*9/10:]
		}
	}
	return ch
}

// answer learns as answered, at at, the pending messages that match and
// whose window holds at.
func (p *Profile) answer(match func(*pending) bool, at uint32, ch *Change) {
	for i := 0; i < len(p.pending); {
		pe := p.pending[i]
		if match(&pe) && answers(&pe, at) {
			p.pending = slices.Delete(p.pending, i, i+1)
			p.resolve(&pe, true, at, ch)
			continue
		}
		i++
	}
}

// Fate is what became of a draft mailassist filed (mail.feedback kind
// draft).
type Fate string

// Fates that teach the trigger.
const (
	FateSent    Fate = "sent"    // the user sent it, changed or not: an answer
	FateDeleted Fate = "deleted" // the user deleted it: the wait for an answer ends sooner
)

// Draft observes what became of the draft for the received message named
// by its Message-ID or identity (ref): sent, it is learnt as answered;
// deleted, it waits deletedWait more for an answer written by hand and is
// then learnt as unanswered. Anything else changes nothing.
func (p *Profile) Draft(messageID, ref string, fate Fate, at time.Time) Change {
	now := stamp(at)
	if now == 0 {
		now = p.clock
	}
	key, rk := KeyOf(messageID), short(KeyOf(ref))
	match := func(pe *pending) bool {
		return messageID != "" && pe.Key == key || ref != "" && pe.Ref == rk
	}
	var ch Change
	switch fate {
	case FateSent:
		ch.New = true
		p.answer(match, now, &ch)
	case FateDeleted:
		for i := range p.pending {
			if match(&p.pending[i]) {
				ch.New = true
				p.pending[i].Deadline = min(p.pending[i].Deadline, now+uint32(deletedWait/time.Minute))
			}
		}
	}
	return ch
}

// Expire learns as unanswered the messages whose wait ended by now. A
// profile that has never seen a message the user sent learns nothing of
// them: without the Sent folder every message would seem unanswered.
func (p *Profile) Expire(now time.Time) Change {
	ch := Change{New: true}
	p.expire(stamp(now), &ch)
	return ch
}

func (p *Profile) expire(now uint32, ch *Change) {
	for i := 0; i < len(p.pending); {
		pe := p.pending[i]
		if pe.Deadline < now {
			p.pending = slices.Delete(p.pending, i, i+1)
			if p.Totals.Sent > 0 {
				p.resolve(&pe, false, now, ch)
			}
			continue
		}
		i++
	}
	if now > windowMinutes+skewMinutes {
		old := now - windowMinutes - skewMinutes
		p.replied.dropBefore(old)
		p.replies = slices.DeleteFunc(p.replies, func(r replyTo) bool { return r.At < old })
	}
}

// resolve learns a message's outcome: the model takes a step, the
// prediction made on arrival goes into the threshold's histogram, and its
// sender, domain, list and thread count it.
func (p *Profile) resolve(pe *pending, answered bool, at uint32, ch *Change) {
	var x [NumFeatures]float64
	for i, q := range pe.X {
		x[i] = float64(q) / quantum
	}
	p.Model.record(float64(pe.Score), answered)
	p.Model.learn(&x, answered)
	ch.add(answered)
	if answered {
		p.Totals.Answered++
	} else {
		p.Totals.Unanswered++
	}
	for _, s := range p.stats(pe, at) {
		if !answered {
			inc(&s.Ignored)
			continue
		}
		inc(&s.Answered)
		if at > pe.At {
			s.DelayHours += float32(at-pe.At) / 60
		}
		s.LastAnswer = max(s.LastAnswer, at)
	}
}

// quantum is the resolution of the features kept with a pending message.
const quantum = 256

func quantize(v float64) int16 {
	return int16(min(max(math.Round(v*quantum), math.MinInt16), math.MaxInt16))
}
