package bus

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// Calls that arrive together run as one batch, each gets its own result,
// and a batch never exceeds Max.
func TestBatchCoalescesAndAnswersEachItem(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	bad := errors.New("odd")
	b := &Batch[string, int]{Window: 100 * time.Millisecond, Max: 40, Run: func(_ context.Context, key string, items []int) []error {
		mu.Lock()
		sizes = append(sizes, len(items))
		mu.Unlock()
		errs := make([]error, len(items))
		for i, it := range items {
			if it%2 == 1 {
				errs[i] = bad
			}
		}
		return errs
	}}
	errs := make([]error, 100)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = b.Do(context.Background(), "acct", i) })
	}
	wg.Wait()
	for i, err := range errs {
		if (i%2 == 1) != errors.Is(err, bad) {
			t.Errorf("item %d: err %v", i, err)
		}
	}
	slices.Sort(sizes)
	if len(sizes) > 5 || sizes[len(sizes)-1] != 40 {
		t.Errorf("batch sizes %v: want a few batches of at most 40, the largest full", sizes)
	}
}

// Batches of one key run one at a time; the next one fills meanwhile.
func TestBatchRunsOneBatchOfAKeyAtATime(t *testing.T) {
	var running, most int
	var mu sync.Mutex
	var sizes []int
	b := &Batch[string, int]{Window: time.Millisecond, Run: func(_ context.Context, _ string, items []int) []error {
		mu.Lock()
		running++
		most = max(most, running)
		sizes = append(sizes, len(items))
		mu.Unlock()
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return make([]error, len(items))
	}}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() { b.Do(context.Background(), "acct", i) })
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d batches of one key ran at once", most)
	}
	if len(sizes) >= 30 {
		t.Errorf("batch sizes %v: the batch that waited for the running one took nothing more", sizes)
	}
}

// A panic in Run fails only the item that panics, permanently.
func TestBatchIsolatesAPanic(t *testing.T) {
	b := &Batch[string, int]{Window: 20 * time.Millisecond, Run: func(_ context.Context, _ string, items []int) []error {
		for _, it := range items {
			if it == 3 {
				panic("boom")
			}
		}
		return make([]error, len(items))
	}}
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = b.Do(context.Background(), "acct", i) })
	}
	wg.Wait()
	for i, err := range errs {
		if i == 3 {
			if !IsPermanent(err) || !errors.Is(err, errPanic) {
				t.Errorf("item 3: err %v, want a permanent panic", err)
			}
		} else if err != nil {
			t.Errorf("item %d: err %v", i, err)
		}
	}
}

// A caller whose context ends stops waiting.
func TestBatchCallerContext(t *testing.T) {
	release := make(chan struct{})
	b := &Batch[string, int]{Window: time.Millisecond, Run: func(_ context.Context, _ string, items []int) []error {
		<-release
		return make([]error, len(items))
	}}
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.Do(ctx, "acct", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the context's", err)
	}
}

// After a batch of BusyItems or more, the key's next batch waits
// BusyWindow: two items 400 ms apart run together; after a small batch,
// or once BusyWindow passed since the busy one, they run apart (Window).
func TestBatchBusyKeyWaitsLonger(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	b := &Batch[string, int]{Window: 50 * time.Millisecond, BusyWindow: 1500 * time.Millisecond, BusyItems: 3,
		Run: func(_ context.Context, _ string, items []int) []error {
			mu.Lock()
			sizes = append(sizes, len(items))
			mu.Unlock()
			return make([]error, len(items))
		}}
	twoApart := func() {
		var wg sync.WaitGroup
		wg.Go(func() { b.Do(context.Background(), "acct", 1) })
		time.Sleep(400 * time.Millisecond)
		wg.Go(func() { b.Do(context.Background(), "acct", 2) })
		wg.Wait()
	}
	twoApart() // the key's first batches: Window
	var wg sync.WaitGroup
	for i := range 3 { // a busy batch
		wg.Go(func() { b.Do(context.Background(), "acct", 10+i) })
	}
	wg.Wait()
	twoApart() // after it: BusyWindow
	twoApart() // after a batch of 2: Window again
	for i := range 3 {
		wg.Go(func() { b.Do(context.Background(), "acct", 20+i) })
	}
	wg.Wait()
	time.Sleep(b.BusyWindow + 100*time.Millisecond)
	twoApart() // the stream ended: Window
	mu.Lock()
	defer mu.Unlock()
	if want := []int{1, 1, 3, 2, 1, 1, 3, 1, 1}; !slices.Equal(sizes, want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
}
