package ingest

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// The leases a process holds are renewed by one goroutine, each a third
// of bus.LeaseTTL after its last renewal was due: the renewals due at
// once go out together as asynchronous publishes (at most renewBatch),
// and their answers are collected after. A goroutine per lease, each
// renewing on its own ticker with a request of its own, put a thousand
// accounts' renewals in flight at once whenever the server slowed down
// (a burst of new mail): 985 requests queued on the NATS connection's
// lock and its replies, ahead of the pipeline's own requests — the
// checkpoint reads of the watchers that had news among them — and a
// thousand goroutines' stacks.

// renewEvery is how often a lease is renewed.
const renewEvery = bus.LeaseTTL / 3

// renewWait is how long a renewal waits for its answer: past it, the
// lease may have expired.
const renewWait = bus.LeaseTTL / 2

// renewBatch bounds the renewals sent together.
const renewBatch = 512

// renewals renews every lease of the process.
var renewals = &renewer{}

// renewer keeps the leases held by when each is next due.
type renewer struct {
	mu      sync.Mutex
	held    map[string]bool // keys reserved: their lease is being taken or held
	due     dueLeases
	wake    chan struct{} // a lease was added while the loop sleeps
	running bool
}

// add schedules l's first renewal a period from now.
func (r *renewer) add(l *lease) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l.next = time.Now().Add(renewEvery) // l.key is reserved (acquireLease)
	heap.Push(&r.due, l)
	if !r.running {
		r.running = true
		r.wake = make(chan struct{}, 1)
		go r.loop()
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// remove stops renewing l and waits for a renewal of it in flight.
func (r *renewer) remove(l *lease) {
	r.mu.Lock()
	if l.index >= 0 {
		heap.Remove(&r.due, l.index)
	}
	l.removed = true
	delete(r.held, l.key)
	r.mu.Unlock()
	l.mu.Lock() // held by a renewal in flight
	l.mu.Unlock()
}

// reserve reserves key for a session that tries to take its lease, and
// reports false when another session of this process holds or tries for
// it. The reservation lasts until unreserve, or until the lease taken is
// removed.
func (r *renewer) reserve(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held[key] {
		return false
	}
	if r.held == nil {
		r.held = map[string]bool{}
	}
	r.held[key] = true
	return true
}

// unreserve ends a reservation whose lease was not taken.
func (r *renewer) unreserve(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.held, key)
}

// loop renews the leases as they fall due, and ends when none is left.
func (r *renewer) loop() {
	for {
		r.mu.Lock()
		if r.due.Len() == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		now := time.Now()
		if wait := r.due[0].next.Sub(now); wait > 0 {
			wake := r.wake
			r.mu.Unlock()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-wake:
				t.Stop()
			}
			continue
		}
		var batch []*lease
		for r.due.Len() > 0 && len(batch) < renewBatch && !r.due[0].next.After(now) {
			l := heap.Pop(&r.due).(*lease)
			l.mu.Lock() // free: a lease in due has no renewal in flight
			batch = append(batch, l)
		}
		r.mu.Unlock()
		held := renew(batch)
		r.mu.Lock()
		now = time.Now()
		for i, l := range batch {
			if !held[i] || l.removed {
				continue
			}
			if l.next = l.next.Add(renewEvery); l.next.Before(now) {
				l.next = now // renewals fell behind: no catching up in a burst
			}
			heap.Push(&r.due, l)
		}
		r.mu.Unlock()
	}
}

// renew renews the leases of batch (their mu held, and released here)
// and reports which are still held. A renewal that fails ends its lease's
// session: another replica may take the mailbox over. A renewal is not
// cut short by its session's end, so that the release that follows knows
// the lease's last revision.
func renew(batch []*lease) []bool {
	held := make([]bool, len(batch))
	futures := make([]jetstream.PubAckFuture, len(batch))
	errs := make([]error, len(batch))
	for i, l := range batch {
		if l.ctx.Err() != nil {
			continue // its session ended: release follows
		}
		msg := &nats.Msg{Subject: bus.KVSubject(bus.LeasesKV, l.key), Data: []byte(instance)}
		futures[i], errs[i] = l.js.PublishMsgAsync(msg, jetstream.WithExpectLastSequencePerSubject(l.revision))
	}
	ctx, cancel := context.WithTimeout(context.Background(), renewWait)
	defer cancel()
	for i, l := range batch {
		if f := futures[i]; f != nil && errs[i] == nil {
			var ack *jetstream.PubAck
			select { // an answer that came wins over the time that ran out
			case ack = <-f.Ok():
			case errs[i] = <-f.Err():
			default:
				select {
				case ack = <-f.Ok():
				case errs[i] = <-f.Err():
				case <-ctx.Done():
					errs[i] = fmt.Errorf("no answer within %s", renewWait)
				}
			}
			if ack != nil {
				l.revision, held[i] = ack.Sequence, true
			}
		}
		if errs[i] != nil && l.ctx.Err() == nil {
			l.lost(fmt.Errorf("lease %s lost: %w", l.key, errs[i]))
		}
		l.mu.Unlock()
	}
	return held
}

// dueLeases is a min-heap of leases by next renewal.
type dueLeases []*lease

func (d dueLeases) Len() int           { return len(d) }
func (d dueLeases) Less(i, j int) bool { return d[i].next.Before(d[j].next) }
func (d dueLeases) Swap(i, j int) {
	d[i], d[j] = d[j], d[i]
	d[i].index, d[j].index = i, j
}
func (d *dueLeases) Push(x any) {
	l := x.(*lease)
	l.index = len(*d)
	*d = append(*d, l)
}
func (d *dueLeases) Pop() any {
	old := *d
	l := old[len(old)-1]
	old[len(old)-1] = nil
	l.index = -1
	*d = old[:len(old)-1]
	return l
}
