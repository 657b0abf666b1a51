package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/backoff"
)

// Handler processes one message. Return nil once every output is published
// and acknowledged; the runner then acks. Return an error wrapped with
// Permanent for input no retry can fix; any other error is retried.
type Handler func(ctx context.Context, d *Delivery) error

// Delivery is one message handed to a Handler.
type Delivery struct {
	Subject    string
	Data       []byte
	Deliveries uint64 // 1 on the first delivery
	StreamSeq  uint64
	MsgID      string
	Log        *slog.Logger
	msg        jetstream.Msg
}

// Stage describes a stage for Run.
type Stage struct {
	// Name is the stage and its durable consumer name.
	Name string
	// Filters are the subjects the consumer takes, e.g. "mail.action.>".
	Filters []string
	Handler Handler
	// Concurrency bounds messages in flight in this process. Default 4.
	Concurrency int
	// Grace is how long work in flight may finish after ctx is done before
	// its context is cancelled. Default 20s.
	Grace time.Duration
	// Backoff bounds the redelivery delay of transient errors.
	// Defaults 1s and 2m.
	BackoffMin, BackoffMax time.Duration
	// FetchWait is how long one pull waits for messages. Default 2s.
	FetchWait time.Duration
	// MaxAckPending bounds the messages in flight across every replica of
	// the stage. Default 1000; 1 makes the stage strictly one at a time.
	MaxAckPending int
	// MaxDeliver overrides Options.MaxDeliver for this stage; -1 retries
	// transient failures for ever (for stages whose work must wait, not be
	// dropped, while a dependency is down).
	MaxDeliver int
}

func (s Stage) withDefaults() Stage {
	if s.Concurrency <= 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.BackoffMin <= 0 {
		s.BackoffMin = time.Second
	}
	if s.BackoffMax <= 0 {
		s.BackoffMax = 2 * time.Minute
	}
	if s.FetchWait <= 0 {
		s.FetchWait = 2 * time.Second
	}
	return s
}

// Run consumes the stage's durable consumer until ctx is done, then stops
// pulling, lets work in flight finish for up to Stage.Grace, cancels what is
// left (those messages are nak'ed and redelivered later) and returns.
func (b *Bus) Run(ctx context.Context, st Stage, log *slog.Logger) error {
	st = st.withDefaults()
	log = log.With("stage", st.Name)
	cons, err := b.ensureConsumer(ctx, st.Name, st.Filters, st.MaxAckPending, st.maxDeliver(b.Opts.MaxDeliver))
	if err != nil {
		return err
	}
	stopAdvisories, err := b.WatchMaxDeliveries(st.Name, log)
	if err != nil {
		return err
	}
	defer stopAdvisories()

	// work is cancelled only after the grace period: phase two.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	slots := make(chan struct{}, st.Concurrency)
	var wg sync.WaitGroup
	log.Info("stage started", "concurrency", st.Concurrency)

	for ctx.Err() == nil {
		if !acquire(ctx, slots) {
			break
		}
		free := 1 + drainSlots(slots, st.Concurrency-1)
		batch, err := cons.Fetch(free, jetstream.FetchMaxWait(st.FetchWait))
		if err != nil {
			releaseSlots(slots, free)
			if ctx.Err() == nil {
				log.Warn("fetch failed", "err", err)
				sleepCtx(ctx, time.Second)
			}
			continue
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			wg.Go(func() {
				defer func() { <-slots }()
				b.handle(work, st, msg, log)
			})
		}
		releaseSlots(slots, free-got)
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			log.Debug("fetch ended", "err", err)
		}
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(st.Grace):
		log.Warn("grace period over, cancelling work in flight", "grace", st.Grace)
		cancelWork()
		<-done
	}
	log.Info("stage stopped")
	return nil
}

func (s Stage) maxDeliver(def int) int {
	if s.MaxDeliver != 0 {
		return s.MaxDeliver
	}
	return def
}

// acquire takes one slot, or reports false when ctx ends first.
func acquire(ctx context.Context, slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// drainSlots takes up to n more free slots without blocking.
func drainSlots(slots chan struct{}, n int) int {
	got := 0
	for ; got < n; got++ {
		select {
		case slots <- struct{}{}:
		default:
			return got
		}
	}
	return got
}

func releaseSlots(slots chan struct{}, n int) {
	for range n {
		<-slots
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// handle runs the handler for one message and settles it: ack, nak with
// backoff, or term plus a dead letter.
func (b *Bus) handle(ctx context.Context, st Stage, msg jetstream.Msg, log *slog.Logger) {
	d := newDelivery(msg, log)
	stageInFlight.WithLabelValues(st.Name).Inc()
	defer stageInFlight.WithLabelValues(st.Name).Dec()

	start := time.Now()
	err := b.callWithHeartbeat(ctx, st, d)
	stageLatency.WithLabelValues(st.Name).Observe(time.Since(start).Seconds())

	switch {
	case err == nil:
		if err := msg.Ack(); err != nil {
			d.Log.Warn("ack failed; message will be redelivered", "err", err)
			return
		}
		stageProcessed.WithLabelValues(st.Name).Inc()
	case ctx.Err() != nil:
		// Shutdown cancelled the work: hand it back untouched.
		_ = msg.Nak()
	case IsPermanent(err):
		stageFailed.WithLabelValues(st.Name, "permanent").Inc()
		b.deadLetter(ctx, st.Name, d, err.Error())
	case st.maxDeliver(b.Opts.MaxDeliver) > 0 && d.Deliveries >= uint64(st.maxDeliver(b.Opts.MaxDeliver)):
		stageFailed.WithLabelValues(st.Name, "transient").Inc()
		b.deadLetter(ctx, st.Name, d, fmt.Sprintf("gave up after %d deliveries: %v", d.Deliveries, err))
	default:
		stageFailed.WithLabelValues(st.Name, "transient").Inc()
		delay, asked := retryDelay(err)
		if !asked {
			delay = backoff.Delay(d.Deliveries, st.BackoffMin, st.BackoffMax)
		}
		d.Log.Warn("transient failure, will retry", "err", err, "delay", delay.Round(time.Millisecond), "deliveries", d.Deliveries)
		if err := msg.NakWithDelay(delay); err != nil {
			d.Log.Warn("nak failed", "err", err)
		}
	}
}

func newDelivery(msg jetstream.Msg, log *slog.Logger) *Delivery {
	d := &Delivery{Subject: msg.Subject(), Data: msg.Data(), Deliveries: 1, msg: msg}
	if md, err := msg.Metadata(); err == nil {
		d.Deliveries = md.NumDelivered
		d.StreamSeq = md.Sequence.Stream
	}
	if h := msg.Headers(); h != nil {
		d.MsgID = h.Get("Nats-Msg-Id")
	}
	d.Log = log.With("account", accountOf(d.Subject), "subject", d.Subject, "seq", d.StreamSeq)
	return d
}

// callWithHeartbeat runs the handler, tells JetStream the message is still
// being worked on every third of AckWait, and turns a panic into a
// permanent error for this one message.
func (b *Bus) callWithHeartbeat(ctx context.Context, st Stage, d *Delivery) (err error) {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(b.Opts.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = d.msg.InProgress()
			}
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			d.Log.Error("handler panicked", "panic", r, "stack", string(debug.Stack()))
			err = Permanentf("panic: %v", r)
		}
	}()
	return st.Handler(ctx, d)
}

// NewDelivery makes a Delivery that no JetStream message backs, for calling
// a Handler directly (tests, tools). Log may be nil.
func NewDelivery(subject string, data []byte, log *slog.Logger) *Delivery {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Delivery{Subject: subject, Data: data, Deliveries: 1, Log: log}
}
