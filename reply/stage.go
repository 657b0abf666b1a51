package reply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/hardness"
	"mailassist/mailmsg"
)

// IndexBucket keeps every message's suggestions by identity.
const IndexBucket = "reply_index"

var replies = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mailassist_reply_total",
	Help: "Messages the reply stage handled, by outcome: skipped, suggested, drafted, escalated.",
}, []string{"outcome", "source"})

func init() { // exported at 0 from the start, for every outcome and source it can have
	replies.WithLabelValues("skipped", "")
	replies.WithLabelValues("escalated", "")
	for _, outcome := range []string{"suggested", "drafted"} {
		for _, src := range []bus.SuggestionSource{bus.SourceModel, bus.SourceBuiltin} {
			replies.WithLabelValues(outcome, string(src))
		}
	}
}

// Stage takes mail.classified and, for messages that deserve an answer,
// publishes mail.suggested and a draft action — or mail.escalation when
// the thread is too hard for the small model.
type Stage struct {
	Bus      *bus.Bus
	Accounts []account.Account
	// Model writes suggestions; nil uses the built-in generator.
	Model Chatter
	// ModelName is recorded in events.
	ModelName string
	// Threshold of the trigger score.
	Threshold float64
	// Draft makes the best suggestion a draft in Drafts.
	Draft bool
	// MaxRecipients caps reply-all (draft.Request); 0 means the default.
	MaxRecipients int
	Scorer        *hardness.Scorer
	// Habits decides with each account's reply habits and learns them;
	// nil decides by the content alone (Trigger).
	Habits *Habits
	Now    func() time.Time // default time.Now
	index  jetstream.KeyValue
}

// Open creates the suggestion index. Call it once before Handle.
func (s *Stage) Open(ctx context.Context) error {
	kv, err := s.Bus.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: IndexBucket, Description: "suggested replies by message identity", TTL: s.Bus.Opts.MaxAge,
	})
	if err != nil {
		return err
	}
	s.index = kv
	if s.Now == nil {
		s.Now = time.Now
	}
	return nil
}

// RunnerStage is the runner configuration of the stage.
func (s *Stage) RunnerStage(concurrency int) bus.Stage {
	return bus.Stage{Name: "reply", Filters: []string{bus.AllAccounts(bus.KindClassified)}, Handler: s.Handle, Concurrency: concurrency}
}

// IndexKey is the reply_index key of a message identity.
func IndexKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	account, _, _ := strings.Cut(id, "/")
	return account + "." + hex.EncodeToString(sum[:16])
}

// Handle decides about one classified message.
func (s *Stage) Handle(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Classified](ctx, s.Bus, d, s.Accounts)
	if err != nil {
		return err
	}
	c, acct, m := &mail.Event, mail.Account, mail.Message()
	log := d.Log.With("uid", c.UID)
	dec, err := s.Habits.decide(ctx, m, c.Verdict == bus.VerdictSpam, c, TriggerOptions{
		Threshold: s.Threshold, Own: acct.Own(), Names: names(acct),
		MaxAge: acct.InitialSync.D(), Now: s.Now(), Arrived: c.InternalDate,
	}, log)
	if err != nil {
		return err
	}
	if !dec.Suggest {
		replies.WithLabelValues("skipped", "").Inc()
		log.Debug("no reply expected", "skip", dec.Skip, "score", dec.Score)
		return nil
	}
	sig := hardness.Signals{SpamScore: c.Score}
	thread := hardness.NewThread(m, c.Mailbox)
	a := s.Scorer.Score(thread, sig)
	if a.Escalate {
		return s.escalate(ctx, c, a, sig, log)
	}
	// A small model that fails falls back to the built-in generator; its
	// failure alone never escalates (hardness.ReasonSmallModelInvalid is
	// not raised here).
	sugg, err := Suggest(ctx, s.Model, m, SuggestOptions{Prompt: PromptOptions{UserName: acct.DisplayName}, FallbackWhenUnavailable: true})
	if err != nil {
		return err
	}
	return s.suggest(ctx, c, acct, m, dec, a, sugg, log)
}

func names(a *account.Account) []string {
	if a.DisplayName == "" {
		return nil
	}
	return []string{a.DisplayName}
}

func (s *Stage) suggest(ctx context.Context, c *bus.Classified, acct *account.Account, m *mailmsg.Message, dec Decision, a hardness.Assessment, sugg Suggestions, log *slog.Logger) error {
	ev := bus.Suggested{
		V: bus.Version, Ref: c.Ref, Draft: sugg.Draft, Source: sugg.Source, Fallback: sugg.Fallback,
		TriggerScore: dec.Score, TriggerReasons: dec.Reasons, Hardness: a.Score, Injection: sugg.Injection, At: s.Now().UTC(),
		Suggestions: []bus.Suggestion{}, // an array on the wire, never null
	}
	if sugg.Source == bus.SourceModel {
		ev.Model = s.ModelName
	}
	for _, x := range sugg.Suggestions {
		ev.Suggestions = append(ev.Suggestions, bus.Suggestion{Intent: x.Intent, Text: x.Text})
	}
	// Only validated suggestions reach here; a message aimed at an
	// assistant gets none drafted.
	if best := sugg.Best(); s.Draft && best != "" && sugg.Injection == "" {
		filed, err := draft.File(ctx, s.Bus, m, acct, best, draft.Request{Stage: "reply", ID: c.ID, Now: s.Now(), MaxRecipients: s.MaxRecipients})
		if err != nil {
			return err
		}
		ev.Drafted, ev.SenderOnly = filed.Drafted, filed.SenderOnly
	}
	if _, err := s.Bus.Publish(ctx, bus.Subject(bus.KindSuggested, c.Account), bus.MsgID("reply", c.ID), &ev); err != nil {
		return err
	}
	data, _ := json.Marshal(&ev)
	if _, err := s.index.Put(ctx, IndexKey(c.ID), data); err != nil {
		return fmt.Errorf("index suggestions: %w", err)
	}
	outcome := "suggested"
	if ev.Drafted {
		outcome = "drafted"
	}
	replies.WithLabelValues(outcome, string(sugg.Source)).Inc()
	log.Info("suggested replies", "count", len(ev.Suggestions), "source", ev.Source, "drafted", ev.Drafted,
		"sender_only", ev.SenderOnly, "injection", ev.Injection != "")
	return nil
}

func (s *Stage) escalate(ctx context.Context, c *bus.Classified, a hardness.Assessment, sig hardness.Signals, log *slog.Logger) error {
	ev := bus.Escalation{
		V: bus.Version, Ref: c.Ref, InternalDate: c.InternalDate, Score: a.Score, SpamScore: c.Score,
		SmallModelInvalid: sig.SmallModelInvalid, Raw: c.Raw, RawKey: c.RawKey, RawObject: c.RawObject, At: s.Now().UTC(),
		Reasons: []bus.HardnessReason{}, // an array on the wire, never null
	}
	for _, r := range a.Reasons {
		ev.Reasons = append(ev.Reasons, bus.HardnessReason{Name: r.Name, Weight: r.Weight, Detail: r.Detail})
	}
	if _, err := s.Bus.Publish(ctx, bus.Subject(bus.KindEscalation, c.Account), bus.MsgID("reply/escalation", c.ID), &ev); err != nil {
		return err
	}
	replies.WithLabelValues("escalated", "").Inc()
	log.Info("thread escalated", "score", a.Score, "reasons", a.Names())
	return nil
}
