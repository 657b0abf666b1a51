package ingest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
)

// A backlog goes onto the bus only as fast as the stages take it, and
// new mail that arrives meanwhile is published at once, ahead of the
// rest of the backlog; the checkpoint then covers both.
func TestBacklogIsPacedAndNewMailGoesFirst(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.Start(t).Open(t, bus.Options{BacklogWindow: 100})
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	const backlog = 600
	for i := range backlog {
		srv.Append(t, "INBOX", message(fmt.Sprint("old ", i), fmt.Sprintf("old%d@x", i), "from the backlog"))
	}
	ctx := context.Background()
	// The spam stage, not taking anything yet: every event stays pending.
	spam, err := b.EnsureConsumer(ctx, "spam", bus.AllAccounts(bus.KindIngested))
	if err != nil {
		t.Fatal(err)
	}
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	stop := startWatcher(t, b, &acct, "INBOX", nil)
	waitFor(t, "the first chunk", 5*time.Second, func() bool { return ev.len() >= 100 })
	time.Sleep(time.Second)
	if n := ev.len(); n > 250 {
		t.Fatalf("%d of %d messages published with a window of 100 and nothing taken", n, backlog)
	}
	// The newest messages of the backlog went first: mail that arrived
	// just before the catch-up is new mail to its user.
	if first := ev.ingested()[0]; first.MessageID != fmt.Sprintf("<old%d@x>", backlog-50) {
		t.Errorf("the first message published is %s, want the 50th newest of the backlog", first.MessageID)
	}

	srv.Append(t, "INBOX", message("new", "new@x", "just arrived"))
	waitFor(t, "the new mail, ahead of the backlog", 5*time.Second, func() bool {
		return slices.ContainsFunc(ev.ingested(), func(in bus.Ingested) bool { return in.MessageID == "<new@x>" })
	})
	if n := ev.len(); n > 251 {
		t.Fatalf("%d messages published before the stage took any", n)
	}

	// The stage takes its messages: the rest of the backlog follows.
	cc, err := spam.Consume(func(m jetstream.Msg) { m.Ack() })
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Stop()
	waitFor(t, "the whole backlog", 30*time.Second, func() bool { return ev.len() >= backlog+1 })
	ev.settle(t, backlog+1)
	seen := map[string]bool{}
	for _, in := range ev.ingested() {
		if seen[in.MessageID] {
			t.Fatalf("%s published twice", in.MessageID)
		}
		seen[in.MessageID] = true
	}

	// The checkpoint covers the new mail as well as the backlog.
	stop()
	startWatcher(t, b, &acct, "INBOX", nil)
	ev.settle(t, backlog+1)
}
