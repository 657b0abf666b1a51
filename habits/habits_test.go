package habits

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func received(id, from, subject string, at time.Time) Message {
	return Message{Key: KeyOf(id), Ref: "acct/1/" + id, From: from, Subject: subject, At: at,
		Cues: Cues{Score: 0.5, Threshold: 0.5, Addressing: AddrDirect, Recipients: 1, Question: true}}
}

func sentMsg(id, to, subject string, at time.Time, inReplyTo ...string) Sent {
	return Sent{Key: KeyOf(id), ID: id, To: []string{to}, Subject: subject, At: at, InReplyTo: inReplyTo}
}

// TestOutcomes: a received message is answered by a sent message naming
// it (In-Reply-To) or by "Re:" + its subject to its sender, within the
// Window, whichever of the two is observed first; it is unanswered once
// the Window passed; a message answered after the Window is not.
func TestOutcomes(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name      string
		sentFirst bool
		sent      Sent
		later     time.Duration // when the next message arrives (expiring the first)
		answered  int
		ignored   int
	}{
		{"in-reply-to", false, sentMsg("r@x", "bob@b.example", "Re: Plan", t0.Add(time.Hour), "q@x"), 15 * day, 1, 0},
		{"subject to the sender", false, sentMsg("r@x", "bob@b.example", "AW: RE: plan", t0.Add(2*day)), 15 * day, 1, 0},
		{"subject to someone else", false, sentMsg("r@x", "eve@b.example", "Re: Plan", t0.Add(2*day)), 15 * day, 0, 1},
		{"answer after the window", false, sentMsg("r@x", "bob@b.example", "Re: Plan", t0.Add(15*day), "q@x"), 16 * day, 0, 1},
		{"answer seen before the message", true, sentMsg("r@x", "bob@b.example", "Re: Plan", t0.Add(time.Hour), "q@x"), 15 * day, 1, 0},
		{"not yet", false, sentMsg("r@x", "eve@b.example", "Other", t0.Add(time.Hour)), 13 * day, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := New()
			before := sentMsg("old@x", "zoe@z.example", "Hi", t0.Add(-time.Hour))
			p.Sent(&before) // the user's sent mail is known
			q := received("q@x", "bob@b.example", "Plan", t0)
			if tc.sentFirst {
				p.Sent(&tc.sent)
				p.Receive(&q)
			} else {
				p.Receive(&q)
				p.Sent(&tc.sent)
			}
			next := received("n@x", "carol@c.example", "News", t0.Add(tc.later))
			p.Receive(&next)
			if int(p.Totals.Answered) != tc.answered || int(p.Totals.Unanswered) != tc.ignored {
				t.Errorf("answered %d, unanswered %d; want %d, %d", p.Totals.Answered, p.Totals.Unanswered, tc.answered, tc.ignored)
			}
		})
	}
}

// TestEachMessageOnce: a received or sent message observed again (a
// redelivery, the bootstrap and the live stream) counts once.
func TestEachMessageOnce(t *testing.T) {
	p := New()
	q := received("q@x", "bob@b.example", "Plan", t0)
	s := sentMsg("r@x", "bob@b.example", "Re: Plan", t0.Add(time.Hour), "q@x")
	for i := range 3 {
		if ch := p.Receive(&q); ch.New != (i == 0) {
			t.Errorf("receive #%d: New = %v", i+1, ch.New)
		}
		if ch := p.Sent(&s); ch.New != (i == 0) {
			t.Errorf("sent #%d: New = %v", i+1, ch.New)
		}
	}
	want := Totals{Received: 1, Answered: 1, Sent: 1}
	if p.Totals != want {
		t.Errorf("totals %+v, want %+v", p.Totals, want)
	}
	pr := p.Predict(&q)
	if st := pr.sender; st.Received != 1 || st.Answered != 1 || st.Wrote != 1 {
		t.Errorf("sender stats %+v, want 1 received, 1 answered, 1 written to", st)
	}
}

// TestNoSentNoOutcomes: a profile that has never seen the user's sent
// mail learns nothing from a silence.
func TestNoSentNoOutcomes(t *testing.T) {
	p := New()
	for i := range 30 {
		m := received(fmt.Sprintf("q%d@x", i), "bob@b.example", "Plan", t0.Add(time.Duration(i)*24*time.Hour))
		p.Receive(&m)
	}
	if p.Totals.Unanswered != 0 || p.Model.N != 0 {
		t.Errorf("learnt %d unanswered, model saw %d outcomes, without any sent mail", p.Totals.Unanswered, p.Model.N)
	}
}

// history is a year of mail from two senders: bob, whom the user answers
// every time within hours, and a shop the user never answers; both send
// the same content.
func history() ([]Message, []Sent) {
	var rs []Message
	var ss []Sent
	for i := range 52 {
		at := t0.Add(time.Duration(i) * 7 * 24 * time.Hour)
		b := received(fmt.Sprintf("b%d@x", i), "bob@b.example", fmt.Sprintf("Plan %d", i), at)
		s := received(fmt.Sprintf("s%d@x", i), "news@shop.example", fmt.Sprintf("Offer %d", i), at.Add(time.Minute))
		rs = append(rs, b, s)
		ss = append(ss, sentMsg(fmt.Sprintf("r%d@x", i), "bob@b.example", "Re: "+b.Subject, at.Add(3*time.Hour), fmt.Sprintf("b%d@x", i)))
	}
	return rs, ss
}

// TestHabitsDecide: after a history, the sender the user answers scores
// well above the one they never answer, though the content is the same,
// and the reasons name the history.
func TestHabitsDecide(t *testing.T) {
	rs, ss := history()
	p := New()
	LearnHistory(p, rs, ss, t0.Add(400*24*time.Hour))
	at := t0.Add(401 * 24 * time.Hour)
	bob, shop := received("b-new@x", "bob@b.example", "Next", at), received("s-new@x", "news@shop.example", "Sale", at)
	pb, ps := p.Predict(&bob), p.Predict(&shop)
	if pb.Score < 0.6 || ps.Score > 0.2 {
		t.Errorf("bob %.3f (want >= 0.6), the shop %.3f (want <= 0.2)", pb.Score, ps.Score)
	}
	if r := pb.Reasons(6); len(r) == 0 {
		t.Error("no reasons for bob's score")
	}
	// With no history, content at the content trigger's threshold is at
	// the default threshold: today's trigger is the prior.
	empty := New()
	thr, chosen := empty.Model.Threshold(DefaultTargetRecall)
	if fresh := empty.Predict(&bob); chosen || fresh.Score < thr-0.01 || fresh.Score > thr+0.01 {
		t.Errorf("with no history the score %.3f should be at the default threshold %.3f", fresh.Score, thr)
	}
}

// TestLearnHistoryInAnyOrder: the history's order in the slices does not
// matter (it is learnt in date order), and learning it again changes
// nothing.
func TestLearnHistoryInAnyOrder(t *testing.T) {
	rs, ss := history()
	end := t0.Add(400 * 24 * time.Hour)
	a := New()
	LearnHistory(a, rs, ss, end)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
	rng.Shuffle(len(ss), func(i, j int) { ss[i], ss[j] = ss[j], ss[i] })
	b := New()
	LearnHistory(b, rs, ss, end)
	if !bytes.Equal(a.Marshal(), b.Marshal()) {
		t.Error("a shuffled history learnt differently")
	}
	if ch := LearnHistory(b, rs, ss, end); ch.New || ch.Answered+ch.Unanswered != 0 {
		t.Errorf("learning the history again: %+v", ch)
	}
	want := Totals{Received: 104, Answered: 52, Unanswered: 52, Sent: 52}
	if b.Totals != want {
		t.Errorf("totals %+v, want %+v", b.Totals, want)
	}
}

// TestMarshalRoundTrip: a saved profile reads back to the same profile,
// and a damaged one is an error, never a panic.
func TestMarshalRoundTrip(t *testing.T) {
	rs, ss := history()
	p := New()
	LearnHistory(p, rs[:60], ss[:25], t0.Add(200*24*time.Hour))
	data := p.Marshal()
	q, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q.Marshal(), data) || q.Totals != p.Totals || q.Pending() != p.Pending() {
		t.Error("the profile read back differs")
	}
	m := received("b-new@x", "bob@b.example", "Next", t0.Add(201*24*time.Hour))
	if a, b := p.Predict(&m).Score, q.Predict(&m).Score; a != b {
		t.Errorf("prediction %v before saving, %v after", a, b)
	}
	for _, n := range []int{0, 1, 7, len(data) / 2, len(data) - 1} {
		if _, err := Unmarshal(data[:n]); err == nil {
			t.Errorf("a profile cut to %d bytes read without an error", n)
		}
	}
}
