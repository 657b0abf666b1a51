package dovecottest_test

import (
	"bytes"
	"crypto/tls"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"mailassist/internal/dovecottest"
	"mailassist/internal/oauthtest"
)

func testMessage(subject string) []byte {
	return []byte("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@example.org>\r\n\r\nHello, " + subject + ".\r\n")
}

func TestStartAppendList(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	if s.Host != "127.0.0.1" || s.Port == 0 || s.TLSPort == 0 || s.Port == s.TLSPort {
		t.Fatalf("bad address: host %q port %d tls port %d", s.Host, s.Port, s.TLSPort)
	}

	c := s.Dial(t, "alice")
	for _, capName := range []imap.Cap{imap.CapIdle, imap.CapMove, imap.CapUIDPlus, imap.CapSpecialUse, imap.CapCondStore} {
		if !c.Caps().Has(capName) {
			t.Errorf("server lacks capability %s", capName)
		}
	}
	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	uses := map[imap.MailboxAttr]string{}
	for _, m := range list {
		for _, a := range m.Attrs {
			uses[a] = m.Mailbox
		}
	}
	for attr, name := range map[imap.MailboxAttr]string{
		imap.MailboxAttrDrafts: "Drafts", imap.MailboxAttrJunk: "Junk",
		imap.MailboxAttrSent: "Sent", imap.MailboxAttrTrash: "Trash",
	} {
		if uses[attr] != name {
			t.Errorf("special-use %s: got mailbox %q, want %q", attr, uses[attr], name)
		}
	}

	one := s.Append(t, "alice", "INBOX", testMessage("one"))
	two := s.Append(t, "alice", "INBOX", testMessage("two"), imap.FlagSeen, imap.FlagFlagged)
	if two <= one {
		t.Fatalf("UIDs not increasing: %d then %d", one, two)
	}
	msgs := s.Mailbox(t, "alice", "INBOX")
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	if msgs[0].UID != one || !bytes.Equal(msgs[0].Raw, testMessage("one")) || slices.Contains(msgs[0].Flags, imap.FlagSeen) {
		t.Errorf("first message: uid %d flags %v raw %q", msgs[0].UID, msgs[0].Flags, msgs[0].Raw)
	}
	if msgs[1].UID != two || !slices.Contains(msgs[1].Flags, imap.FlagSeen) || !slices.Contains(msgs[1].Flags, imap.FlagFlagged) {
		t.Errorf("second message: uid %d flags %v", msgs[1].UID, msgs[1].Flags)
	}
	// Mailbox opens read-only: listing must not set \Seen.
	if msgs := s.Mailbox(t, "alice", "INBOX"); slices.Contains(msgs[0].Flags, imap.FlagSeen) {
		t.Errorf("Mailbox marked the message \\Seen: %v", msgs[0].Flags)
	}
	if msgs := s.Mailbox(t, "alice", "Junk"); len(msgs) != 0 {
		t.Errorf("Junk: got %d messages, want 0", len(msgs))
	}
}

func TestAddUserWithoutRestart(t *testing.T) {
	s := dovecottest.Start(t)
	s.AddUser(t, "bob", "first")
	s.Dial(t, "bob")
	// Several changes within one second must all be seen.
	s.AddUser(t, "carol", "pw")
	s.AddUser(t, "bob", "second")
	s.Dial(t, "carol")
	s.Dial(t, "bob")

	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("bob", "first").Wait(); err == nil {
		t.Error("old password still accepted")
	}
}

// Dovecot delays answers after failed logins from one address by up to 15s,
// which would slow every later test; the server turns that off.
func TestWrongPasswordIsQuick(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	for range 3 {
		if err := c.Login("alice", "wrong").Wait(); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatalf("right password after wrong ones: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("three failed logins and a good one took %v; want well under 3s", d)
	} else {
		t.Logf("three failed logins and a good one took %v", d)
	}
}

func TestKick(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"), dovecottest.WithUser("bob", "secret"))
	alice := s.Dial(t, "alice")
	if _, err := alice.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	s.Dial(t, "alice")
	bob := s.Dial(t, "bob")
	if n := s.Connections(t, "alice"); n != 2 {
		t.Fatalf("Connections(alice) = %d, want 2", n)
	}
	s.Kick(t, "alice")
	select {
	case <-alice.Closed():
	case <-time.After(5 * time.Second):
		t.Fatal("kicked client not closed after 5s")
	}
	if err := bob.Noop().Wait(); err != nil {
		t.Errorf("bob's connection hurt by kicking alice: %v", err)
	}
	for deadline := time.Now().Add(2 * time.Second); s.Connections(t, "alice") != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("Connections(alice) = %d 2s after the kick, want 0", s.Connections(t, "alice"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Kick(t, "alice") // no sessions left: not an error
	s.Dial(t, "alice") // a kicked user can log in again
}

func TestRestartKeepsMessages(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	uid := s.Append(t, "alice", "INBOX", testMessage("kept"))
	validity := s.UIDValidity(t, "alice", "INBOX")
	c := s.Dial(t, "alice")
	port, tlsPort := s.Port, s.TLSPort

	s.Restart(t)
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Error("client connected before the restart not closed")
	}
	if s.Port != port || s.TLSPort != tlsPort {
		t.Errorf("ports changed: %d/%d -> %d/%d", port, tlsPort, s.Port, s.TLSPort)
	}
	msgs := s.Mailbox(t, "alice", "INBOX")
	if len(msgs) != 1 || msgs[0].UID != uid || !bytes.Equal(msgs[0].Raw, testMessage("kept")) {
		t.Fatalf("after restart: %+v", msgs)
	}
	if v := s.UIDValidity(t, "alice", "INBOX"); v != validity {
		t.Errorf("UIDVALIDITY changed across restart: %d -> %d", validity, v)
	}

	s.Stop(t)
	if _, err := imapclient.DialInsecure(s.Addr(), &imapclient.Options{}); err == nil {
		t.Error("dial succeeded while stopped")
	}
	s.Restart(t)
	s.Dial(t, "alice")
}

func TestRecreateMailbox(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	for _, mailbox := range []string{"Archive", "INBOX"} {
		t.Run(mailbox, func(t *testing.T) {
			if mailbox != "INBOX" {
				if err := s.Dial(t, "alice").Create(mailbox, nil).Wait(); err != nil {
					t.Fatal(err)
				}
			}
			s.Append(t, "alice", mailbox, testMessage("old"))
			before := s.UIDValidity(t, "alice", mailbox)
			s.RecreateMailbox(t, "alice", mailbox)
			after := s.UIDValidity(t, "alice", mailbox)
			if after == before {
				t.Fatalf("UIDVALIDITY unchanged: %d", after)
			}
			if msgs := s.Mailbox(t, "alice", mailbox); len(msgs) != 0 {
				t.Fatalf("recreated mailbox has %d messages", len(msgs))
			}
			s.Append(t, "alice", mailbox, testMessage("new"))
			if msgs := s.Mailbox(t, "alice", mailbox); len(msgs) != 1 {
				t.Fatalf("got %d messages after append, want 1", len(msgs))
			}
		})
	}
}

func TestImplicitTLS(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	for _, name := range []string{"127.0.0.1", "localhost"} {
		c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{
			TLSConfig: &tls.Config{RootCAs: s.CertPool, ServerName: name},
		})
		if err != nil {
			t.Fatalf("DialTLS as %s: %v", name, err)
		}
		if err := c.Login("alice", "secret").Wait(); err != nil {
			t.Fatalf("login over TLS as %s: %v", name, err)
		}
		c.Close()
	}

	// Without the pool the certificate must not verify.
	if c, err := imapclient.DialTLS(s.TLSAddr(), &imapclient.Options{TLSConfig: &tls.Config{}}); err == nil {
		c.Close()
		t.Error("DialTLS verified a self-signed certificate without the CertPool")
	}

	// STARTTLS on the plain port, verified the same way.
	c, err := imapclient.DialStartTLS(s.Addr(), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: s.CertPool}})
	if err != nil {
		t.Fatalf("DialStartTLS: %v", err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatalf("login after STARTTLS: %v", err)
	}

	pem, err := os.ReadFile(s.CAFile)
	if err != nil || !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("CAFile %s: %v %q", s.CAFile, err, pem)
	}
}

func TestIdleNotifiesAppend(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	exists := make(chan uint32, 10)
	c := s.DialOptions(t, "alice", &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					exists <- *data.NumMessages
				}
			},
		},
	})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	start := time.Now()
	s.Append(t, "alice", "INBOX", testMessage("idle"))
	select {
	case n := <-exists:
		t.Logf("IDLE saw EXISTS %d %v after the append", n, time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("no EXISTS in IDLE within 5s of an append")
	}
}

func TestPasswordFile(t *testing.T) {
	s := dovecottest.Start(t)
	path := s.PasswordFile(t, "s3cret")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); string(b) != "s3cret" {
		t.Errorf("content %q", b)
	}
	if other := s.PasswordFile(t, "x"); other == path {
		t.Error("second PasswordFile reused the path")
	}
}

// The TestMain path: Launch and Close without a testing.TB.
func TestLaunchClose(t *testing.T) {
	dovecottest.Require(t)
	s, err := dovecottest.Launch(dovecottest.WithUser("alice", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	s.Dial(t, "alice")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("Dir %s still there after Close: %v", s.Dir, err)
	}
	if c, err := imapclient.DialInsecure(s.Addr(), nil); err == nil {
		c.Close()
		t.Error("port still accepting after Close")
	}
}

func TestWithConfigOverrides(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"),
		dovecottest.WithConfig("mail_max_userip_connections = 1"))
	s.Dial(t, "alice")
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err == nil {
		t.Error("second connection allowed despite mail_max_userip_connections = 1")
	}
}

// OAuth2 logins go to the introspection endpoint; PLAIN keeps using the
// passwd-file.
func TestOAuth2Passdb(t *testing.T) {
	dovecottest.Require(t)
	p := oauthtest.Start(t)
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"), dovecottest.WithOAuth2(p.IntrospectURL))
	access, _ := p.Issue("carol")
	for _, tt := range []struct {
		name string
		sasl sasl.Client
		ok   bool
	}{
		{"oauthbearer", sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: "carol", Token: access}), true},
		{"oauthbearer wrong user", sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: "alice", Token: access}), false},
		{"oauthbearer unknown token", sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: "carol", Token: "nope"}), false},
		{"plain", sasl.NewPlainClient("", "alice", "secret"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := imapclient.DialInsecure(s.Addr(), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if !c.Caps().Has("AUTH=OAUTHBEARER") || !c.Caps().Has("AUTH=XOAUTH2") {
				t.Errorf("caps %v lack AUTH=OAUTHBEARER or AUTH=XOAUTH2", c.Caps())
			}
			err = c.Authenticate(tt.sasl)
			if (err == nil) != tt.ok {
				t.Fatalf("authenticate: %v, want ok %v", err, tt.ok)
			}
		})
	}
	if n := p.Counts().ActiveIntrospections; n != 2 {
		t.Errorf("%d active introspections, want 2 (the token of carol, twice)", n)
	}
}
