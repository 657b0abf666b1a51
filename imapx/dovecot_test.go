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

// What only a person can fix is said with its fix: an untrusted
// certificate, TLS spoken to the STARTTLS port (and the other way round), a
// refused login, a password variable that is not set. A server that is
// not there is none of these.
func TestDovecotSetupErrorsSayTheFix(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	for _, tc := range []struct {
		name     string
		port     int
		tls, ca  string
		mod      func(c *imapx.Config)
		problem  string
		fixWords string
	}{
		{"untrusted certificate", s.TLSPort, "implicit", "", nil, "certificate is not trusted", "imap.ca_file"},
		{"implicit TLS on the plain port", s.Port, "implicit", s.CAFile, nil, "does not speak TLS on port", "tls: starttls"},
		{"STARTTLS on the TLS port", s.TLSPort, "starttls", s.CAFile, nil, "", ""},
		{"wrong password", s.TLSPort, "implicit", s.CAFile, func(c *imapx.Config) {
			t.Setenv("MAILASSIST_TEST_WRONG_PW", "wrong")
			c.PasswordFile, c.PasswordEnv = "", "MAILASSIST_TEST_WRONG_PW"
		}, "refused the login of alice", "imap.username"},
		{"password variable unset", s.TLSPort, "implicit", s.CAFile, func(c *imapx.Config) {
			c.PasswordFile, c.PasswordEnv = "", "MAILASSIST_TEST_UNSET_PW"
		}, "password cannot be read", "password_env"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acct := testacct.Account(t, s.Host, tc.port, tc.tls, tc.ca, "")
			if tc.mod != nil {
				tc.mod(&acct.IMAP)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := imapx.Dial(ctx, acct.IMAP, nil)
			if err == nil {
				c.Close()
				t.Fatal("dial succeeded")
			}
			se, ok := imapx.NeedsPerson(err)
			if tc.problem == "" { // a server that does not answer STARTTLS as expected: any error, said
				t.Logf("%v (needs a person: %v)", err, ok)
				return
			}
			if !ok || !strings.Contains(se.Problem, tc.problem) || !strings.Contains(se.Fix, tc.fixWords) {
				t.Fatalf("err = %v, want a setup error %q with a fix naming %q", err, tc.problem, tc.fixWords)
			}
		})
	}
	// Nobody listening is an outage, not a setup problem.
	acct := testacct.Account(t, s.Host, 1, "implicit", s.CAFile, "")
	if _, err := imapx.Dial(context.Background(), acct.IMAP, nil); err == nil {
		t.Fatal("dial to port 1 succeeded")
	} else if _, ok := imapx.NeedsPerson(err); ok {
		t.Errorf("connection refused is a setup error: %v", err)
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
