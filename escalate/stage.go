package escalate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mailassist/hardness"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/imapx"
	"mailassist/mailmsg"
)

var escalations = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "mailassist_escalations_total",
	Help: "Hard threads handled, by handler (large_model, human).",
}, []string{"handler"})

func init() { // exported at 0 from the start
	for _, h := range []bus.EscalationHandler{bus.HandlerLargeModel, bus.HandlerHuman} {
		escalations.WithLabelValues(string(h))
	}
}

// Stage takes mail.escalation: it rebuilds the thread from the mailbox,
// asks the large model (or hands the thread to the human), flags the
// message, files the draft, and publishes mail.escalated.
type Stage struct {
	Bus       *bus.Bus
	Accounts  []account.Account
	Scorer    *hardness.Scorer
	Escalator *Escalator
	// MaxRecipients caps reply-all in drafts (draft.Request); 0: default.
	MaxRecipients int
	// Ledger, when set, follows the drafts (draft.Request.Ledger): one
	// live draft per thread, and their fate under source large_model or
	// handoff.
	Ledger *draft.Ledger
	// Signature, when set, returns the signature block of the account's
	// drafts (reply.signature, per account).
	Signature func(ctx context.Context, account string) (string, error)
	Now       func() time.Time // default time.Now
}

// RunnerStage is the runner configuration: a thread waiting for the large
// model (down, or over budget) is retried for ever with backoff, never
// dropped; Options.MaxWait hands it to the human in the end.
func (s *Stage) RunnerStage(concurrency int) bus.Stage {
	return bus.Stage{Name: "escalate", Filters: []string{bus.AllAccounts(bus.KindEscalation)}, Handler: s.Handle,
		Concurrency: concurrency, MaxDeliver: -1, BackoffMax: 5 * time.Minute}
}

// Handle escalates one thread.
func (s *Stage) Handle(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Escalation](ctx, s.Bus, d, s.Accounts)
	if err != nil {
		return err
	}
	ev, acct, m := &mail.Event, mail.Account, mail.Message()
	thread, sent, err := s.thread(ctx, acct, m, ev.Mailbox)
	if err != nil {
		return err
	}
	a := s.Scorer.Score(thread, hardness.Signals{SpamScore: ev.SpamScore, SmallModelInvalid: ev.SmallModelInvalid})
	res, err := s.Escalator.Escalate(ctx, Job{Account: ev.Account, Thread: thread, Assessment: a, Since: ev.At,
		UserText: UserText(thread, acct.Own(), sent), Injection: Injection(thread, acct.Own(), sent)})
	var wait *WaitError
	if errors.As(err, &wait) {
		d.Log.Info("escalation waits", "uid", ev.UID, "reason", wait.Reason)
		if wait.RetryAfter > 0 {
			return bus.RetryAfter(err, wait.RetryAfter)
		}
		return err
	}
	if err != nil {
		return err
	}
	return s.publish(ctx, ev, acct, m, thread, a, res, d.Log)
}

// thread rebuilds the thread from the account's watched folders, Sent and
// the archive folder, on a connection of its own, and names the Sent
// folder (where the user's own messages are).
func (s *Stage) thread(ctx context.Context, acct *account.Account, m *mailmsg.Message, mailbox string) (*hardness.Thread, string, error) {
	if len(m.References) == 0 && len(m.InReplyTo) == 0 {
		return &hardness.Thread{Messages: []hardness.ThreadMessage{hardness.NewThreadMessage(m, mailbox)}}, "", nil
	}
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		return nil, "", fmt.Errorf("thread lookup: %w", err)
	}
	defer c.Close()
	folders := append([]string(nil), acct.Folders.Watch...)
	sent := acct.Folders.Sent
	if sent == "" {
		if sent, err = imapx.FindFolder(c, imap.MailboxAttrSent); err != nil {
			return nil, "", err
		}
	}
	for _, f := range []string{sent, acct.Folders.Archive} {
		if f != "" {
			folders = append(folders, f)
		}
	}
	t, err := Reconstruct(ctx, m, StreamLookup{Bus: s.Bus, Account: acct.Name}, &IMAPLookup{Client: c, Folders: folders})
	if err != nil {
		return nil, "", fmt.Errorf("reconstruct thread: %w", err)
	}
	return t, sent, nil
}

func (s *Stage) publish(ctx context.Context, ev *bus.Escalation, acct *account.Account, m *mailmsg.Message, t *hardness.Thread, a hardness.Assessment, res Result, log *slog.Logger) error {
	out := bus.Escalated{
		V: bus.Version, Ref: ev.Ref, Score: a.Score, Handler: res.Handler, Model: res.Model, Handoff: res.Handoff,
		Summary: res.Summary, Asks: append([]string{}, res.Asks...), Priority: res.Priority, Thread: t.Length(), At: s.now().UTC(),
		Reasons: []bus.HardnessReason{}, // arrays on the wire, never null
	}
	for _, r := range a.Reasons {
		out.Reasons = append(out.Reasons, bus.HardnessReason{Name: r.Name, Weight: r.Weight, Detail: r.Detail})
	}
	if res.Draft != "" {
		req := draft.Request{Stage: "escalate", ID: ev.ID, Now: s.now(), MaxRecipients: s.MaxRecipients,
			Ledger: s.Ledger, Original: ev.Ref, Source: bus.DraftLargeModel, Model: res.Model}
		if res.Handler == bus.HandlerHuman {
			req.Source = bus.DraftHandoff
		}
		if s.Signature != nil {
			sig, err := s.Signature(ctx, acct.Name)
			if err != nil {
				return err
			}
			req.Signature = sig
		}
		filed, err := draft.File(ctx, s.Bus, m, acct, res.Draft, req)
		if err != nil {
			return err
		}
		out.Drafted, out.SenderOnly = filed.Drafted, filed.SenderOnly
	}
	flags := bus.NewAction(ev.Ref, bus.ActionFlags, "escalate")
	flags.Reason, flags.AddFlags = "escalated", []string{string(imap.FlagFlagged), "$Escalated"}
	if err := s.Bus.PublishAction(ctx, flags); err != nil {
		return err
	}
	if _, err := s.Bus.Publish(ctx, bus.Subject(bus.KindEscalated, ev.Account), bus.MsgID("escalate", ev.ID), &out); err != nil {
		return err
	}
	escalations.WithLabelValues(string(res.Handler)).Inc()
	log.Info("escalated", "uid", ev.UID, "handler", res.Handler, "priority", res.Priority, "drafted", out.Drafted)
	return nil
}

func (s *Stage) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
