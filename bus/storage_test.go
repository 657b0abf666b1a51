package bus_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/internal/tmpfstest"
	"mailassist/outage"
)

func TestCheckStoreSpaceNamesTheKey(t *testing.T) {
	dir := t.TempDir()
	if err := bus.CheckStoreSpace(dir, 1<<20); err != nil {
		t.Fatalf("1MiB does not fit: %v", err)
	}
	sp, err := bus.DiskSpace(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = bus.CheckStoreSpace(dir, int64(sp.Free))
	if err == nil || !strings.Contains(err.Error(), "lower stream.max_bytes") {
		t.Fatalf("all the free space fits, or the error does not say what to change: %v", err)
	}
}

// The disk of the embedded server fills up: storage goes down, the stage
// stops pulling, and once the space is freed it comes back by itself
// (the embedded server's JetStream reopened) and every message is
// handled — none lost.
func TestStorageFullAndFreedResumesByItself(t *testing.T) {
	dir := tmpfstest.Mount(t, 64<<20)
	emb, err := bus.StartEmbedded(dir, "127.0.0.1:-1", quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	if err := bus.CheckStoreSpace(dir, 16<<20); err != nil {
		t.Fatal(err)
	}
	nc, err := bus.Connect(emb.ConnectOptions(t.Name()), quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b, err := bus.Open(context.Background(), nc, bus.Options{MaxBytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	b.Outages = outage.NewTracker(testLog(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch := &bus.StorageWatch{Bus: b, Dir: dir, Embedded: emb, Interval: 200 * time.Millisecond, Log: testLog(t)}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { watch.Run(ctx) })
	defer cancel()

	var mu sync.Mutex
	handled := map[string]int{}
	runStage(t, b, fastStage("disk", func(ctx context.Context, d *bus.Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		handled[d.MsgID]++
		return nil
	}))
	publishAll := func(from, to int) {
		for i := from; i < to; i++ {
			for {
				pctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err := b.Publish(pctx, "mail.test.acct", fmt.Sprintf("t/%d", i), i)
				cancel()
				if err == nil {
					break
				}
				time.Sleep(100 * time.Millisecond) // as ingest does: wait and try again
			}
		}
	}
	publishAll(0, 50)
	filler := tmpfstest.Fill(t, dir)
	waitFor(t, "storage down", func() bool { return !b.Outages.IsUp(bus.DependencyStorage) })
	// Writes fail while the disk is full (the server may acknowledge a few
	// before its flush to disk fails).
	failed := 0
	for i := range 20 {
		pctx, pcancel := context.WithTimeout(context.Background(), time.Second)
		_, err := b.Publish(pctx, "mail.test.acct", fmt.Sprintf("full/%d", i), strings.Repeat("x", 32<<10))
		pcancel()
		if err != nil {
			failed++
		}
	}
	t.Logf("%d of 20 publishes on a full disk failed", failed)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "storage back", func() bool { return b.Outages.IsUp(bus.DependencyStorage) })
	publishAll(50, 100)
	waitFor(t, "all 100 handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for i := range 100 {
			if handled[fmt.Sprintf("t/%d", i)] == 0 {
				return false
			}
		}
		return true
	})
}

func testLog(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return quiet
}
