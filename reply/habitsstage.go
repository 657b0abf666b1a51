package reply

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/habits"
	"mailassist/mailmsg"
)

// Habits is the personal trigger at work: it decides with each account's
// reply habits and keeps them current from the account's mail — every
// classified message (predicted before it is learnt) and every message
// of the Sent folder (mail.sent), each once however often it is
// delivered. It is also what the mailbox bootstrap (learn) teaches the
// history through.
type Habits struct {
	Bus      *bus.Bus
	Accounts []account.Account
	Store    *habits.Store
	// Config is the reply.trigger section, with its defaults.
	Config TriggerConfig
	// Threshold is the content trigger's (reply.threshold) that the
	// habits record with each message; 0 is DefaultThreshold.
	Threshold float64

	batchOnce sync.Once
	batch     *bus.Batch[string, *learning]
}

// decide is the trigger of the reply stage: the content trigger, or,
// for an account with the personal trigger on, TriggerPersonal with the
// account's habits. The message itself is learnt by the reply-received
// stage (HandleReceived), with others of its account.
func (h *Habits) decide(ctx context.Context, m *mailmsg.Message, spam bool, c *bus.Classified, o TriggerOptions) (Decision, error) {
	if h == nil || h.Store == nil {
		return Trigger(m, spam, o), nil
	}
	personal, po := h.Config.For(c.Account)
	if !personal {
		return Trigger(m, spam, o), nil
	}
	p, err := h.Store.Profile(ctx, c.Account)
	if err != nil {
		return Decision{}, err
	}
	po.Profile = p
	return TriggerPersonal(m, spam, o, po), nil
}

// ReceivedStage is the runner configuration that learns every classified
// message (mail.classified) into its account's habits.
func (h *Habits) ReceivedStage(concurrency int) bus.Stage {
	return learnStage("reply-received", bus.KindClassified, h.HandleReceived, concurrency)
}

// HandleReceived learns one classified message: what the habits keep of
// it waits for an answer (a redelivered message is not counted again).
// Mail the habits leave out (spam, mail from the user) changes nothing.
func (h *Habits) HandleReceived(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Classified](ctx, h.Bus, d, h.Accounts)
	if err != nil {
		return err
	}
	c, acct, m := &mail.Event, mail.Account, mail.Message()
	if len(m.From) == 0 {
		return nil
	}
	hm, ok := Observe(m, c.Verdict == bus.VerdictSpam, TriggerOptions{
		Threshold: h.Threshold, Own: acct.Own(), Names: names(acct), Arrived: c.InternalDate,
	}, fallbackKey(&c.Ref), c.ID)
	if !ok {
		return nil
	}
	ch, err := h.learn(ctx, c.Account, func(p *habits.Profile) habits.Change { return p.Receive(&hm) })
	if err != nil {
		return err
	}
	if ch.Answered+ch.Unanswered > 0 {
		d.Log.Debug("reply habits learnt", "uid", c.UID, "answered", ch.Answered, "unanswered", ch.Unanswered)
	}
	return nil
}

// fallbackKey names a message without a Message-ID for the habits.
func fallbackKey(r *bus.Ref) string {
	if r.Fingerprint != "" {
		return r.Fingerprint
	}
	return r.ID
}

// SentStage is the runner configuration that learns the accounts' sent
// mail (mail.sent).
func (h *Habits) SentStage(concurrency int) bus.Stage {
	return learnStage("reply-habits", bus.KindSent, h.HandleSent, concurrency)
}

// HandleSent learns one message of an account's Sent folder: its
// recipients and thread, and the received messages it answers. The
// same message delivered again (a redelivery, a Sent folder whose
// UIDVALIDITY changed) is known by its Message-ID and changes nothing.
func (h *Habits) HandleSent(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Sent](ctx, h.Bus, d, h.Accounts)
	if err != nil {
		return err
	}
	ev := &mail.Event
	fallback := ev.Fingerprint
	if fallback == "" {
		fallback = ev.ID
	}
	s := habits.SentFrom(mail.Message(), fallback, ev.InternalDate)
	ch, err := h.learn(ctx, ev.Account, func(p *habits.Profile) habits.Change { return p.Sent(&s) })
	if err != nil {
		return err
	}
	d.Log.Debug("reply habits: sent message learnt", "new", ch.New, "answered", ch.Answered, "unanswered", ch.Unanswered)
	return nil
}

// HistoryReceived reads a received message of the mailbox's history (the
// bootstrap): what the habits keep of it, or false for mail they leave
// out. ref is its identity, at its INTERNALDATE.
func (h *Habits) HistoryReceived(acct *account.Account, raw []byte, at time.Time, ref string) (habits.Message, bool) {
	m := mailmsg.Parse(raw)
	if len(m.From) == 0 {
		return habits.Message{}, false
	}
	o := TriggerOptions{Threshold: h.Threshold, Own: acct.Own(), Names: names(acct), Arrived: at}
	return Observe(m, false, o, ref, ref)
}

// HistorySent reads a message of the Sent folder's history.
func (h *Habits) HistorySent(raw []byte, at time.Time, ref string) habits.Sent {
	return habits.SentFrom(mailmsg.Parse(raw), ref, at)
}

// LearnHistory learns a mailbox's history in date order (what was
// received before what was sent at the same time), then the outcomes
// whose 14 days ended by now. Each message counts once, however often
// the history is learnt.
func (h *Habits) LearnHistory(ctx context.Context, account string, received []habits.Message, sent []habits.Sent, now time.Time) (habits.Change, habits.Totals, error) {
	var total habits.Change
	p, err := h.Store.Update(ctx, account, func(p *habits.Profile) (bool, error) {
		total = habits.LearnHistory(p, received, sent, now)
		return total.New, nil
	})
	if err != nil {
		return habits.Change{}, habits.Totals{}, err
	}
	return total, p.Totals, nil
}

// FateStage is the runner configuration that learns what became of the
// drafts (mail.feedback of kind draft): a draft the user sent is an
// answer, a draft the user deleted shortens the wait for one.
func (h *Habits) FateStage(concurrency int) bus.Stage {
	return learnStage("reply-fates", bus.KindFeedback, h.HandleFate, concurrency)
}

// HandleFate learns one draft's fate; feedback of another kind (the
// user's spam labels) is not for the habits. Learning it again changes
// nothing: an answered message is answered once, and a deleted draft's
// wait only ever gets shorter.
func (h *Habits) HandleFate(ctx context.Context, d *bus.Delivery) error {
	var ev bus.Feedback
	if err := json.Unmarshal(d.Data, &ev); err != nil {
		return bus.Permanentf("decode feedback: %v", err)
	}
	if ev.V != bus.Version {
		return bus.Permanentf("feedback version %d not supported", ev.V)
	}
	if ev.Kind != bus.FeedbackDraft || ev.Draft == nil {
		return nil
	}
	var fate habits.Fate
	switch ev.Draft.Fate {
	case bus.FateSentUnchanged, bus.FateSentEdited:
		fate = habits.FateSent
	case bus.FateDeleted:
		fate = habits.FateDeleted
	default: // pending, replaced: no outcome yet
		return nil
	}
	ch, err := h.learn(ctx, ev.Account, func(p *habits.Profile) habits.Change { return p.Draft(ev.MessageID, ev.ID, fate, ev.At) })
	if err != nil {
		return err
	}
	d.Log.Debug("reply habits: a draft's fate learnt", "fate", ev.Draft.Fate, "answered", ch.Answered)
	return nil
}
