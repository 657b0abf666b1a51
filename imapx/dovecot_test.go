package imapx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mailassist/imapx"
	"mailassist/internal/dovecottest"
	"mailassist/internal/testacct"
)

func TestDovecotRefusesUnverifiedCertificate(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", "", "") // no ca_file: the self-signed cert must fail
	_, err := imapx.Dial(context.Background(), acct.IMAP, nil)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("dial with an unknown CA: err = %v, want a certificate error", err)
	}
}

// max_connections caps an account's connections: a dial waits for one to
// close.
func TestDovecotMaxConnections(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.Port, "none", "", "")
	acct.IMAP.MaxConnections = 1
	first, err := imapx.Dial(context.Background(), acct.IMAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if c, err := imapx.Dial(ctx, acct.IMAP, nil); !errors.Is(err, context.DeadlineExceeded) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("second dial with max_connections 1 = %v; want it to wait", err)
	}
	if n := s.Connections(t, "alice"); n != 1 {
		t.Errorf("%d connections on the server, want 1", n)
	}
	waited := make(chan error, 1)
	go func() {
		c, err := imapx.Dial(context.Background(), acct.IMAP, nil)
		if err == nil {
			c.Close()
		}
		waited <- err
	}()
	time.Sleep(100 * time.Millisecond)
	first.Close()
	select {
	case err := <-waited:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("dial still waiting after the first connection closed")
	}
}
