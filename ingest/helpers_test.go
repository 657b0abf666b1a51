package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/ingest"
)

var quiet = slog.New(slog.DiscardHandler)

// testLog logs to the test output when -v is given.
func testLog(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return quiet
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// account builds an account through the real config loader.
func account(t testing.TB, host string, port int, tlsMode, caFile, extra string) configs.Account {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := fmt.Sprintf(`accounts:
  - name: alice
    address: alice@example.org
    initial_sync: 24h
    idle_refresh: 1m
    poll_interval: 1s
    imap:
      host: %q
      port: %d
      tls: %s
      username: alice
      password_file: %q
      ca_file: %q
%s`, host, port, tlsMode, pw, caFile, extra)
	cfg, err := configs.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Accounts[0]
}

// startWatcher runs a watcher until the returned stop is called (or the
// test ends).
func startWatcher(t testing.TB, b *bus.Bus, acct *configs.Account, mailbox string, reg *ingest.Registry) (stop func()) {
	return startWatcherPoll(t, b, acct, mailbox, reg, false)
}

func startWatcherPoll(t testing.TB, b *bus.Bus, acct *configs.Account, mailbox string, reg *ingest.Registry, poll bool) (stop func()) {
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

func message(subject, msgID, body string) []byte {
	return fmt.Appendf(nil, "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: %s\r\nMessage-Id: <%s>\r\nDate: %s\r\n\r\n%s\r\n",
		subject, msgID, time.Now().Format(time.RFC1123Z), body)
}

func deliveryOf(t testing.TB, act bus.Action) *bus.Delivery {
	t.Helper()
	data, err := json.Marshal(act)
	if err != nil {
		t.Fatal(err)
	}
	return bus.NewDelivery(bus.Subject(bus.KindAction, act.Account), data, nil)
}

func rawDelivery(data string) *bus.Delivery {
	return bus.NewDelivery("mail.action.alice", []byte(data), nil)
}
