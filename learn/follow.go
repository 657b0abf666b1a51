package learn

import (
	"container/heap"
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/account"
	"mailassist/backoff"
	"mailassist/imapx"
)

// sentScan is how many of the newest Sent messages each look reads.
const sentScan = 200

// Followers is how many accounts are bootstrapped, or have their Sent
// folder read, at once. A thousand accounts must not all dial their
// server at the same moment; the others wait their turn in order of when
// they are due. Of those, one at a time fetches its history and adapts
// and saves its model (Learner.training).
const Followers = 16

// Run bootstraps every account that has not been (when the bootstrap is
// enabled), then reads each account's Sent folder for new correspondents
// every Bootstrap.SentInterval, until ctx ends. IMAP trouble is logged and
// retried; it never stops the spam role. One goroutine keeps the accounts
// by when each is next due, and at most Followers work at once.
func (l *Learner) Run(ctx context.Context, accounts []account.Account) error {
	queue := make(dueQueue, 0, len(accounts))
	now := time.Now()
	for i := range accounts {
		queue = append(queue, &followed{acct: &accounts[i], due: now, log: l.Log.With("account", accounts[i].Name, "stage", "spam-bootstrap")})
	}
	heap.Init(&queue)
	back := make(chan *followed, Followers)
	running := 0
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		for running < Followers && len(queue) > 0 && !queue[0].due.After(time.Now()) {
			f := heap.Pop(&queue).(*followed)
			running++
			go func() { l.step(ctx, f); back <- f }()
		}
		var wake <-chan time.Time
		if running < Followers && len(queue) > 0 {
			timer.Reset(time.Until(queue[0].due))
			wake = timer.C
		}
		select {
		case <-ctx.Done():
			for ; running > 0; running-- {
				<-back
			}
			return nil
		case f := <-back:
			running--
			heap.Push(&queue, f)
		case <-wake:
		}
	}
}

// followed is one account's place in Run's queue.
type followed struct {
	acct         *account.Account
	log          *slog.Logger
	due          time.Time
	bootstrapped bool
	attempt      uint64 // failed bootstraps in a row
}

// step does what is due for f — its bootstrap until it succeeds, then
// reads of Sent — and sets when it is due next.
func (l *Learner) step(ctx context.Context, f *followed) {
	if !f.bootstrapped && l.Config.Bootstrap.On() {
		if err := l.bootstrap(ctx, f.acct); err != nil {
			if ctx.Err() == nil {
				f.log.Warn("spam bootstrap will be retried", "err", err)
				f.due = time.Now().Add(backoff.Delay(f.attempt, 5*time.Second, 10*time.Minute))
				f.attempt++
			}
			return
		}
	}
	if !f.bootstrapped {
		f.bootstrapped = true
		if l.Config.Bootstrap.On() {
			// The bootstrap read Sent, now or on an earlier start (whose
			// correspondents are kept): the next look is due within the
			// interval, at a random point, so that a thousand accounts
			// restarting do not all dial their server at once.
			f.due = time.Now().Add(rand.N(l.Config.Bootstrap.SentInterval.D()))
			return
		}
	}
	if n, err := l.readSent(ctx, f.acct); err != nil {
		f.log.Warn("read Sent for correspondents", "err", err)
	} else if n > 0 {
		f.log.Info("new correspondents from Sent", "added", n)
	}
	f.due = time.Now().Add(l.Config.Bootstrap.SentInterval.D())
}

// dueQueue is a heap of accounts, the soonest due first.
type dueQueue []*followed

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(*followed)) }
func (q *dueQueue) Pop() any {
	old := *q
	f := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return f
}

// readSent records the recipients of the newest Sent messages as
// correspondents and returns how many were new.
func (l *Learner) readSent(ctx context.Context, acct *account.Account) (int, error) {
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	sent := acct.Folders.Sent
	if sent == "" {
		if sent, err = imapx.FindFolder(c, imap.MailboxAttrSent); err != nil || sent == "" {
			return 0, err
		}
	}
	return l.addSent(ctx, c, acct.Name, sent, sentScan)
}

// addSent records the recipients of the newest max messages of the Sent
// folder as the account's correspondents and returns how many were new.
func (l *Learner) addSent(ctx context.Context, c *imapclient.Client, account, sent string, max int) (int, error) {
	var rcpts []string
	if _, _, err := scan(c, sent, &imap.SearchCriteria{}, max, false, func(r []string) { rcpts = append(rcpts, r...) }); err != nil {
		return 0, err
	}
	return l.Correspondents.Add(ctx, account, rcpts)
}
