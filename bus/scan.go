package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stored is one event as the stream holds it.
type Stored struct {
	Subject string
	Seq     uint64
	Time    time.Time // when the stream stored it
	Data    []byte
}

// Scan calls fn, in stream order, with every event on a subject matching
// filter stored at or after since (zero: from the start) and up to the
// stream's last message when Scan began; it stops early when fn returns
// an error, which it returns. It reads with an ordered consumer, so it
// needs no durable state and takes nothing from the stages.
func (b *Bus) Scan(ctx context.Context, filter string, since time.Time, fn func(Stored) error) error {
	info, err := b.Stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return fmt.Errorf("stream info: %w", err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 || last == 0 {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if !since.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := b.Stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("read %s: %w", filter, err)
	}
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("read %s: %w", filter, err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			md, err := msg.Metadata()
			if err != nil {
				return fmt.Errorf("read %s: %w", filter, err)
			}
			if err := fn(Stored{Subject: msg.Subject(), Seq: md.Sequence.Stream, Time: md.Timestamp, Data: msg.Data()}); err != nil {
				return err
			}
			if md.Sequence.Stream >= last || md.NumPending == 0 {
				return nil
			}
		}
		if err := batch.Error(); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		if n == 0 {
			return nil // nothing more within the wait: the rest aged out
		}
	}
}
