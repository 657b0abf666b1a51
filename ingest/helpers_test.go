package ingest_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/testacct"
)

var quiet = testacct.Quiet

func testLog(t testing.TB) *slog.Logger { return testacct.Log(t) }

func aliceAccount(t testing.TB, host string, port int, tlsMode, caFile, extra string) account.Account {
	return testacct.Account(t, host, port, tlsMode, caFile, extra)
}

// startWatcher runs a watcher until the returned stop is called (or the
// test ends).
func startWatcher(t testing.TB, b *bus.Bus, acct *account.Account, mailbox string, reg *ingest.Registry) (stop func()) {
	return startWatcherPoll(t, b, acct, mailbox, reg, false)
}

func startWatcherPoll(t testing.TB, b *bus.Bus, acct *account.Account, mailbox string, reg *ingest.Registry, poll bool) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &ingest.Watcher{Bus: b, Account: acct, Mailbox: mailbox, Log: testLog(t), Status: reg, Poll: poll,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// events reads what the stream holds on subject, from the start.
type events struct {
	mu  sync.Mutex
	got []bus.Ingested
}

func watchStream(t testing.TB, b *bus.Bus, filter string) *events {
	t.Helper()
	ev := &events{}
	cons, err := b.Stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var in bus.Ingested
		_ = json.Unmarshal(m.Data(), &in)
		ev.mu.Lock()
		ev.got = append(ev.got, in)
		ev.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return ev
}

func (e *events) ingested() []bus.Ingested {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bus.Ingested(nil), e.got...)
}

func (e *events) len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.got)
}

// waitLen waits until n events arrived and fails if more do.
func (e *events) waitLen(t testing.TB, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for e.len() < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d events within %s, want %d", e.len(), within, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if e.len() > n {
		t.Fatalf("got %d events, want %d", e.len(), n)
	}
}

// settle waits a little and checks no further event arrived.
func (e *events) settle(t testing.TB, n int) {
	t.Helper()
	time.Sleep(500 * time.Millisecond)
	if got := e.len(); got != n {
		t.Fatalf("after settling: %d events, want %d", got, n)
	}
}

func waitFor(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func message(subject, msgID, body string) []byte { return testacct.Message(subject, msgID, body) }

// rawOf loads the raw message an event names from the bus.
func rawOf(t testing.TB, b *bus.Bus, ev bus.Ingested) []byte {
	t.Helper()
	raw, err := b.LoadBlob(context.Background(), ev.Raw, ev.RawKey, ev.RawObject)
	if err != nil {
		t.Fatalf("load raw of %s: %v", ev.ID, err)
	}
	return raw
}

// proxy listens on 127.0.0.1 for clients of the IMAP server at addr and
// hands each client's connection, with one of its own to the server, to
// serve. It returns the port.
func proxy(t *testing.T, addr string, serve func(client, server net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				client.Close()
				continue
			}
			go serve(client, server)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
