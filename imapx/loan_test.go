package imapx_test

import (
	"context"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/imapx"
)

func TestLoans(t *testing.T) {
	var none *imapx.Loans
	if _, ok := none.Borrow(context.Background(), "alice", time.Second); ok {
		t.Fatal("a nil Loans lent")
	}
	loans := &imapx.Loans{}
	if _, ok := loans.Borrow(context.Background(), "alice", time.Hour); ok {
		t.Fatal("lent with no lender")
	}
	requests, stop := loans.Lend("alice")

	// A lender that is busy (not receiving): the borrower gives up after wait.
	start := time.Now()
	if _, ok := loans.Borrow(context.Background(), "alice", 50*time.Millisecond); ok {
		t.Fatal("a busy lender lent")
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("gave up after %v, before the wait", waited)
	}

	// A lender that cannot lend after all gives nil.
	go func() { (<-requests).Give(nil, nil) }()
	if _, ok := loans.Borrow(context.Background(), "alice", time.Second); ok {
		t.Fatal("lent nil")
	}

	// A free lender gives its client and gets it back.
	c := new(imapclient.Client)
	back := make(chan struct{})
	go func() {
		ln := <-requests
		ln.Give(c, map[imap.MailboxAttr]string{imap.MailboxAttrJunk: "Spam"})
		<-ln.Returned()
		close(back)
	}()
	ln, ok := loans.Borrow(context.Background(), "alice", time.Second)
	if !ok || ln.Client != c || ln.Folders[imap.MailboxAttrJunk] != "Spam" {
		t.Fatalf("borrowed %v, %v", ln, ok)
	}
	ln.Return()
	ln.Return() // twice is harmless
	<-back

	stop()
	if _, ok := loans.Borrow(context.Background(), "alice", time.Hour); ok {
		t.Fatal("lent after the lender stopped")
	}
}
