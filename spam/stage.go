package spam

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/account"
	"mailassist/bus"
)

var verdicts = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mailassist_spam_verdicts_total",
	Help: "Messages classified, by verdict.",
}, []string{"verdict"})

func init() { // exported at 0 from the start
	for _, v := range []bus.Verdict{bus.VerdictSpam, bus.VerdictHam} {
		verdicts.WithLabelValues(string(v))
	}
}

// Stage classifies mail.ingested and publishes mail.classified, plus a
// mail.action for spam.
type Stage struct {
	Bus      *bus.Bus
	Accounts []account.Account
	Models   *Models
	// Gray, when set, asks an LLM about scores in its zone.
	Gray *GrayZone
	// Action on spam.
	Action bus.SpamAction
	// Threshold overrides the model's own when above 0.
	Threshold float64
}

// RunnerStage is the runner configuration of the stage.
func (s *Stage) RunnerStage(concurrency int) bus.Stage {
	return bus.Stage{Name: "spam", Filters: []string{bus.AllAccounts(bus.KindIngested)}, Handler: s.Handle, Concurrency: concurrency}
}

// Handle classifies one ingested message.
func (s *Stage) Handle(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Ingested](ctx, s.Bus, d, s.Accounts)
	if err != nil {
		return err
	}
	in := &mail.Event
	model, err := s.Models.For(ctx, in.Account)
	if err != nil {
		return err
	}
	out := s.classify(ctx, model, in, mail.Raw)
	verdicts.WithLabelValues(string(out.Verdict)).Inc()
	if out.Verdict == bus.VerdictSpam && out.Action != bus.SpamNone {
		if err := s.publishAction(ctx, in, out.Action); err != nil {
			return err
		}
	}
	_, err = s.Bus.Publish(ctx, bus.Subject(bus.KindClassified, in.Account), bus.MsgID("spam", in.ID), out)
	if err == nil {
		d.Log.Debug("classified", "uid", in.UID, "verdict", out.Verdict, "score", out.Score)
	}
	return err
}

// classify scores the message, parsing it once for the model and, in
// the gray zone, for the language model's prompt.
func (s *Stage) classify(ctx context.Context, model *Model, in *bus.Ingested, raw []byte) *bus.Classified {
	m := parse(raw)
	res := model.ClassifyMessage(m)
	thr := model.Threshold()
	if s.Threshold > 0 {
		thr = s.Threshold
	}
	out := &bus.Classified{
		V: bus.Version, Ref: in.Ref, InternalDate: in.InternalDate,
		Score: res.Score, ModelScore: res.Score, Threshold: thr, ModelVersion: model.Version(),
		Raw: in.Raw, RawObject: in.RawObject, ClassifiedAt: time.Now().UTC(), Action: bus.SpamNone,
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
		op, _ := s.Gray.Ask(ctx, raw, m)
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

func (s *Stage) publishAction(ctx context.Context, in *bus.Ingested, action bus.SpamAction) error {
	var act *bus.Action
	switch action {
	case bus.SpamMove:
		act = bus.NewAction(in.Ref, bus.ActionMove, "spam")
		act.Target = bus.TargetJunk
	case bus.SpamFlag:
		act = bus.NewAction(in.Ref, bus.ActionFlags, "spam")
		act.AddFlags, act.RemoveFlags = []string{"$Junk"}, []string{"$NotJunk"}
	default:
		return nil
	}
	act.Reason = "spam"
	return s.Bus.PublishAction(ctx, act)
}
