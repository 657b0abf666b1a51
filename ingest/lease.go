package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"mailassist/bus"
)

// instance names this process in the leases it holds.
var instance = nuid.Next()

// lease is one watcher's claim on a mailbox, so that of several ingest
// replicas exactly one watches it. The holder renews it every third of
// bus.LeaseTTL; when the holder dies the key expires and another replica
// takes over.
type lease struct {
	kv       jetstream.KeyValue
	key      string
	revision uint64
}

// acquireLease waits until this process holds the mailbox's lease.
func (w *Watcher) acquireLease(ctx context.Context) (*lease, error) {
	l := &lease{kv: w.Bus.Leases, key: "lease." + CheckpointKey(w.Account.Name, w.label)}
	logged := false
	for {
		rev, err := l.kv.Create(ctx, l.key, []byte(instance))
		if err == nil {
			l.revision = rev
			return l, nil
		}
		if ctx.Err() != nil {
			// Stopped while asking: the server may have created the lease
			// all the same. Leave none behind for the next start to wait on.
			l.releaseIfOurs()
			return nil, ctx.Err()
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("acquire lease %s: %w", l.key, err)
		}
		if !logged {
			w.Log.Info("another replica watches this mailbox; standing by")
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(bus.LeaseTTL / 3):
		}
	}
}

// hold renews the lease until ctx is done, then releases it. If a renewal
// fails, lost is called: the session must end, since another replica may
// take the mailbox over.
func (l *lease) hold(ctx context.Context, lost func(error)) {
	t := time.NewTicker(bus.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.release()
			return
		case <-t.C:
			rev, err := l.kv.Update(ctx, l.key, []byte(instance), l.revision)
			if err != nil {
				if ctx.Err() == nil {
					lost(fmt.Errorf("lease %s lost: %w", l.key, err))
				}
				return
			}
			l.revision = rev
		}
	}
}

// release deletes the lease if it is still the one this holder wrote, so
// another replica (or the next start) takes the mailbox at once.
func (l *lease) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.revision))
}

// releaseIfOurs deletes the lease if this process holds it.
func (l *lease) releaseIfOurs() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := l.kv.Get(ctx, l.key)
	if err == nil && string(e.Value()) == instance {
		_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(e.Revision()))
	}
}
