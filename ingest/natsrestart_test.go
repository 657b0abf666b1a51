package ingest_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"

	"github.com/nats-io/nats.go/jetstream"
)

// NATS crashes (SIGKILL) while mail arrives and comes back: the watcher
// keeps trying, and every message is published exactly once.
func TestIngestSurvivesNATSCrash(t *testing.T) {
	srv := memimap.Start(t)
	nats := natstest.StartProcess(t)
	nc, err := bus.Connect(nats.ConnectOptions(t.Name()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, nc, bus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	reg := ingest.NewRegistry()
	startWatcher(t, b, &acct, "INBOX", reg)
	srv.Append(t, "INBOX", message("before", "before@x", "1"))
	waitFor(t, "first message in the stream", 10*time.Second, func() bool { return streamCount(t, b) == 1 })

	nats.Kill()
	for i := range 3 {
		srv.Append(t, "INBOX", message("during", "during-"+itoa(i)+"@x", "while NATS is down"))
	}
	time.Sleep(time.Second) // the watcher notices and fails to publish
	nats.Start(t)
	waitFor(t, "all four messages", 30*time.Second, func() bool { return streamCount(t, b) == 4 })
	srv.Append(t, "INBOX", message("after", "after@x", "5"))
	waitFor(t, "the fifth", 10*time.Second, func() bool { return streamCount(t, b) == 5 })
	time.Sleep(500 * time.Millisecond)
	if n := streamCount(t, b); n != 5 {
		t.Fatalf("stream holds %d ingested events, want 5: something was published twice", n)
	}
}

// streamCount is how many mail.ingested events the stream holds (0 while
// the server is unreachable).
func streamCount(t *testing.T, b *bus.Bus) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := b.Stream.Info(ctx, jetstream.WithSubjectFilter(bus.AllAccounts(bus.KindIngested)))
	if err != nil {
		return 0
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}
