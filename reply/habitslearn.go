package reply

import (
	"context"

	"mailassist/bus"
	"mailassist/habits"
)

// learnBatchMax is the most messages of one account that one save of its
// habits profile carries. A profile is up to about 400 KB: saved once per
// message, a backlog of 10,000 messages wrote gigabytes to the bus; saved
// once per batch, a few kilobytes per message.
const learnBatchMax = 100

// learnStage is the runner configuration of a stage whose handler learns
// through learn, on the events of kind: its messages wait for others of
// their account and one save of the profile carries them all. Each
// parked message holds a runner slot, so the stage takes two batches'
// worth whatever concurrency says.
func learnStage(name, kind string, handler bus.Handler, concurrency int) bus.Stage {
	return bus.Stage{Name: name, Filters: []string{bus.AllAccounts(kind)}, Handler: handler,
		Concurrency: max(concurrency, 2*learnBatchMax)}
}

// learning is one message's change to its account's habits, waiting in a
// batch; ch is what it changed, set when the batch is saved.
type learning struct {
	fn func(*habits.Profile) habits.Change
	ch habits.Change
}

// learn applies fn to the account's habits together with the changes of
// the other messages of the account handled at the same time, and
// returns once the profile that holds them all is saved: a message is
// acknowledged only after what it taught is stored. The changes are
// idempotent (each message is learnt once by its key), so a batch that is
// saved again after a compare-and-set conflict or a redelivery counts
// nothing twice.
func (h *Habits) learn(ctx context.Context, account string, fn func(*habits.Profile) habits.Change) (habits.Change, error) {
	h.batchOnce.Do(func() {
		h.batch = &bus.Batch[string, *learning]{Max: learnBatchMax, Run: h.save}
	})
	l := &learning{fn: fn}
	if err := h.batch.Do(ctx, account, l); err != nil {
		return habits.Change{}, err
	}
	return l.ch, nil
}

// save is the batch's Run: one Update of the profile for all of ls.
func (h *Habits) save(ctx context.Context, account string, ls []*learning) []error {
	_, err := h.Store.Update(ctx, account, func(p *habits.Profile) (bool, error) {
		changed := false
		for _, l := range ls {
			l.ch = l.fn(p)
			changed = changed || l.ch.New
		}
		return changed, nil
	})
	errs := make([]error, len(ls))
	for i := range errs {
		errs[i] = err
	}
	return errs
}
