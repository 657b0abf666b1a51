package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A backlog — a first sync of a large folder, a resync — is not poured
// onto the bus at once: ingest publishes it a chunk at a time, each when
// the stages have room (Pacer.Room), so that the pipeline holds at most
// Options.BacklogWindow messages in flight, and the rest waits on the
// IMAP server, which is the archive. New mail is never paced: it is
// published at once and finds at most that window ahead of it, however
// large the backlog. And what is in flight — on the bus, in the stages'
// memory, in the data directory — stays bounded whatever the backlog.

// PipelineConsumers are the stage consumers whose work a backlog waits
// for: every message passes spam, reply (its verdict) and, for the spam
// and the drafts, apply. Escalations are too few to count, and wait for
// a language model that may be slow.
var PipelineConsumers = []string{"spam", "reply", "apply"}

// DefaultBacklogWindow is the default of Options.BacklogWindow.
const DefaultBacklogWindow = 500

// paceEvery is how often a Pacer asks JetStream for the consumers' state.
const paceEvery = 100 * time.Millisecond

// Pacer tells ingest when the stages have room for more backlog. One per
// process (Bus.Pacer), shared by every watcher.
type Pacer struct {
	b         *Bus
	consumers []string
	window    int

	mu       sync.Mutex
	at       time.Time // of the last look
	inFlight int       // then, plus what was admitted since
	warned   bool      // an error was reported
}

// Pacer returns the process's pacer of backlogs.
func (b *Bus) Pacer() *Pacer {
	b.paceOnce.Do(func() {
		b.pacer = &Pacer{b: b, consumers: PipelineConsumers, window: b.Opts.BacklogWindow}
	})
	return b.pacer
}

// Admit reports whether n more messages of a backlog may be published
// now, and counts them in if so: while fewer than the window are pending
// or unacknowledged in the pipeline's consumers (a consumer not created
// yet counts as empty). A pacer that cannot ask JetStream (no
// permission, no answer) admits: pacing bounds the backlog in flight,
// and the stages still bound what they take; the first such error is
// returned, for the log.
func (p *Pacer) Admit(ctx context.Context, n int) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.at) >= paceEvery {
		total, err := p.look(ctx)
		p.at = time.Now()
		if err != nil {
			if p.warned || ctx.Err() != nil {
				return true, nil
			}
			p.warned = true
			return true, fmt.Errorf("backlog pacing: read the stage consumers: %w", err)
		}
		p.inFlight = total
	}
	if p.inFlight > 0 && p.inFlight+n > p.window {
		return false, nil
	}
	p.inFlight += n
	return true, nil
}

// look sums what the pipeline's consumers have pending or unacknowledged.
func (p *Pacer) look(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	total := 0
	for _, name := range p.consumers {
		c, err := p.b.JS.Consumer(ctx, StreamName, name)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		info := c.CachedInfo()
		total += int(info.NumPending) + info.NumAckPending
	}
	return total, nil
}
