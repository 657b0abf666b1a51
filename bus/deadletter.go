package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
)

const deadLetterDataMax = 512 << 10

// deadLetter publishes mail.deadletter.<account> for d, then terminates it.
// If the dead letter cannot be published the message is nak'ed instead, so
// nothing is lost: it comes back and the runner tries again.
func (b *Bus) deadLetter(ctx context.Context, stage string, d *Delivery, cause DeadLetterCause, reason string) {
	dl := DeadLetter{
		V: Version, Account: accountOf(d.Subject), Stage: stage, Subject: d.Subject,
		StreamSeq: d.StreamSeq, MsgID: d.MsgID, Deliveries: d.Deliveries, Cause: cause, Reason: reason,
		At: time.Now().UTC(),
	}
	dl.Data, dl.Truncated = clip(d.Data)
	if err := b.publishDeadLetter(ctx, &dl); err != nil {
		d.Log.Error("dead letter not published; will retry the message", "err", err, "reason", reason)
		b.failures.answered(stage, d)
		_ = d.msg.NakWithDelay(10 * time.Second)
		return
	}
	d.Log.Error("dead-lettered", "cause", cause, "reason", reason, "deliveries", d.Deliveries)
	if err := d.msg.TermWithReason(truncate(reason, 200)); err != nil {
		b.failures.answered(stage, d)
		d.Log.Warn("term failed", "err", err)
		return
	}
	b.failures.done(stage, d)
}

func (b *Bus) publishDeadLetter(ctx context.Context, dl *DeadLetter) error {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	id := fmt.Sprintf("deadletter/%s/%d", dl.Stage, dl.StreamSeq)
	if _, err := b.Publish(pctx, Subject(KindDeadLetter, dl.Account), id, dl); err != nil {
		return err
	}
	stageDeadLettered.WithLabelValues(dl.Stage).Inc()
	CountDeadLetter(dl.Account, dl.Cause)
	return nil
}

// maxDeliveriesAdvisory is what JetStream publishes when a message reached
// MaxDeliver without being acknowledged (for example a worker that crashed
// or hung on its last delivery).
type maxDeliveriesAdvisory struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// WatchMaxDeliveries turns the consumer's max-deliveries advisories into
// dead letters. Replicas share a queue group, so one of them handles each.
// The runner's own consumers have no MaxDeliver (it counts failures
// itself); this is for consumers made with EnsureConsumer.
func (b *Bus) WatchMaxDeliveries(stage string, log *slog.Logger) (stop func(), err error) {
	subj := "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + StreamName + "." + stage
	sub, err := b.NC.QueueSubscribe(subj, "mailassist-"+stage, func(m *nats.Msg) {
		var adv maxDeliveriesAdvisory
		if err := json.Unmarshal(m.Data, &adv); err != nil {
			log.Warn("bad max-deliveries advisory", "err", err)
			return
		}
		b.deadLetterAdvisory(stage, adv, log)
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", subj, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

func (b *Bus) deadLetterAdvisory(stage string, adv maxDeliveriesAdvisory, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dl := DeadLetter{
		V: Version, Stage: stage, StreamSeq: adv.StreamSeq, Deliveries: adv.Deliveries, Cause: CauseFailed,
		Reason: fmt.Sprintf("max deliveries (%d) reached without an acknowledgement", adv.Deliveries),
		At:     time.Now().UTC(),
	}
	if raw, err := b.Stream.GetMsg(ctx, adv.StreamSeq); err == nil {
		dl.Subject = raw.Subject
		dl.Account = accountOf(raw.Subject)
		dl.MsgID = raw.Header.Get("Nats-Msg-Id")
		dl.Data, dl.Truncated = clip(raw.Data)
	} else {
		dl.Reason += fmt.Sprintf("; original not readable: %v", err)
	}
	if dl.Account == "" {
		dl.Account = "_unknown"
	}
	if err := b.publishDeadLetter(ctx, &dl); err != nil {
		log.Error("dead letter for max deliveries not published", "seq", adv.StreamSeq, "err", err)
		return
	}
	log.Error("dead-lettered after max deliveries", "seq", adv.StreamSeq, "deliveries", adv.Deliveries)
}

// accountOf returns the account token of mail.<kind>.<account>.
func accountOf(subject string) string {
	if _, account := ParseSubject(subject); account != "" {
		return account
	}
	return "_unknown"
}

func clip(data []byte) ([]byte, bool) {
	if len(data) > deadLetterDataMax {
		return data[:deadLetterDataMax], true
	}
	return data, false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
