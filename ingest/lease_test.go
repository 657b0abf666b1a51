package ingest_test

import (
	"testing"
	"time"

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
