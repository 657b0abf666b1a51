package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"mailassist/bus"
)

// instance names this process in the leases it holds.
var instance = nuid.Next()

// lease is one watcher's claim on a mailbox, so that of several ingest
// replicas exactly one watches it. The process renews it every third of
// bus.LeaseTTL (renew.go); when the holder dies the key expires and
// another replica takes over.
type lease struct {
	kv  jetstream.KeyValue
	js  jetstream.JetStream // renewals publish to the bucket's stream
	key string

	// While held (run): the session's context, and lost ends it.
	ctx  context.Context
	lost func(error)

	mu       sync.Mutex // held by a renewal in flight
	revision uint64

	// The renewer's, under its mu.
	next    time.Time
	index   int // in renewer.due; -1 when not there
	removed bool
}

// acquireLease waits until this process holds the mailbox's lease. It
// tries only while no other session of this process holds or tries for
// the key (renewer.reserve), so that a lease found written by this
// process is one none of its sessions holds. The lease it returns is
// reserved: run it.
func (w *Watcher) acquireLease(ctx context.Context) (*lease, error) {
	l := &lease{kv: w.Bus.Leases, js: w.Bus.JS, key: "lease." + CheckpointKey(w.Account.Name, w.label), index: -1}
	logged := false
	for {
		if renewals.reserve(l.key) {
			ok, err := l.take(ctx, w)
			if ok {
				return l, nil
			}
			renewals.unreserve(l.key)
			if err != nil {
				return nil, err
			}
		}
		if !logged {
			w.Log.Info("another replica watches this mailbox; standing by")
			logged = true
		}
		poll := bus.LeaseTTL / 3
		if w.Alive != nil {
			poll = HeartbeatEvery
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// take creates the lease, or takes over one that no session holds any
// more (takeLeftOver), and reports whether it holds it now.
func (l *lease) take(ctx context.Context, w *Watcher) (bool, error) {
	rev, err := l.kv.Create(ctx, l.key, []byte(instance))
	if err == nil {
		l.revision = rev
		return true, nil
	}
	if ctx.Err() != nil {
		// Stopped while asking: the server may have created the lease
		// all the same. Leave none behind for the next start to wait on.
		l.releaseIfOurs()
		return false, ctx.Err()
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return false, fmt.Errorf("acquire lease %s: %w", l.key, err)
	}
	return l.takeLeftOver(ctx, w), nil
}

// run runs session while holding the lease, and ends it when the lease
// is lost (its error is then the loss); then it releases the lease.
func (l *lease) run(ctx context.Context, session func(context.Context) error) error {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l.ctx, l.lost = sctx, cancel
	renewals.add(l)
	err := session(sctx)
	cancel(nil)
	renewals.remove(l)
	if cause := context.Cause(sctx); ctx.Err() == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // lost: another replica may hold it now
	}
	l.release()
	return err
}

// release deletes the lease if it is still the one this holder wrote, so
// another replica (or the next start) takes the mailbox at once.
func (l *lease) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.revision))
}

// releaseIfOurs deletes the lease if this process holds it. It follows a
// Create that was cut short, whose write may still be on its way: a read
// could overtake that write, but the stream stores one connection's
// writes in the order they came, so one more Create is answered only
// after the first was stored or refused.
func (l *lease) releaseIfOurs() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if rev, err := l.kv.Create(ctx, l.key, []byte(instance)); err == nil {
		_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev))
		return
	}
	e, err := l.kv.Get(ctx, l.key)
	if err == nil && string(e.Value()) == instance {
		_ = l.kv.Delete(ctx, l.key, jetstream.LastRevision(e.Revision()))
	}
}

// takeLeftOver takes over, without waiting for it to expire, a lease
// that no session holds any more: one of this process (the caller has
// the key reserved, so no other session of it holds it: a session that
// lost its lease to a renewal the server answered too late, or that was
// stopped before it could release it), or one whose holder is no longer
// a live ingest replica (w.Alive).
func (l *lease) takeLeftOver(ctx context.Context, w *Watcher) bool {
	e, err := l.kv.Get(ctx, l.key)
	if err != nil {
		return false
	}
	holder := string(e.Value())
	ours := holder == instance
	if !ours && (w.Alive == nil || w.Alive(holder)) {
		return false
	}
	rev, err := l.kv.Update(ctx, l.key, []byte(instance), e.Revision())
	if err != nil {
		return false
	}
	l.revision = rev
	if ours {
		w.Log.Info("took back a lease this process had left")
	} else {
		w.Log.Info("took the lease over from a replica that is gone", "from", holder)
	}
	return true
}
