package learn

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mailassist/habits"
	"mailassist/internal/testacct"
	"mailassist/reply"
)

// withHabits gives the learner the reply habits, as the spam role does.
func withHabits(t *testing.T, l *learner) *habits.Store {
	t.Helper()
	store, err := habits.Open(context.Background(), l.bus, testacct.Quiet)
	if err != nil {
		t.Fatal(err)
	}
	l.Habits = &reply.Habits{Store: store}
	return store
}

func answer(inReplyTo, to, subject, id string) []byte {
	return fmt.Appendf(nil, "From: alice@example.org\r\nTo: %s\r\nSubject: Re: %s\r\nMessage-ID: <%s>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nThanks, will do.\r\n",
		to, subject, id, inReplyTo, inReplyTo)
}

// seedHistory lays out a history for the reply habits (age in days):
//
//	INBOX    q1 from bob (20, answered by r1 at 19), q2 from carol (20,
//	         never answered), q3 from dave (3, not yet), q0 from bob (200:
//	         older than the history)
//	Archive  q4 from erin (30, answered by "Re:" + subject at 29)
//	Sent     r1 (In-Reply-To q1), r4 ("Re: Invoice" to erin)
func seedHistory(t *testing.T, mb mailbox) {
	day := 24 * time.Hour
	mb.put(t, "INBOX", msg("bob@example.org", "alice@example.org", "Budget", "q0@x", "Can you check the budget?"), 200*day)
	mb.put(t, "INBOX", msg("bob@example.org", "alice@example.org", "Plan", "q1@x", "Could you send me the plan?"), 20*day)
	mb.put(t, "INBOX", msg("carol@example.net", "alice@example.org", "Hello", "q2@x", "Are you free on Monday?"), 20*day)
	mb.put(t, "INBOX", msg("dave@example.net", "alice@example.org", "Docs", "q3@x", "Can you review this?"), 3*day)
	mb.put(t, "Archive", msg("erin@example.com", "alice@example.org", "Invoice", "q4@x", "Can you pay the invoice?"), 30*day)
	mb.put(t, "Sent", answer("q1@x", "bob@example.org", "Plan", "r1@x"), 19*day)
	mb.put(t, "Sent", msg("alice@example.org", "erin@example.com", "Re: Invoice", "r4@x", "Paid."), 29*day)
}

// TestBootstrapLearnsReplyHabits: the first start reads the watched and
// archive folders and Sent of the last history_days into the reply
// habits, answered by In-Reply-To or by "Re:" + subject to the sender,
// unanswered once 14 days passed; a second run counts nothing again.
func TestBootstrapLearnsReplyHabits(t *testing.T) {
	ctx := context.Background()
	mb := memMailbox(t)
	seedHistory(t, mb)
	l := newLearner(t, bounded(10, 10), testacct.Log(t))
	store := withHabits(t, l)
	l.HabitsDays = 180

	st, err := l.Bootstrap(ctx, &mb.acct, false)
	if err != nil {
		t.Fatal(err)
	}
	want := HabitsStatus{State: "done", Received: 4, Sent: 2, Answered: 2, Unanswered: 1, Outcomes: 3}
	if st.Habits == nil || *st.Habits != want {
		t.Fatalf("habits bootstrap = %+v, want %+v", st.Habits, want)
	}
	p, err := store.Profile(ctx, mb.acct.Name)
	if err != nil {
		t.Fatal(err)
	}
	wantTotals := habits.Totals{Received: 4, Answered: 2, Unanswered: 1, Sent: 2}
	if p.Totals != wantTotals || p.Pending() != 1 {
		t.Fatalf("profile totals %+v, %d pending; want %+v, 1 pending", p.Totals, p.Pending(), wantTotals)
	}
	saved, _ := Statuses(ctx, l.bus)
	if len(saved) != 1 || saved[0].Habits == nil || *saved[0].Habits != want {
		t.Errorf("status shows %+v, want the habits %+v", saved, want)
	}

	st, err = l.Bootstrap(ctx, &mb.acct, true)
	if err != nil {
		t.Fatal(err)
	}
	if h := st.Habits; h.Answered != 0 || h.Unanswered != 0 {
		t.Errorf("a second bootstrap learnt %d answered, %d unanswered again", h.Answered, h.Unanswered)
	}
	p, _ = store.Profile(ctx, mb.acct.Name)
	if p.Totals != wantTotals {
		t.Errorf("after a second bootstrap: totals %+v, want %+v (each message once)", p.Totals, wantTotals)
	}
}

// TestBootstrapHabitsAfterSpam: an account whose spam bootstrap was done
// before the habits existed gets the habits' bootstrap at its next start,
// once.
func TestBootstrapHabitsAfterSpam(t *testing.T) {
	ctx := context.Background()
	mb := memMailbox(t)
	seedHistory(t, mb)
	l := newLearner(t, bounded(10, 10), testacct.Quiet)
	if _, err := l.Bootstrap(ctx, &mb.acct, false); err != nil {
		t.Fatal(err)
	}
	withHabits(t, l)
	st, err := l.Bootstrap(ctx, &mb.acct, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Habits == nil || st.Habits.State != "done" || st.Habits.Answered != 2 {
		t.Fatalf("habits bootstrap after the spam one = %+v", st.Habits)
	}
	calls := l.calls
	st, err = l.Bootstrap(ctx, &mb.acct, false)
	if err != nil || st.Habits == nil || st.Habits.Answered != 2 || l.calls != calls {
		t.Errorf("a third start ran again: %+v, %v, %d adaptations", st.Habits, err, l.calls-calls)
	}
}
