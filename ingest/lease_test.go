package ingest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
)

// Of two ingest replicas, one watches a mailbox; when it stops, the other
// takes over, and no message is published twice.
func TestLeaseOneReplicaWatchesAndTheOtherTakesOver(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg1, reg2 := ingest.NewRegistry(), ingest.NewRegistry()
	stop1 := startWatcher(t, b, &acct, "INBOX", reg1)
	waitFor(t, "replica 1 connected", 5*time.Second, func() bool { s := reg1.Snapshot(); return len(s) == 1 && s[0].Connected })
	startWatcher(t, b, &acct, "INBOX", reg2)

	srv.Append(t, "INBOX", message("one", "one@x", "1"))
	ev.waitLen(t, 1, 5*time.Second)
	if s := reg2.Snapshot(); len(s) != 0 && s[0].Connected {
		t.Fatal("both replicas connected to the same mailbox")
	}

	stop1()
	waitFor(t, "replica 2 takes over", 2*bus.LeaseTTL, func() bool { s := reg2.Snapshot(); return len(s) == 1 && s[0].Connected })
	srv.Append(t, "INBOX", message("two", "two@x", "2"))
	ev.waitLen(t, 2, 5*time.Second)
	ev.settle(t, 2)
}

// A replica that was killed leaves its lease behind; it expires within
// seconds, and the restarted replica takes the mailbox over then. A clean
// stop, even one cut short while the lease is being taken, leaves no
// lease behind.
func TestLeaseOfAKilledHolderExpiresAndAStopLeavesNone(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	key := "lease." + ingest.CheckpointKey("alice", "INBOX")
	if _, err := b.Leases.Create(context.Background(), key, []byte("a process that was killed")); err != nil {
		t.Fatal(err)
	}
	reg := ingest.NewRegistry()
	start := time.Now()
	stop := startWatcher(t, b, &acct, "INBOX", reg)
	waitFor(t, "the restarted replica takes over", 3*bus.LeaseTTL, func() bool { s := reg.Snapshot(); return len(s) == 1 && s[0].Connected })
	t.Logf("took over after %s (lease TTL %s)", time.Since(start).Round(100*time.Millisecond), bus.LeaseTTL)
	stop()
	if _, err := b.Leases.Get(context.Background(), key); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("lease after a clean stop: %v", err)
	}
	// Stopped at every point of start-up, 25 µs apart: among them, while
	// the lease's Create is on its way to the server (a read that follows
	// it may overtake it, so a release by a read alone left the lease).
	for i := range 400 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i*25)*time.Microsecond)
		w := &ingest.Watcher{Bus: b, Account: &acct, Mailbox: "INBOX", Log: quiet}
		_ = w.Run(ctx)
		cancel()
		if _, err := b.Leases.Get(context.Background(), key); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Fatalf("lease after a stop %s into start-up: %v", time.Duration(i*25)*time.Microsecond, err)
		}
	}
}

// A lease this process wrote and no session of it holds any more (one
// lost to a renewal answered too late, or left by a stop cut short) is
// taken back at once, not after the lease TTL; while a session of the
// process holds it, another of the same process stands by.
func TestLeaseLeftByThisProcessIsTakenBack(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	key := "lease." + ingest.CheckpointKey("alice", "INBOX")
	if _, err := b.Leases.Create(context.Background(), key, []byte(ingest.Instance())); err != nil {
		t.Fatal(err)
	}
	reg := ingest.NewRegistry()
	start := time.Now()
	startWatcher(t, b, &acct, "INBOX", reg)
	waitFor(t, "the lease taken back", 3*bus.LeaseTTL, func() bool { s := reg.Snapshot(); return len(s) == 1 && s[0].Connected })
	if took := time.Since(start); took > bus.LeaseTTL/2 {
		t.Errorf("took the process's own left-over lease back after %s, want at once (lease TTL %s)", took, bus.LeaseTTL)
	}

	reg2 := ingest.NewRegistry()
	startWatcher(t, b, &acct, "INBOX", reg2)
	time.Sleep(bus.LeaseTTL + time.Second)
	if s := reg2.Snapshot(); len(s) == 1 && s[0].Connected {
		t.Fatal("a second session of the process took the lease the first holds")
	}
}
