package spam

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/bus"
	"mailassist/mailmsg"
)

// Actions the stage asks of apply for spam.
const (
	ActionMove = "move" // to the account's Junk folder
	ActionFlag = "flag" // keyword $Junk (and not $NotJunk)
	ActionNone = "none"
)

var verdicts = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mailassist_spam_verdicts_total",
	Help: "Messages classified, by verdict.",
}, []string{"verdict"})

// Stage classifies mail.ingested and publishes mail.classified, plus a
// mail.action for spam.
type Stage struct {
	Bus    *bus.Bus
	Models *Models
	// Gray, when set, asks an LLM about scores in its zone.
	Gray *GrayZone
	// Action on spam: ActionMove, ActionFlag or ActionNone.
	Action string
	// Threshold overrides the model's own when above 0.
	Threshold float64
	Log       *slog.Logger
}

// RunnerStage is the runner configuration of the stage.
func (s *Stage) RunnerStage(concurrency int) bus.Stage {
	return bus.Stage{Name: "spam", Filters: []string{bus.AllAccounts(bus.KindIngested)}, Handler: s.Handle, Concurrency: concurrency}
}

// Handle classifies one ingested message.
func (s *Stage) Handle(ctx context.Context, d *bus.Delivery) error {
	var in bus.Ingested
	if err := json.Unmarshal(d.Data, &in); err != nil {
		return bus.Permanentf("decode ingested: %v", err)
	}
	raw, err := s.Bus.LoadBlob(ctx, in.Raw, in.RawObject)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return bus.Permanentf("raw message %s is gone from the object store", in.RawObject)
	}
	if err != nil {
		return err
	}
	model, err := s.Models.For(ctx, in.Account)
	if err != nil {
		return err
	}
	out := s.classify(ctx, model, &in, raw)
	verdicts.WithLabelValues(out.Verdict).Inc()
	if out.Verdict == bus.VerdictSpam && out.Action != ActionNone {
		if err := s.publishAction(ctx, &in, out.Action); err != nil {
			return err
		}
	}
	_, err = s.Bus.Publish(ctx, bus.Subject(bus.KindClassified, in.Account), bus.MsgID("spam", in.ID), out)
	if err == nil {
		d.Log.Debug("classified", "account", in.Account, "uid", in.UID, "verdict", out.Verdict, "score", out.Score)
	}
	return err
}

func (s *Stage) classify(ctx context.Context, model *Model, in *bus.Ingested, raw []byte) *bus.Classified {
	res := model.Classify(raw)
	thr := model.Threshold()
	if s.Threshold > 0 {
		thr = s.Threshold
	}
	out := &bus.Classified{
		V: bus.Version, Ref: in.Ref, InternalDate: in.InternalDate,
		Score: res.Score, ModelScore: res.Score, Threshold: thr, ModelVersion: model.Version(),
		Raw: in.Raw, RawObject: in.RawObject, ClassifiedAt: time.Now().UTC(), Action: ActionNone,
	}
	for _, r := range res.Reasons {
		out.Reasons = append(out.Reasons, bus.Reason{Feature: r.Feature, Weight: r.Weight})
	}
	spam := res.Score >= thr
	switch {
	case in.UserLabel == bus.LabelHam:
		// The user took it out of Junk: that settles it.
		out.UserLabel, spam = in.UserLabel, false
	case s.Gray.In(res.Score):
		op, _ := s.Gray.Ask(ctx, raw, mailmsg.Parse(raw))
		if op != nil {
			out.LLM, out.Score = op, op.SpamProbability
			spam = op.SpamProbability >= 0.5
		}
	}
	out.Verdict = bus.VerdictHam
	if spam {
		out.Verdict, out.Action = bus.VerdictSpam, s.Action
	}
	return out
}

func (s *Stage) publishAction(ctx context.Context, in *bus.Ingested, kind string) error {
	act := bus.Action{
		V: bus.Version, ID: in.ID, Account: in.Account, Stage: "spam", Reason: "spam",
		Mailbox: in.Mailbox, UIDValidity: in.UIDValidity, UID: in.UID, MessageID: in.MessageID,
	}
	switch kind {
	case ActionMove:
		act.Kind, act.Target = bus.ActionMove, bus.TargetJunk
	case ActionFlag:
		act.Kind, act.AddFlags, act.RemoveFlags = bus.ActionFlags, []string{"$Junk"}, []string{"$NotJunk"}
	}
	_, err := s.Bus.Publish(ctx, bus.Subject(bus.KindAction, in.Account), bus.MsgID("spam/"+act.Kind, in.ID), act)
	return err
}
