package escalate

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/internal/natstest"
)

func budgetKV(t *testing.T) jetstream.KeyValue {
	t.Helper()
	b := natstest.New(t)
	cfg := BudgetBucketConfig()
	cfg.Storage = jetstream.MemoryStorage
	kv, err := b.JS.CreateKeyValue(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestBudgetHourly(t *testing.T) {
	ctx := context.Background()
	kv := budgetKV(t)
	clk := &clock{t: time.Date(2024, 3, 6, 10, 45, 0, 0, time.UTC)}
	const max = 3
	b := NewBudget(kv, max, clk.now)
	for i := 1; i <= max; i++ {
		if ok, _, err := b.Take(ctx, "work"); !ok || err != nil {
			t.Fatalf("take %d: ok %v err %v", i, ok, err)
		}
	}
	ok, after, err := b.Take(ctx, "work")
	if ok || err != nil || after != 15*time.Minute {
		t.Fatalf("take %d: ok %v, retry after %v, err %v; want refused, 15m", max+1, ok, after, err)
	}
	// Another account has its own budget; another replica sees the same count.
	if ok, _, _ := b.Take(ctx, "home"); !ok {
		t.Error("account home refused")
	}
	if ok, _, _ := NewBudget(kv, max, clk.now).Take(ctx, "work"); ok {
		t.Error("a second replica took past the budget")
	}
	// A refund gives one back.
	if err := b.Refund(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Used(ctx, "work"); n != max-1 {
		t.Errorf("used %d after refund, want %d", n, max-1)
	}
	if ok, _, _ := b.Take(ctx, "work"); !ok {
		t.Error("take after refund refused")
	}
	// The next hour starts afresh.
	clk.set(time.Date(2024, 3, 6, 11, 0, 0, 0, time.UTC))
	if ok, _, err := b.Take(ctx, "work"); !ok || err != nil {
		t.Fatalf("next hour: ok %v err %v", ok, err)
	}
	if n, _ := b.Used(ctx, "work"); n != 1 {
		t.Errorf("used %d in the new hour, want 1", n)
	}
	// A refund never goes below zero.
	clk.set(time.Date(2024, 3, 6, 12, 0, 0, 0, time.UTC))
	if err := b.Refund(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Used(ctx, "work"); n != 0 {
		t.Errorf("used %d after refunding an empty hour", n)
	}
}

// TestBudgetConcurrent: replicas taking at once never exceed the budget.
func TestBudgetConcurrent(t *testing.T) {
	ctx := context.Background()
	kv := budgetKV(t)
	now := func() time.Time { return time.Date(2024, 3, 6, 10, 0, 0, 0, time.UTC) }
	const max, workers, each = 25, 8, 6
	var granted atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		b := NewBudget(kv, max, now) // one Budget per replica
		wg.Go(func() {
			for range each {
				ok, _, err := b.Take(ctx, "work")
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				if ok {
					granted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if g := granted.Load(); g != max {
		t.Errorf("%d takes granted, want exactly %d", g, max)
	}
}

func TestBudgetUnlimited(t *testing.T) {
	b := NewBudget(nil, 0, nil)
	if ok, _, err := b.Take(context.Background(), "work"); !ok || err != nil {
		t.Fatalf("unlimited budget: ok %v err %v", ok, err)
	}
}
