package bus

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Batch coalesces the work of concurrent handler calls that share a key
// (apply: an account) into one call of Run, so that a stage can carry out
// many messages with one command. The runner hands a handler one message
// at a time; a handler that calls Do parks its message in the open batch
// of its key and returns that message's own result once the batch ran, so
// the runner acknowledges each message only after the batch did its work
// (and keeps telling JetStream the message is in progress while it is
// parked). Give such a stage a Concurrency of a few Max: every parked
// message holds a slot.
//
// A batch opens with its first item and closes Window later, or at once
// when it holds Max items; it keeps taking items while the previous batch
// of its key still runs, so batches grow with the work waiting. Batches
// of one key run one at a time, in order; batches of different keys run
// side by side.
type Batch[K comparable, T any] struct {
	// Window is how long a batch waits for more items after its first.
	// Default 50ms.
	Window time.Duration
	// Max is the most items in one batch. Default 500.
	Max int
	// BusyWindow, when longer than Window, is the window of a key whose
	// last batch held at least BusyItems items (default 20) and closed
	// less than BusyWindow ago: work that streams in for a key (a
	// backlog) is carried out in fewer, larger batches, while an item
	// that comes alone, or after the stream ended, waits only Window.
	BusyWindow time.Duration
	BusyItems  int
	// Run does the work of items (all of key) and returns one error per
	// item, nil for those done. A panic in Run is caught: each item then
	// runs alone, so that only the one that panics fails (permanently).
	Run func(ctx context.Context, key K, items []T) []error

	mu   sync.Mutex
	open map[K]*batchOf[T]
	runs map[K]*sync.Mutex
	last map[K]lastBatch
}

// lastBatch is what a key's last batch held, and when it closed.
type lastBatch struct {
	items  int
	closed time.Time
}

// Defaults of Batch.
const (
	DefaultBatchWindow = 50 * time.Millisecond
	DefaultBatchMax    = 500
	DefaultBusyItems   = 20
)

type batchOf[T any] struct {
	items []T
	full  chan struct{} // closed when it reached Max
	done  chan struct{} // closed when errs is set
	errs  []error
}

// Do adds item to the open batch of key and waits for its result, or for
// ctx to end (the batch may still carry the item out: the stage's effects
// must be idempotent, as every stage's are).
func (b *Batch[K, T]) Do(ctx context.Context, key K, item T) error {
	b.mu.Lock()
	if b.open == nil {
		b.open, b.runs, b.last = map[K]*batchOf[T]{}, map[K]*sync.Mutex{}, map[K]lastBatch{}
	}
	p := b.open[key]
	if p == nil {
		p = &batchOf[T]{full: make(chan struct{}), done: make(chan struct{})}
		b.open[key] = p
		if b.runs[key] == nil {
			b.runs[key] = &sync.Mutex{}
		}
		go b.collect(ctx, key, p, b.runs[key], b.window(key))
	}
	i := len(p.items)
	p.items = append(p.items, item)
	if len(p.items) >= b.max() {
		delete(b.open, key)
		close(p.full)
	}
	b.mu.Unlock()
	select {
	case <-p.done:
		return p.errs[i]
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Batch[K, T]) max() int {
	if b.Max <= 0 {
		return DefaultBatchMax
	}
	return b.Max
}

// window is the window of the key's next batch (b.mu held).
func (b *Batch[K, T]) window(key K) time.Duration {
	window := b.Window
	if window <= 0 {
		window = DefaultBatchWindow
	}
	busy := b.BusyItems
	if busy <= 0 {
		busy = DefaultBusyItems
	}
	if last := b.last[key]; b.BusyWindow > window && last.items >= busy && time.Since(last.closed) < b.BusyWindow {
		window = b.BusyWindow
	}
	return window
}

// collect waits for the window (or a full batch) and for the previous
// batch of the key to finish, then closes the batch and runs it.
func (b *Batch[K, T]) collect(ctx context.Context, key K, p *batchOf[T], run *sync.Mutex, window time.Duration) {
	t := time.NewTimer(window)
	select {
	case <-t.C:
	case <-p.full:
		t.Stop()
	}
	run.Lock()
	defer run.Unlock()
	b.mu.Lock()
	if b.open[key] == p {
		delete(b.open, key)
	}
	items := p.items
	b.last[key] = lastBatch{items: len(items), closed: time.Now()}
	b.mu.Unlock()
	p.errs = b.run(ctx, key, items)
	close(p.done)
}

// run calls Run, and after a panic each item alone.
func (b *Batch[K, T]) run(ctx context.Context, key K, items []T) (errs []error) {
	errs, ok := b.try(ctx, key, items)
	if ok {
		return errs
	}
	errs = make([]error, len(items))
	for i, it := range items {
		one, _ := b.try(ctx, key, []T{it})
		errs[i] = one[0]
	}
	return errs
}

// try calls Run once; after a panic ok is false and every error is the
// panic, permanent.
func (b *Batch[K, T]) try(ctx context.Context, key K, items []T) (errs []error, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			err := Permanent(fmt.Errorf("%w: %v", errPanic, r))
			errs, ok = make([]error, len(items)), false
			for i := range errs {
				errs[i] = err
			}
		}
	}()
	errs = b.Run(ctx, key, items)
	if len(errs) != len(items) {
		panic(fmt.Sprintf("Batch.Run returned %d errors for %d items", len(errs), len(items)))
	}
	return errs, true
}
