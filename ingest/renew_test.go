package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/natstest"
)

// The process's leases, hundreds of them, are renewed together and stay
// held past their TTL; one that another writer took meanwhile is lost
// (its session is told) while the others go on; once removed and
// released, none is left.
func TestRenewerKeepsManyLeases(t *testing.T) {
	b := natstest.New(t)
	ctx := context.Background()
	const n = 300
	var mu sync.Mutex
	var lost []string
	leases := make([]*lease, n)
	first := make([]uint64, n)
	for i := range leases {
		key := fmt.Sprintf("lease.test.%d", i)
		rev, err := b.Leases.Create(ctx, key, []byte(instance))
		if err != nil {
			t.Fatal(err)
		}
		first[i] = rev
		leases[i] = &lease{kv: b.Leases, js: b.JS, key: key, revision: rev, index: -1, ctx: ctx,
			lost: func(error) { mu.Lock(); lost = append(lost, key); mu.Unlock() }}
		renewals.add(leases[i])
	}
	if _, err := b.Leases.Put(ctx, "lease.test.7", []byte("another replica")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(bus.LeaseTTL + renewEvery) // past the TTL of the first writes

	mu.Lock()
	if !slices.Equal(lost, []string{"lease.test.7"}) {
		t.Errorf("lost %v, want only lease.test.7", lost)
	}
	mu.Unlock()
	for i, l := range leases {
		if i == 7 {
			continue
		}
		e, err := b.Leases.Get(ctx, l.key)
		if err != nil {
			t.Fatalf("%s after %s: %v", l.key, bus.LeaseTTL+renewEvery, err)
		}
		l.mu.Lock()
		rev := l.revision
		l.mu.Unlock()
		if string(e.Value()) != instance || e.Revision() != rev || rev <= first[i] {
			t.Fatalf("%s: value %q revision %d, the lease's %d (first %d): want ours, renewed", l.key, e.Value(), e.Revision(), rev, first[i])
		}
	}
	for i, l := range leases {
		renewals.remove(l)
		if i != 7 {
			l.release()
		}
	}
	for i, l := range leases {
		if _, err := b.Leases.Get(ctx, l.key); i != 7 && !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Errorf("%s after its release: %v", l.key, err)
		}
	}
	renewals.mu.Lock()
	defer renewals.mu.Unlock()
	if renewals.due.Len() != 0 {
		t.Errorf("%d leases still due for renewal after all were removed", renewals.due.Len())
	}
}
