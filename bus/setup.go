package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/outage"
	"mailassist/setting"
)

// Options sizes the stream and buckets. Zero fields mean the defaults noted.
type Options struct {
	MaxAge time.Duration // default 30 days
	// RawMaxAge is how long raw mail stays on the bus (mail_bodies and
	// mail_raw): default a day.
	RawMaxAge       time.Duration
	MaxBytes        int64         // default 10 GiB
	DuplicateWindow time.Duration // default 2h
	InlineMax       int           // default 256 KiB (BenchmarkBlobTransport)
	Replicas        int           // default 1
	MaxDeliver      int           // default 8
	AckWait         time.Duration // default 60s
	// BacklogWindow bounds the messages of a backlog in flight in the
	// pipeline's stages (pace.go). Default 500.
	BacklogWindow int
	// Memory keeps everything in memory (tests); file storage otherwise.
	Memory bool
}

func (o Options) withDefaults() Options {
	setDefault(&o.MaxAge, DefaultMaxAge)
	setDefault(&o.RawMaxAge, DefaultRawMaxAge)
	setDefault(&o.MaxBytes, DefaultMaxBytes)
	setDefault(&o.DuplicateWindow, DefaultDuplicateWindow)
	setDefault(&o.InlineMax, DefaultInlineMax)
	setDefault(&o.Replicas, DefaultReplicas)
	setDefault(&o.MaxDeliver, DefaultMaxDeliver)
	setDefault(&o.AckWait, DefaultAckWait)
	setDefault(&o.BacklogWindow, DefaultBacklogWindow)
	return o
}

// LeaseTTL is how long a mailbox lease outlives its last renewal: the time
// another ingest replica (or the restart of one that was killed) waits to
// take over from one that died. Its holder renews it every LeaseTTL/3 and
// deletes it when it stops, so a clean stop hands over at once.
const LeaseTTL = 6 * time.Second

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
	// Bodies holds raw mail up to Options.InlineMax, Raw larger mail
	// (raw.go).
	Bodies jetstream.KeyValue
	Raw    jetstream.ObjectStore
	// Failures counts, per stage and message, the failures that count
	// towards max_deliver (failures.go).
	Failures jetstream.KeyValue
	Opts     Options
	// Outages tracks the servers this process depends on; nil ignores
	// reports. While DependencyStorage is down, stages pull nothing.
	Outages *outage.Tracker

	failures *failures
	paceOnce sync.Once
	pacer    *Pacer
	replayKV jetstream.KeyValue // opened on first use (deadletters.go)
}

// DependencyStorage names the bus's storage in the outage tracker: down
// while JetStream cannot write (disk full); stages stop pulling then.
const DependencyStorage = "storage"

// DependencyNATS names the NATS connection in the outage tracker.
const DependencyNATS = "nats"

// Open creates or updates the stream and buckets (idempotent, safe to run
// from every process at start) and returns the Bus.
func Open(ctx context.Context, nc *nats.Conn, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	b := &Bus{NC: nc, JS: js, Opts: opts}
	b.Stream, err = b.ensureStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "mailassist events; see docs/events.md",
		Subjects:    []string{subjectWildcard},
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      opts.MaxAge,
		MaxBytes:    opts.MaxBytes,
		Duplicates:  opts.DuplicateWindow,
		Storage:     b.storage(),
		Replicas:    opts.Replicas,
	})
	if outage.IsStorageFull(err) {
		return nil, fmt.Errorf("create stream %s: the NATS server cannot reserve stream.max_bytes (%s): lower stream.max_bytes, or give the server more storage (its jetstream max_file_store): %w",
			StreamName, setting.ByteSize(opts.MaxBytes), err)
	}
	if err != nil {
		return nil, err
	}
	if b.Checkpoints, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      CheckpointsKV,
		Description: "ingest checkpoints {uidvalidity,last_uid} per account and mailbox",
		History:     5,
	}); err != nil {
		return nil, err
	}
	if b.Seen, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      SeenKV,
		Description: "Message-IDs already ingested, per account, for UIDVALIDITY resyncs",
		TTL:         opts.MaxAge,
	}); err != nil {
		return nil, err
	}
	if b.Junk, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      JunkKV,
		Description: "Message-IDs in Junk, and those the pipeline moved there, per account (user-move feedback)",
		TTL:         opts.MaxAge,
	}); err != nil {
		return nil, err
	}
	if b.Leases, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      LeasesKV,
		Description: "which ingest replica watches which mailbox; a lease not renewed expires",
		TTL:         LeaseTTL,
	}); err != nil {
		return nil, err
	}
	if b.Failures, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      FailuresKV,
		Description: "per stage and stream sequence: failures that count towards max_deliver (outages do not)",
		TTL:         opts.MaxAge,
	}); err != nil {
		return nil, err
	}
	b.failures = newFailures(b.Failures)
	if b.Bodies, err = b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      BodiesKV,
		Description: "raw messages and drafts by identity, kept for stream.raw_max_age",
		TTL:         opts.RawMaxAge,
		Compression: true,
	}); err != nil {
		return nil, err
	}
	if b.Raw, err = b.ObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      RawObjects,
		Description: "raw messages and drafts larger than stream.inline_max, kept for stream.raw_max_age",
		TTL:         opts.RawMaxAge,
		Compression: true,
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// Attach looks the stream and the buckets up without creating or changing
// anything — only reads — for tools that must work while the stream cannot
// store (status, deadletter list). A bucket that does not exist is nil.
func Attach(ctx context.Context, nc *nats.Conn, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	b := &Bus{NC: nc, JS: js, Opts: opts}
	if b.Stream, err = js.Stream(ctx, StreamName); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil, fmt.Errorf("stream %s does not exist yet: start mailassist run (or any role) first", StreamName)
		}
		return nil, fmt.Errorf("look up stream %s: %w", StreamName, err)
	}
	for name, kv := range map[string]*jetstream.KeyValue{
		CheckpointsKV: &b.Checkpoints, SeenKV: &b.Seen, JunkKV: &b.Junk, LeasesKV: &b.Leases, FailuresKV: &b.Failures,
		BodiesKV: &b.Bodies,
	} {
		*kv, err = js.KeyValue(ctx, name)
		if err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil, fmt.Errorf("look up %s: %w", name, err)
		}
	}
	return b, nil
}

// KeyValue creates or updates a KV bucket with the bus's storage and
// replicas (what cfg says of those is replaced). Stages open their own
// buckets with it. A bucket that already has these settings is only
// opened, which needs no permission to change it (see Permissions).
func (b *Bus) KeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	cfg.Storage, cfg.Replicas = b.storage(), b.Opts.Replicas
	ok, err := b.upToDate(ctx, "KV_"+cfg.Bucket, func(sc jetstream.StreamConfig) bool {
		return sc.Description == cfg.Description && sc.MaxMsgsPerSubject == int64(max(cfg.History, 1)) &&
			sc.MaxAge == cfg.TTL && sc.Storage == cfg.Storage && sc.Replicas == cfg.Replicas &&
			(sc.Compression == jetstream.S2Compression) == cfg.Compression
	})
	if ok {
		kv, err := b.JS.KeyValue(ctx, cfg.Bucket)
		if err != nil {
			return nil, fmt.Errorf("open kv %s: %w", cfg.Bucket, err)
		}
		return kv, nil
	}
	if err != nil {
		return nil, err
	}
	kv, err := b.JS.CreateOrUpdateKeyValue(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create kv %s: %w%s", cfg.Bucket, err, permissionHint(err))
	}
	return kv, nil
}

// ObjectStore is KeyValue for an object store.
func (b *Bus) ObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	cfg.Storage, cfg.Replicas = b.storage(), b.Opts.Replicas
	ok, err := b.upToDate(ctx, "OBJ_"+cfg.Bucket, func(sc jetstream.StreamConfig) bool {
		return sc.Description == cfg.Description && sc.MaxAge == cfg.TTL && sc.Storage == cfg.Storage && sc.Replicas == cfg.Replicas &&
			(sc.Compression == jetstream.S2Compression) == cfg.Compression
	})
	if ok {
		store, err := b.JS.ObjectStore(ctx, cfg.Bucket)
		if err != nil {
			return nil, fmt.Errorf("open object store %s: %w", cfg.Bucket, err)
		}
		return store, nil
	}
	if err != nil {
		return nil, err
	}
	store, err := b.JS.CreateOrUpdateObjectStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create object store %s: %w%s", cfg.Bucket, err, permissionHint(err))
	}
	return store, nil
}

// ensureStream opens the stream of cfg, creating or updating it only when
// it is missing or its settings differ.
func (b *Bus) ensureStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	ok, err := b.upToDate(ctx, cfg.Name, func(sc jetstream.StreamConfig) bool {
		return sc.Description == cfg.Description && slices.Equal(sc.Subjects, cfg.Subjects) &&
			sc.Retention == cfg.Retention && sc.Discard == cfg.Discard && sc.MaxAge == cfg.MaxAge &&
			sc.MaxBytes == cfg.MaxBytes && sc.Duplicates == cfg.Duplicates && sc.Storage == cfg.Storage &&
			sc.Replicas == cfg.Replicas
	})
	if ok {
		s, err := b.JS.Stream(ctx, cfg.Name)
		if err != nil {
			return nil, fmt.Errorf("open stream %s: %w", cfg.Name, err)
		}
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := b.JS.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create stream %s: %w%s", cfg.Name, err, permissionHint(err))
	}
	return s, nil
}

// upToDate reports whether the stream called name exists with the
// settings same checks.
func (b *Bus) upToDate(ctx context.Context, name string, same func(jetstream.StreamConfig) bool) (bool, error) {
	s, err := b.JS.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stream %s: %w", name, err)
	}
	return same(s.CachedInfo().Config), nil
}

// permissionHint explains a JetStream request that got no answer: the
// server drops a request the credentials may not make.
func permissionHint(err error) string {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return " (no answer: if these credentials are a role's, an admin creates the stream and buckets first: mailassist setup)"
	}
	return ""
}

func (b *Bus) storage() jetstream.StorageType {
	if b.Opts.Memory {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

// consumerConfig is the durable pull consumer of one stage.
func (b *Bus) consumerConfig(durable string, filters []string, maxAckPending, maxDeliver int) jetstream.ConsumerConfig {
	if maxAckPending <= 0 {
		maxAckPending = 1000
	}
	cc := jetstream.ConsumerConfig{
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
	if len(filters) == 1 {
		// One filter goes in the create request's subject, so that a
		// role's permissions can pin the filter (Permissions.Consume).
		cc.FilterSubject, cc.FilterSubjects = filters[0], nil
	}
	return cc
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
