package imapx

import (
	"context"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Loans lets an account's watcher lend its connection, while it waits for
// news, to the process's other users of the account's mailbox (apply), so
// that an account that gets a move or a draft now and then needs no
// login of its own for it: a thousand accounts' burst of new mail costs
// the server a thousand logins fewer. One per process; the zero value is
// ready (and a nil *Loans lends nothing).
type Loans struct {
	mu      sync.Mutex
	lenders map[string]chan *Loan
}

// A Loan is one use of a lent connection: the borrower uses Client, and
// must call Return when done.
type Loan struct {
	Client *imapclient.Client
	// Folders are the folders the lender found by their special use
	// (\Junk, \Sent), so that the borrower need not LIST for them.
	Folders map[imap.MailboxAttr]string

	given    chan struct{} // closed by Give
	returned chan struct{} // closed by Return
	once     sync.Once
}

// Lend registers the account's lender: it takes each request from
// requests while it may lend (between its own commands), calls Give and
// waits for Returned. stop unregisters it.
func (l *Loans) Lend(account string) (requests <-chan *Loan, stop func()) {
	if l == nil {
		return nil, func() {}
	}
	ch := make(chan *Loan) // unbuffered: a request is taken only by a lender that is free
	l.mu.Lock()
	if l.lenders == nil {
		l.lenders = map[string]chan *Loan{}
	}
	l.lenders[account] = ch
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		if l.lenders[account] == ch {
			delete(l.lenders, account)
		}
		l.mu.Unlock()
	}
}

// Borrow asks for the account's lent connection, waiting up to wait for
// its lender to be free. It reports false at once when no connection of
// the account is lent in this process, and after wait when its lender
// stays busy (a watcher fetching a large backlog).
func (l *Loans) Borrow(ctx context.Context, account string, wait time.Duration) (*Loan, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	ch := l.lenders[account]
	l.mu.Unlock()
	if ch == nil {
		return nil, false
	}
	ln := &Loan{given: make(chan struct{}), returned: make(chan struct{})}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case ch <- ln:
	case <-t.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
	select {
	case <-ln.given:
	case <-ctx.Done():
		ln.Return()
		return nil, false
	}
	if ln.Client == nil { // the lender could not end its own command
		ln.Return()
		return nil, false
	}
	return ln, true
}

// Give hands c to the borrower (nil: the lender cannot lend after all),
// with the folders the lender found by their special use.
func (ln *Loan) Give(c *imapclient.Client, folders map[imap.MailboxAttr]string) {
	ln.Client, ln.Folders = c, folders
	close(ln.given)
}

// Return gives the connection back. It may be called more than once.
func (ln *Loan) Return() { ln.once.Do(func() { close(ln.returned) }) }

// Returned is closed when the borrower is done.
func (ln *Loan) Returned() <-chan struct{} { return ln.returned }
