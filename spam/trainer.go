package spam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/bus"
)

// TrainedBucket records which feedback each account's model has learnt.
const TrainedBucket = "spam_trained"

var trained = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mailassist_spam_trained_total",
	Help: "Feedback messages the spam model learnt from, by label.",
}, []string{"label"})

func init() { // exported at 0 from the start
	for _, l := range []bus.Label{bus.LabelSpam, bus.LabelHam} {
		trained.WithLabelValues(string(l))
	}
}

// Trainer learns from mail.feedback: each feedback message is learnt
// exactly once, however often it is delivered. Its consumer lets one
// message be in flight across all replicas, so a save never races another.
type Trainer struct {
	Bus    *bus.Bus
	Models *Models
	// Mailbox is the receiving side, as the stage classifies with: the
	// features learnt are the features scored.
	Mailbox *Mailbox
	marks   jetstream.KeyValue
}

// NewTrainer opens the bucket of learnt feedback.
func NewTrainer(ctx context.Context, b *bus.Bus, models *Models) (*Trainer, error) {
	kv, err := b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      TrainedBucket,
		Description: "feedback each account's spam model has learnt",
		TTL:         b.Opts.MaxAge,
	})
	if err != nil {
		return nil, err
	}
	return &Trainer{Bus: b, Models: models, marks: kv}, nil
}

// Stage is the runner configuration of the trainer.
func (t *Trainer) Stage() bus.Stage {
	return bus.Stage{
		Name: "spam-feedback", Filters: []string{bus.AllAccounts(bus.KindFeedback)},
		Handler: t.Handle, Concurrency: 1, MaxAckPending: 1,
	}
}

// Handle learns one feedback message.
func (t *Trainer) Handle(ctx context.Context, d *bus.Delivery) error {
	var fb bus.Feedback
	if err := json.Unmarshal(d.Data, &fb); err != nil {
		return bus.Permanentf("decode feedback: %v", err)
	}
	if fb.Kind != "" && fb.Kind != bus.FeedbackLabel {
		return nil // a draft's fate: nothing to learn here
	}
	if fb.Label != bus.LabelSpam && fb.Label != bus.LabelHam {
		return bus.Permanentf("feedback label %q is not spam or ham", fb.Label)
	}
	key := string(fb.Label) + "." + seenKey(fb.Account, fb.ID)
	switch _, err := t.marks.Get(ctx, key); {
	case err == nil:
		return nil // learnt already: a redelivery
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		return fmt.Errorf("look up feedback mark: %w", err)
	}
	// Another replica may have saved since we loaded: start from the latest.
	am, err := t.Models.reload(ctx, fb.Account)
	if err != nil {
		return err
	}
	if am.lastKey != key { // else: saved, but the mark was lost in a crash
		raw, err := t.Bus.LoadBlob(ctx, fb.Raw, fb.RawKey, fb.RawObject)
		if errors.Is(err, bus.ErrRawExpired) {
			return bus.Permanentf("%v: the feedback waited longer than stream.raw_max_age", err)
		}
		if err != nil {
			return err
		}
		model := am.model.Clone()
		model.LearnIn(raw, fb.Label == bus.LabelSpam, Context{Mailbox: t.Mailbox})
		if err := t.Models.save(ctx, fb.Account, model, key); err != nil {
			return err
		}
		trained.WithLabelValues(string(fb.Label)).Inc()
		d.Log.Info("spam model learnt from the user", "id", fb.ID, "label", fb.Label, "version", model.Version())
	}
	if _, err := t.marks.Put(ctx, key, []byte(fb.ID)); err != nil {
		return fmt.Errorf("mark feedback learnt: %w", err)
	}
	return nil
}

// seenKey is a KV-safe key for a value within an account.
func seenKey(account, value string) string {
	return account + "." + hashHex(value)
}
