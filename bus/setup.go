package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options sizes the stream and buckets. Zero fields mean the defaults noted.
type Options struct {
	MaxAge          time.Duration // default 30 days
	MaxBytes        int64         // default 10 GiB
	DuplicateWindow time.Duration // default 2h
	InlineMax       int           // default 32 KiB (BenchmarkBlobTransport)
	Replicas        int           // default 1
	MaxDeliver      int           // default 8
	AckWait         time.Duration // default 60s
	// Memory keeps everything in memory (tests); file storage otherwise.
	Memory bool
}

func (o Options) withDefaults() Options {
	if o.MaxAge == 0 {
		o.MaxAge = 30 * 24 * time.Hour
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = 10 << 30
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = 2 * time.Hour
	}
	if o.InlineMax == 0 {
		o.InlineMax = 32 << 10
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.MaxDeliver == 0 {
		o.MaxDeliver = 8
	}
	if o.AckWait == 0 {
		o.AckWait = 60 * time.Second
	}
	return o
}

// LeaseTTL is how long a mailbox lease outlives its last renewal: the time
// another ingest replica waits to take over from one that died.
const LeaseTTL = 30 * time.Second

// Bus is a connection to JetStream with the MAIL stream and the buckets
// the stages share.
type Bus struct {
	NC          *nats.Conn
	JS          jetstream.JetStream
	Stream      jetstream.Stream
	Checkpoints jetstream.KeyValue
	Seen        jetstream.KeyValue
	Junk        jetstream.KeyValue
	Leases      jetstream.KeyValue
	Raw         jetstream.ObjectStore
	Opts        Options
}

// Open creates or updates the stream and buckets (idempotent, safe to run
// from every process at start) and returns the Bus.
func Open(ctx context.Context, nc *nats.Conn, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	storage := jetstream.FileStorage
	if opts.Memory {
		storage = jetstream.MemoryStorage
	}
	b := &Bus{NC: nc, JS: js, Opts: opts}
	b.Stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "mailassist events; see docs/events.md",
		Subjects:    []string{subjectWildcard},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      opts.MaxAge,
		MaxBytes:    opts.MaxBytes,
		Duplicates:  opts.DuplicateWindow,
		Storage:     storage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w", StreamName, err)
	}
	b.Checkpoints, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      CheckpointsKV,
		Description: "ingest checkpoints {uidvalidity,last_uid} per account and mailbox",
		History:     5,
		Storage:     storage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create kv %s: %w", CheckpointsKV, err)
	}
	b.Seen, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SeenKV,
		Description: "Message-IDs already ingested, per account, for UIDVALIDITY resyncs",
		TTL:         opts.MaxAge,
		Storage:     storage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create kv %s: %w", SeenKV, err)
	}
	b.Junk, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      JunkKV,
		Description: "Message-IDs in Junk, and those the pipeline moved there, per account (user-move feedback)",
		TTL:         opts.MaxAge,
		Storage:     storage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create kv %s: %w", JunkKV, err)
	}
	b.Leases, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      LeasesKV,
		Description: "which ingest replica watches which mailbox; a lease not renewed expires",
		TTL:         LeaseTTL,
		Storage:     storage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create kv %s: %w", LeasesKV, err)
	}
	b.Raw, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      RawObjects,
		Description: "raw messages and drafts too large to travel inline",
		TTL:         opts.MaxAge,
		Storage:     storage,
		Replicas:    opts.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("create object store %s: %w", RawObjects, err)
	}
	return b, nil
}

// consumerConfig is the durable pull consumer of one stage.
func (b *Bus) consumerConfig(durable string, filters []string, maxAckPending, maxDeliver int) jetstream.ConsumerConfig {
	if maxAckPending <= 0 {
		maxAckPending = 1000
	}
	return jetstream.ConsumerConfig{
		Durable:        durable,
		Description:    "mailassist stage " + durable,
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        b.Opts.AckWait,
		MaxDeliver:     maxDeliver,
		MaxAckPending:  maxAckPending,
		Replicas:       b.Opts.Replicas,
	}
}

// EnsureConsumer creates or updates a stage's durable consumer.
func (b *Bus) EnsureConsumer(ctx context.Context, durable string, filters ...string) (jetstream.Consumer, error) {
	return b.ensureConsumer(ctx, durable, filters, 0, b.Opts.MaxDeliver)
}

func (b *Bus) ensureConsumer(ctx context.Context, durable string, filters []string, maxAckPending, maxDeliver int) (jetstream.Consumer, error) {
	c, err := b.JS.CreateOrUpdateConsumer(ctx, StreamName, b.consumerConfig(durable, filters, maxAckPending, maxDeliver))
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", durable, err)
	}
	return c, nil
}
