package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

func TestScan(t *testing.T) {
	b := natstest.New(t)
	ctx := context.Background()
	for i := range 5 {
		acct := "a"
		if i%2 == 1 {
			acct = "b"
		}
		ev := bus.Escalated{V: bus.Version, Ref: bus.Ref{ID: fmt.Sprintf("%s/1/%d", acct, i), Account: acct}}
		if _, err := b.Publish(ctx, bus.Subject(bus.KindEscalated, acct), ev.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Publish(ctx, bus.Subject(bus.KindIngested, "a"), "other", bus.Ingested{V: 1}); err != nil {
		t.Fatal(err)
	}
	count := func(filter string, since time.Time) int {
		n := 0
		if err := b.Scan(ctx, filter, since, func(bus.Stored) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(bus.AllAccounts(bus.KindEscalated), time.Time{}); n != 5 {
		t.Errorf("all escalated: %d, want 5", n)
	}
	if n := count(bus.Subject(bus.KindEscalated, "b"), time.Time{}); n != 2 {
		t.Errorf("escalated of b: %d, want 2", n)
	}
	if n := count(bus.AllAccounts(bus.KindEscalated), time.Now().Add(time.Hour)); n != 0 {
		t.Errorf("since the future: %d, want 0", n)
	}
	if n := count(bus.AllAccounts(bus.KindDeadLetter), time.Time{}); n != 0 {
		t.Errorf("no dead letters: %d", n)
	}
}
