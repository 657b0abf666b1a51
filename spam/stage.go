package spam

import (
	"context"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/mailtext"
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
	// Mailbox describes the receiving side (spam.receiving_domains,
	// authserv_ids, ignore_headers); nil for the heuristics alone.
	Mailbox *Mailbox
	// VerifyDKIM verifies each message's DKIM signatures through
	// Resolver (net.DefaultResolver when nil).
	VerifyDKIM bool
	Resolver   Resolver
	// Lists returns the allow and block lists of an account; nil for none.
	Lists func(account string) Lists
	// Correspondents, when set, keeps mail from senders the user has
	// written to out of Junk unless its score reaches CorrespondentScore
	// (default 0.99) and it fails sender authentication.
	Correspondents     *Correspondents
	CorrespondentScore float64
}

// dkimTimeout bounds the DNS look-ups of one message's DKIM verification.
const dkimTimeout = 5 * time.Second

// MinConcurrency is the fewest messages the stage has in flight: its
// work is mostly waiting for NATS (the body, the account's
// correspondents, two publishes) with ~0.2 ms of CPU per message, so with
// 4 in flight a burst of new mail to 1,000 accounts waited 5 s to be
// classified, and with 16 in flight 0.1–3.5 s (p50, by how busy the
// server was); with 64, 0.12–0.13 s. The language model's gray zone is
// bounded by its own slots.
const MinConcurrency = 64

// RunnerStage is the runner configuration of the stage: concurrency, but
// at least MinConcurrency.
func (s *Stage) RunnerStage(concurrency int) bus.Stage {
	return bus.Stage{Name: "spam", Filters: []string{bus.AllAccounts(bus.KindIngested)}, Handler: s.Handle,
		Concurrency: max(concurrency, MinConcurrency)}
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
	out, err := s.classify(ctx, model, in, mail.Raw)
	if err != nil {
		return err
	}
	verdicts.WithLabelValues(string(out.Verdict)).Inc()
	// The action and the verdict go out together and are awaited
	// together: one round trip, not two.
	futures := make([]jetstream.PubAckFuture, 2)
	if act := spamAction(in.Ref, out.Action); act != nil {
		if futures[0], err = s.Bus.PublishActionAsync(act); err != nil {
			return err
		}
	}
	if futures[1], err = s.Bus.PublishAsync(bus.Subject(bus.KindClassified, in.Account), bus.MsgID("spam", in.ID), out); err != nil {
		return err
	}
	if _, err := bus.WaitAcks(ctx, futures); err != nil {
		return err
	}
	d.Log.Debug("classified", "uid", in.UID, "verdict", out.Verdict, "score", out.Score, "decided_by", out.DecidedBy)
	return nil
}

// classify scores the message, parsing it once for the model and, in
// the gray zone, for the language model's prompt, and decides the
// verdict: the user's own label first, then the block and allow lists
// (for an authenticated From domain), then the model (or the language
// model in the gray zone), which a correspondent's message overrides
// unless the evidence is overwhelming and it fails authentication.
func (s *Stage) classify(ctx context.Context, model *Model, in *bus.Ingested, raw []byte) (*bus.Classified, error) {
	m := parse(raw)
	c := Context{Mailbox: s.Mailbox}
	if s.VerifyDKIM {
		vctx, cancel := context.WithTimeout(ctx, dkimTimeout)
		c.DKIM, _ = VerifyDKIM(vctx, raw, s.Resolver) // unreadable: nil, not verified
		cancel()
	}
	res := model.ClassifyIn(m, c)
	thr := model.Threshold()
	if s.Threshold > 0 {
		thr = s.Threshold
	}
	out := &bus.Classified{
		V: bus.Version, Ref: in.Ref, InternalDate: in.InternalDate,
		Score: res.Score, ModelScore: res.Score, Threshold: thr, ModelVersion: model.Version(),
		Raw: in.Raw, RawKey: in.RawKey, RawObject: in.RawObject, ClassifiedAt: time.Now().UTC(), Action: bus.SpamNone,
		DecidedBy: bus.DecidedByModel,
	}
	for _, r := range res.Reasons {
		out.Reasons = append(out.Reasons, bus.Reason{Feature: r.Feature, Weight: r.Weight})
	}
	for _, r := range res.Signals {
		if !slices.ContainsFunc(out.Reasons, func(x bus.Reason) bool { return x.Feature == r.Feature }) {
			out.Reasons = append(out.Reasons, bus.Reason{Feature: r.Feature, Weight: r.Weight})
		}
	}
	from := ""
	if len(m.From) > 0 {
		from = m.From[0].Addr
	}
	listed := Unlisted
	if s.Lists != nil && res.Auth.Authenticated() {
		listed = s.Lists(in.Account).Match(from)
	}
	spam := res.Score >= thr
	switch {
	case in.UserLabel == bus.LabelHam:
		// The user took it out of Junk: that settles it.
		out.UserLabel, spam, out.DecidedBy = in.UserLabel, false, bus.DecidedByUserLabel
	case listed == Blocked:
		spam, out.DecidedBy = true, bus.DecidedByBlocklist
	case listed == Allowed:
		spam, out.DecidedBy = false, bus.DecidedByAllowlist
	case s.Gray.In(res.Score) && mailtext.Injection(m.Subject+"\n"+m.Text) != "":
		// Text aimed at an assistant would steer the second opinion: the
		// model's own verdict stands, and the cue counts as a reason.
		out.Reasons = append(out.Reasons, bus.Reason{Feature: "sig:addresses-an-assistant", Weight: 0})
	case s.Gray.In(res.Score):
		op, _ := s.Gray.Ask(ctx, raw, m)
		if op != nil {
			out.LLM, out.Score = op, op.SpamProbability
			spam, out.DecidedBy = op.SpamProbability >= 0.5, bus.DecidedByLLM
		}
	}
	if spam && (out.DecidedBy == bus.DecidedByModel || out.DecidedBy == bus.DecidedByLLM) {
		known, err := s.Correspondents.Known(ctx, in.Account, from)
		if err != nil {
			return nil, err
		}
		overwhelming := s.CorrespondentScore
		if overwhelming <= 0 {
			overwhelming = DefaultCorrespondentScore
		}
		if known && !(res.Score >= overwhelming && res.Auth.Failed()) {
			spam, out.DecidedBy = false, bus.DecidedByCorrespondent
		}
	}
	out.Verdict = bus.VerdictHam
	if spam {
		out.Verdict, out.Action = bus.VerdictSpam, s.Action
	}
	return out, nil
}

// spamAction is what apply is asked to do with a spam message: nil for
// SpamNone.
func spamAction(ref bus.Ref, action bus.SpamAction) *bus.Action {
	var act *bus.Action
	switch action {
	case bus.SpamMove:
		act = bus.NewAction(ref, bus.ActionMove, "spam")
		act.Target = bus.TargetJunk
	case bus.SpamFlag:
		act = bus.NewAction(ref, bus.ActionFlags, "spam")
		act.AddFlags, act.RemoveFlags = []string{"$Junk"}, []string{"$NotJunk"}
	default:
		return nil
	}
	act.Reason = "spam"
	return act
}
