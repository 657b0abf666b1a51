package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

var quiet = slog.New(slog.DiscardHandler)

// runStage runs st until the test ends and returns a stop func that waits.
func runStage(t *testing.T, b *bus.Bus, st bus.Stage) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, st, quiet) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func publish(t *testing.T, b *bus.Bus, subject, id string, v any) {
	t.Helper()
	if _, err := b.Publish(context.Background(), subject, id, v); err != nil {
		t.Fatal(err)
	}
}

// deadLetters collects mail.deadletter.> events.
func deadLetters(t *testing.T, b *bus.Bus) func() []bus.DeadLetter {
	t.Helper()
	var mu sync.Mutex
	var got []bus.DeadLetter
	sub, err := b.NC.Subscribe(bus.AllAccounts(bus.KindDeadLetter), func(m *nats.Msg) {
		var dl bus.DeadLetter
		if err := json.Unmarshal(m.Data, &dl); err != nil {
			t.Errorf("dead letter: %v", err)
		}
		mu.Lock()
		got = append(got, dl)
		mu.Unlock()
	})
	if err := err; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func() []bus.DeadLetter {
		mu.Lock()
		defer mu.Unlock()
		return append([]bus.DeadLetter(nil), got...)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fastStage(name string, h bus.Handler) bus.Stage {
	return bus.Stage{Name: name, Filters: []string{"mail.test.>"}, Handler: h,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond, FetchWait: 200 * time.Millisecond}
}

func TestRunnerAcksOnSuccess(t *testing.T) {
	b := natstest.New(t)
	var n atomic.Int32
	runStage(t, b, fastStage("ok", func(ctx context.Context, d *bus.Delivery) error {
		n.Add(1)
		return nil
	}))
	for i := range 10 {
		publish(t, b, "mail.test.acct", "t/"+string(rune('a'+i)), map[string]int{"i": i})
	}
	waitFor(t, "10 handled", func() bool { return n.Load() == 10 })
	waitFor(t, "nothing pending", func() bool { return pending(t, b, "ok") == 0 })
	time.Sleep(300 * time.Millisecond)
	if got := n.Load(); got != 10 {
		t.Fatalf("handled %d times, want 10 (no redelivery after ack)", got)
	}
}

func TestRunnerRetriesTransientErrors(t *testing.T) {
	b := natstest.New(t)
	var n atomic.Int32
	runStage(t, b, fastStage("retry", func(ctx context.Context, d *bus.Delivery) error {
		if n.Add(1) < 3 {
			return errors.New("server busy")
		}
		if d.Deliveries != 3 {
			t.Errorf("deliveries = %d, want 3", d.Deliveries)
		}
		return nil
	}))
	publish(t, b, "mail.test.acct", "t/1", "x")
	waitFor(t, "third delivery acked", func() bool { return n.Load() == 3 && pending(t, b, "retry") == 0 })
}

func TestRunnerDeadLettersPermanentErrorsAndPanics(t *testing.T) {
	b := natstest.New(t)
	got := deadLetters(t, b)
	runStage(t, b, fastStage("perm", func(ctx context.Context, d *bus.Delivery) error {
		if string(d.Data) == `"boom"` {
			panic("kaboom")
		}
		return bus.Permanentf("unparseable input")
	}))
	publish(t, b, "mail.test.alice", "t/1", "bad")
	publish(t, b, "mail.test.bob", "t/2", "boom")
	waitFor(t, "two dead letters", func() bool { return len(got()) == 2 })
	reasons := map[string]bus.DeadLetter{}
	for _, dl := range got() {
		reasons[dl.Account] = dl
	}
	if dl := reasons["alice"]; dl.Reason != "unparseable input" || dl.Stage != "perm" || string(dl.Data) != `"bad"` || dl.Deliveries != 1 {
		t.Errorf("alice dead letter = %+v", dl)
	}
	if dl := reasons["bob"]; dl.Reason != "panic: kaboom" || dl.Subject != "mail.test.bob" {
		t.Errorf("bob dead letter = %+v", dl)
	}
	waitFor(t, "nothing pending", func() bool { return pending(t, b, "perm") == 0 })
}

func TestRunnerGivesUpAfterMaxDeliver(t *testing.T) {
	s := natstest.Start(t)
	b := s.Open(t, bus.Options{MaxDeliver: 3})
	got := deadLetters(t, b)
	var n atomic.Int32
	runStage(t, b, fastStage("giveup", func(ctx context.Context, d *bus.Delivery) error {
		n.Add(1)
		return errors.New("still down")
	}))
	publish(t, b, "mail.test.acct", "t/1", "x")
	waitFor(t, "dead letter", func() bool { return len(got()) == 1 })
	if dl := got()[0]; dl.Deliveries != 3 || dl.Reason != "gave up after 3 deliveries: still down" {
		t.Errorf("dead letter = %+v", dl)
	}
	if n.Load() != 3 {
		t.Errorf("handler ran %d times, want 3", n.Load())
	}
}

// A worker that dies on its last delivery leaves the message unacked; the
// server's max-deliveries advisory becomes the dead letter.
func TestMaxDeliveriesAdvisoryBecomesDeadLetter(t *testing.T) {
	s := natstest.Start(t)
	b := s.Open(t, bus.Options{MaxDeliver: 2, AckWait: 200 * time.Millisecond})
	got := deadLetters(t, b)
	cons, err := b.EnsureConsumer(context.Background(), "crashy", "mail.test.>")
	if err != nil {
		t.Fatal(err)
	}
	stop, err := b.WatchMaxDeliveries("crashy", quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	publish(t, b, "mail.test.carol", "t/1", "x")
	// Take the message twice and never settle it, like a worker that
	// crashed; the third pull makes the server notice the limit.
	for range 3 {
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for range batch.Messages() {
		}
	}
	waitFor(t, "dead letter from advisory", func() bool { return len(got()) == 1 })
	dl := got()[0]
	if dl.Account != "carol" || dl.Stage != "crashy" || dl.Subject != "mail.test.carol" || string(dl.Data) != `"x"` {
		t.Errorf("dead letter = %+v", dl)
	}
}

func pending(t *testing.T, b *bus.Bus, durable string) uint64 {
	t.Helper()
	c, err := b.JS.Consumer(context.Background(), bus.StreamName, durable)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.NumPending + uint64(info.NumAckPending)
}

// RetryAfter brings the message back after the delay the handler asked
// for, and MaxDeliver -1 never gives up.
func TestRunnerRetryAfterAndUnlimitedDeliveries(t *testing.T) {
	s := natstest.Start(t)
	b := s.Open(t, bus.Options{MaxDeliver: 2})
	got := deadLetters(t, b)
	var n atomic.Int32
	var times []time.Time
	var mu sync.Mutex
	st := fastStage("budget", func(ctx context.Context, d *bus.Delivery) error {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n.Add(1) < 4 {
			return bus.RetryAfter(errors.New("over budget"), 300*time.Millisecond)
		}
		return nil
	})
	st.MaxDeliver = -1
	runStage(t, b, st)
	publish(t, b, "mail.test.acct", "t/1", "x")
	waitFor(t, "fourth delivery acked", func() bool { return n.Load() == 4 && pending(t, b, "budget") == 0 })
	if len(got()) != 0 {
		t.Fatalf("dead-lettered although MaxDeliver is -1: %+v", got())
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 250*time.Millisecond {
			t.Errorf("redelivery %d came after %s, want the 300ms asked for", i, gap)
		}
	}
}
