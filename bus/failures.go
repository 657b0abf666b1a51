package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// JetStream counts every delivery of a message, and cannot tell a
// delivery that failed because a server was not there from one that
// failed because the input is bad. So every stage consumer has an
// unbounded MaxDeliver, and the runner keeps its own count, in the
// mail_failures bucket, of the deliveries that count towards
// stages.max_deliver: failures that are not outages, and deliveries whose
// worker vanished without an answer (killed, crashed, hung). Outages and
// RetryAfter waits are recorded but never counted.

// failureRecord is the mail_failures value of one message in one stage.
type failureRecord struct {
	// Failures counts the deliveries that count towards max_deliver.
	Failures int `json:"failures"`
	// Outages counts the deliveries that met an outage or were asked to
	// wait (RetryAfter): never counted.
	Outages int `json:"outages"`
	// Settled is the number of the last delivery a worker answered (nak).
	// A later delivery that finds a gap finds a worker that vanished.
	Settled uint64 `json:"settled"`
	// LastError is the last counted failure.
	LastError string `json:"last_error,omitempty"`
}

func failureKey(stage string, seq uint64) string {
	return stage + "." + strconv.FormatUint(seq, 10)
}

// failures reads and writes the records. Writes that fail (NATS or its
// disk away) are remembered in memory, so that this process does not take
// its own unrecorded answers for a vanished worker.
type failures struct {
	kv      jetstream.KeyValue
	mu      sync.Mutex
	settled map[string]uint64 // key -> delivery answered but not recorded
}

func newFailures(kv jetstream.KeyValue) *failures {
	return &failures{kv: kv, settled: map[string]uint64{}}
}

// load returns the record of d, with the deliveries that ended without an
// answer since the last recorded one counted as failures.
func (f *failures) load(ctx context.Context, stage string, d *Delivery) (failureRecord, error) {
	var rec failureRecord
	if f == nil || d.Deliveries <= 1 || d.StreamSeq == 0 || f.kv == nil {
		return rec, nil
	}
	key := failureKey(stage, d.StreamSeq)
	e, err := f.kv.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return rec, fmt.Errorf("load failure count: %w", err)
	default:
		if err := json.Unmarshal(e.Value(), &rec); err != nil {
			rec = failureRecord{} // unreadable: start counting afresh
		}
	}
	f.mu.Lock()
	if s := f.settled[key]; s > rec.Settled {
		rec.Settled = s
	}
	f.mu.Unlock()
	if gap := d.Deliveries - 1 - min(rec.Settled, d.Deliveries-1); gap > 0 {
		rec.Failures += int(gap)
		rec.Settled = d.Deliveries - 1
		rec.LastError = fmt.Sprintf("%d deliveries ended without an answer (the worker was killed, crashed or hung)", gap)
	}
	return rec, nil
}

// save records rec after delivery n was answered with a nak.
func (f *failures) save(stage string, d *Delivery, rec failureRecord) {
	rec.Settled = d.Deliveries
	if f == nil || f.kv == nil || d.StreamSeq == 0 {
		return
	}
	key := failureKey(stage, d.StreamSeq)
	data, _ := json.Marshal(rec)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.kv.Put(ctx, key, data); err != nil {
		f.remember(key, d.Deliveries)
		return
	}
	f.forget(key)
}

// answered notes that delivery d got an answer (ack or term) that may not
// have reached the server.
func (f *failures) answered(stage string, d *Delivery) {
	if f != nil && d.StreamSeq != 0 {
		f.remember(failureKey(stage, d.StreamSeq), d.Deliveries)
	}
}

// done forgets the record of a message that was acknowledged or
// terminated. Only a redelivered message can have one.
func (f *failures) done(stage string, d *Delivery) {
	if f == nil || d.StreamSeq == 0 {
		return
	}
	key := failureKey(stage, d.StreamSeq)
	f.forget(key)
	if f.kv == nil || d.Deliveries <= 1 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = f.kv.Delete(ctx, key) // left behind, it expires with the stream's max age
}

func (f *failures) remember(key string, delivery uint64) {
	f.mu.Lock()
	f.settled[key] = max(f.settled[key], delivery)
	f.mu.Unlock()
}

func (f *failures) forget(key string) {
	f.mu.Lock()
	delete(f.settled, key)
	f.mu.Unlock()
}
