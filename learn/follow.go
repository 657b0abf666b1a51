package learn

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sync/errgroup"

	"mailassist/account"
	"mailassist/backoff"
	"mailassist/imapx"
)

// sentScan is how many of the newest Sent messages each look reads.
const sentScan = 200

// Run bootstraps every account that has not been (when the bootstrap is
// enabled), then reads each account's Sent folder for new correspondents
// every Bootstrap.SentInterval, until ctx ends. IMAP trouble is logged and
// retried; it never stops the spam role.
func (l *Learner) Run(ctx context.Context, accounts []account.Account) error {
	g, ctx := errgroup.WithContext(ctx)
	for i := range accounts {
		acct := &accounts[i]
		g.Go(func() error { l.follow(ctx, acct); return nil })
	}
	return g.Wait()
}

func (l *Learner) follow(ctx context.Context, acct *account.Account) {
	log := l.Log.With("account", acct.Name, "stage", "spam-bootstrap")
	for attempt := uint64(0); l.Config.Bootstrap.On(); attempt++ {
		_, err := l.Bootstrap(ctx, acct, false)
		if err == nil || ctx.Err() != nil {
			break
		}
		log.Warn("spam bootstrap will be retried", "err", err)
		if !sleep(ctx, backoff.Delay(attempt, 5*time.Second, 10*time.Minute)) {
			return
		}
	}
	for {
		if n, err := l.readSent(ctx, acct); err != nil {
			log.Warn("read Sent for correspondents", "err", err)
		} else if n > 0 {
			log.Info("new correspondents from Sent", "added", n)
		}
		if !sleep(ctx, l.Config.Bootstrap.SentInterval.D()) {
			return
		}
	}
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

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
