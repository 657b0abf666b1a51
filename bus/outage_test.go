package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/natstest"
	"mailassist/outage"
)

// records keeps the log records at warning level and above.
type records struct {
	mu   sync.Mutex
	msgs []string
}

func (r *records) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, rec.Message)
	return nil
}
func (r *records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *records) WithGroup(string) slog.Handler      { return r }
func (r *records) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

var errRefused = fmt.Errorf("connect 127.0.0.1:993: %w", syscall.ECONNREFUSED)

// A message that meets an outage waits as long as the outage lasts: its
// deliveries are not counted towards max_deliver, however many, and the
// outage is logged once, not once per message.
func TestRunnerOutagesNeverCountTowardsMaxDeliver(t *testing.T) {
	s := natstest.Start(t)
	b := s.Open(t, bus.Options{MaxDeliver: 2})
	logs := &records{}
	b.Outages = outage.NewTracker(slog.New(logs))
	got := deadLetters(t, b)
	var down atomic.Bool
	down.Store(true)
	handled := map[string]int{}
	var mu sync.Mutex
	st := fastStage("outage", func(ctx context.Context, d *bus.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		handled[d.MsgID]++
		if down.Load() {
			return outage.For("imap acct", errRefused)
		}
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, st, slog.New(logs)) }()
	defer func() { cancel(); <-done }()
	for i := range 20 {
		publish(t, b, "mail.test.acct", fmt.Sprintf("t/%d", i), i)
	}
	waitFor(t, "every message delivered 5 times", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range 20 {
			if handled[fmt.Sprintf("t/%d", i)] < 5 {
				return false
			}
		}
		return true
	})
	if b.Outages.IsUp("imap acct") {
		t.Error("the tracker does not know the server is down")
	}
	down.Store(false)
	b.Outages.Up("imap acct") // the connection that succeeds says so
	waitFor(t, "nothing pending", func() bool { return pending(t, b, "outage") == 0 })
	if len(got()) != 0 {
		t.Fatalf("dead-lettered during an outage: %+v", got())
	}
	warns := logs.all()
	if len(warns) != 1 || !strings.Contains(warns[0], "unavailable") {
		t.Errorf("warnings logged: %q, want one line for the outage", warns)
	}
}

// A delivery whose worker vanished without an answer (killed, crashed)
// counts as a failure, so a message that kills every worker is
// dead-lettered, not redelivered for ever. The consumer made with
// JetStream's MaxDeliver is changed to an unbounded one by the runner.
func TestRunnerCountsVanishedWorkers(t *testing.T) {
	s := natstest.Start(t)
	b := s.Open(t, bus.Options{MaxDeliver: 3, AckWait: 200 * time.Millisecond})
	got := deadLetters(t, b)
	cons, err := b.EnsureConsumer(context.Background(), "vanish", "mail.test.>")
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b, "mail.test.dave", "t/1", "x")
	for range 2 { // two workers took it and died
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for range batch.Messages() {
		}
		time.Sleep(300 * time.Millisecond) // ack_wait passes
	}
	var calls atomic.Int32
	runStage(t, b, fastStage("vanish", func(ctx context.Context, d *bus.Delivery) error {
		calls.Add(1)
		return errors.New("cannot parse")
	}))
	waitFor(t, "dead letter", func() bool { return len(got()) == 1 })
	dl := got()[0]
	if dl.Cause != bus.CauseFailed || !strings.Contains(dl.Reason, "gave up after 3 deliveries") || !strings.Contains(dl.Reason, "cannot parse") {
		t.Errorf("dead letter = %+v", dl)
	}
	if calls.Load() != 1 {
		t.Errorf("handler ran %d times, want 1 (two vanished workers and one failure make 3)", calls.Load())
	}
	info, err := b.JS.Consumer(context.Background(), bus.StreamName, "vanish")
	if err != nil {
		t.Fatal(err)
	}
	if ci, _ := info.Info(context.Background()); ci.Config.MaxDeliver != -1 {
		t.Errorf("consumer MaxDeliver = %d, want -1", ci.Config.MaxDeliver)
	}
}

// While storage is down the runner pulls nothing; a handler that meets a
// full disk takes storage down; pulling resumes when it is back.
func TestRunnerPausesWhileStorageIsDown(t *testing.T) {
	b := natstest.New(t)
	b.Outages = outage.NewTracker(quiet)
	var full atomic.Bool
	full.Store(true)
	var calls atomic.Int32
	runStage(t, b, fastStage("disk", func(ctx context.Context, d *bus.Delivery) error {
		calls.Add(1)
		if full.Load() {
			return fmt.Errorf("write: %w", syscall.ENOSPC)
		}
		return nil
	}))
	publish(t, b, "mail.test.acct", "t/1", 1)
	waitFor(t, "storage down", func() bool { return !b.Outages.IsUp(bus.DependencyStorage) })
	time.Sleep(300 * time.Millisecond) // a pull already under way may still deliver
	n := calls.Load()
	publish(t, b, "mail.test.acct", "t/2", 2)
	time.Sleep(time.Second)
	if calls.Load() != n {
		t.Fatalf("the runner pulled while storage was down (%d calls, then %d)", n, calls.Load())
	}
	full.Store(false)
	b.Outages.Up(bus.DependencyStorage)
	waitFor(t, "both handled", func() bool { return pending(t, b, "disk") == 0 })
}
