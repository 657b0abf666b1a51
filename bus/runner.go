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
	"mailassist/outage"
)

// Handler processes one message. Return nil once every output is published
// and acknowledged; the runner then acks. Return an error wrapped with
// Permanent for input no retry can fix; any other error is retried.
type Handler func(ctx context.Context, d *Delivery) error

// errPanic marks the error a panicking handler is turned into.
var errPanic = errors.New("panic")

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
	// OutageBackoffMax caps the redelivery delay of a message that met an
	// outage, so that work resumes within seconds of the server's return.
	// Default 10s.
	OutageBackoffMax time.Duration
	// MaxDeliver overrides Options.MaxDeliver for this stage: how many
	// failures (not outages, which are never counted) a message may have
	// before it is dead-lettered. -1 never gives up.
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
	if s.OutageBackoffMax <= 0 {
		s.OutageBackoffMax = DefaultOutageBackoffMax
	}
	return s
}

// Run consumes the stage's durable consumer until ctx is done, then stops
// pulling, lets work in flight finish for up to Stage.Grace, cancels what is
// left (those messages are nak'ed and redelivered later) and returns.
func (b *Bus) Run(ctx context.Context, st Stage, log *slog.Logger) error {
	st = st.withDefaults()
	log = log.With("stage", st.Name)
	// JetStream's own MaxDeliver cannot tell an outage from a failure: the
	// runner counts failures itself (failures.go).
	cons, err := b.ensureConsumer(ctx, st.Name, st.Filters, st.MaxAckPending, -1)
	if err != nil {
		return err
	}

	// work is cancelled only after the grace period: phase two.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	slots := make(chan struct{}, st.Concurrency)
	var wg sync.WaitGroup
	log.Info("stage started", "concurrency", st.Concurrency)

	for ctx.Err() == nil {
		if !b.Outages.IsUp(DependencyStorage) {
			// Nothing can be written: pull nothing until storage is back.
			sleepCtx(ctx, time.Second)
			continue
		}
		if !acquire(ctx, slots) {
			break
		}
		free := 1 + drainSlots(slots, st.Concurrency-1)
		batch, err := cons.Fetch(free, jetstream.FetchMaxWait(st.FetchWait))
		if err != nil {
			releaseSlots(slots, free)
			if ctx.Err() == nil {
				if outage.Is(err) {
					log.Debug("fetch failed: nats unavailable", "err", err)
				} else {
					log.Warn("fetch failed", "err", err)
				}
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

// handle runs the handler for one message and settles it: ack; nak with
// a delay for an outage (never counted) or a failure (counted towards
// the stage's max_deliver); or term plus a dead letter.
func (b *Bus) handle(ctx context.Context, st Stage, msg jetstream.Msg, log *slog.Logger) {
	d := newDelivery(msg, log)
	stageInFlight.WithLabelValues(st.Name).Inc()
	defer stageInFlight.WithLabelValues(st.Name).Dec()

	rec, err := b.failures.load(ctx, st.Name, d)
	if err != nil {
		// Without the count the message cannot be judged: hand it back.
		d.Log.Debug("failure count unreadable; retrying later", "err", err)
		b.nak(st, d, rec, b.outageDelay(st, d.Deliveries))
		return
	}
	if limit := st.maxDeliver(b.Opts.MaxDeliver); limit > 0 && rec.Failures >= limit {
		b.giveUp(ctx, st, d, rec)
		return
	}

	start := time.Now()
	err = b.callWithHeartbeat(ctx, st, d)
	stageLatency.WithLabelValues(st.Name).Observe(time.Since(start).Seconds())
	b.settle(ctx, st, d, rec, err)
}

// settle answers the delivery according to the handler's result.
func (b *Bus) settle(ctx context.Context, st Stage, d *Delivery, rec failureRecord, err error) {
	account := accountOf(d.Subject)
	switch {
	case err == nil:
		if err := d.msg.Ack(); err != nil {
			b.failures.answered(st.Name, d)
			d.Log.Debug("ack failed; the message will be redelivered", "err", err)
			return
		}
		b.failures.done(st.Name, d)
		stageProcessed.WithLabelValues(st.Name).Inc()
		b.Outages.Up(stageDependency(st.Name, account))
	case ctx.Err() != nil:
		// Shutdown cancelled the work: hand it back, not counted.
		b.nak(st, d, rec, 0)
	case IsPermanent(err):
		stageFailed.WithLabelValues(st.Name, "permanent").Inc()
		cause := CauseInvalid
		if errors.Is(err, errPanic) {
			cause = CausePanic
		}
		b.deadLetter(ctx, st.Name, d, cause, err.Error())
	case isWait(err):
		// An outage, or the handler asked to wait: never counted.
		stageFailed.WithLabelValues(st.Name, "outage").Inc()
		rec.Outages++
		delay, asked := retryDelay(err)
		if !asked {
			delay = b.outageDelay(st, uint64(rec.Outages))
			b.outageDown(st.Name, account, err)
		}
		d.Log.Debug("waiting, will retry", "err", err, "delay", delay.Round(time.Millisecond), "deliveries", d.Deliveries)
		b.nak(st, d, rec, delay)
	default:
		stageFailed.WithLabelValues(st.Name, "transient").Inc()
		rec.Failures++
		rec.LastError = err.Error()
		if limit := st.maxDeliver(b.Opts.MaxDeliver); limit > 0 && rec.Failures >= limit {
			b.giveUp(ctx, st, d, rec)
			return
		}
		delay := backoff.Delay(uint64(rec.Failures), st.BackoffMin, st.BackoffMax)
		d.Log.Warn("failed, will retry", "err", err, "delay", delay.Round(time.Millisecond), "failures", rec.Failures, "deliveries", d.Deliveries)
		b.nak(st, d, rec, delay)
	}
}

// isWait reports whether err asks the message to wait rather than fail:
// an outage (outage.Is) or an explicit RetryAfter.
func isWait(err error) bool {
	_, asked := retryDelay(err)
	return asked || outage.Is(err)
}

// outageDown reports the outage behind err to the tracker: the server err
// names, or else the stage and account that wait. Storage that is full
// also pauses pulling (see Run).
func (b *Bus) outageDown(stage, account string, err error) {
	if outage.IsStorageFull(err) {
		b.Outages.Down(DependencyStorage, err)
	}
	if name := outage.Of(err); name != "" {
		b.Outages.Down(name, err)
		return
	}
	b.Outages.Down(stageDependency(stage, account), err)
}

// stageDependency names, in the outage tracker, what a stage waits for in
// an account when the error does not say which server it is.
func stageDependency(stage, account string) string { return "stage " + stage + " " + account }

// outageDelay is the redelivery delay of the n-th delivery that met an
// outage: capped low, so that work resumes within seconds of the server
// coming back.
func (b *Bus) outageDelay(st Stage, n uint64) time.Duration {
	return backoff.Delay(n, st.BackoffMin, min(st.BackoffMax, st.OutageBackoffMax))
}

// nak hands the message back for redelivery after delay, recording the
// answer so that the next delivery knows this one was not a vanished
// worker.
func (b *Bus) nak(st Stage, d *Delivery, rec failureRecord, delay time.Duration) {
	b.failures.save(st.Name, d, rec)
	var err error
	if delay > 0 {
		err = d.msg.NakWithDelay(delay)
	} else {
		err = d.msg.Nak()
	}
	if err != nil {
		d.Log.Debug("nak failed; the message will be redelivered after ack_wait", "err", err)
	}
}

// giveUp dead-letters a message whose counted failures reached the
// stage's max_deliver.
func (b *Bus) giveUp(ctx context.Context, st Stage, d *Delivery, rec failureRecord) {
	reason := fmt.Sprintf("gave up after %d deliveries: %s", rec.Failures, rec.LastError)
	if rec.Outages > 0 {
		reason += fmt.Sprintf(" (%d more deliveries met an outage and were not counted)", rec.Outages)
	}
	b.deadLetter(ctx, st.Name, d, CauseFailed, reason)
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
			err = Permanent(fmt.Errorf("%w: %v", errPanic, r))
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
