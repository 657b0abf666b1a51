package imapx_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/imapx"
	"mailassist/internal/dovecottest"
	"mailassist/internal/testacct"
)

// NOTIFY against Dovecot, over each kind of connection: the server's
// STATUS for every mailbox at once, a STATUS when a message arrives in
// one while the client idles with nothing selected, and a client that
// works as before (a large message fetched through the layer, commands
// after NOTIFY's own tagged answer).
func TestDovecotNotify(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	if err := s.Dial(t, "alice").Create("Lists", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tls  string
		port int
	}{{"none", s.Port}, {"implicit", s.TLSPort}, {"starttls", s.Port}} {
		t.Run(tt.tls, func(t *testing.T) {
			ca := s.CAFile
			if tt.tls == "none" {
				ca = ""
			}
			acct := testacct.Account(t, s.Host, tt.port, tt.tls, ca, "")
			events := make(chan imapx.MailboxStatus, 100)
			ctx := context.Background()
			c, n, err := imapx.DialNotify(ctx, acct.IMAP, nil, func(st imapx.MailboxStatus) { events <- st })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if !c.Caps().Has(imapx.CapNotify) {
				t.Fatalf("Dovecot does not offer NOTIFY: %v", c.Caps())
			}
			mailboxes := []string{"INBOX", "Junk", "Lists"}
			if err := n.Set(ctx, mailboxes); err != nil {
				t.Fatal(err)
			}
			initial := map[string]imapx.MailboxStatus{}
			for len(initial) < len(mailboxes) {
				select {
				case st := <-events:
					initial[st.Mailbox] = st
				case <-time.After(5 * time.Second):
					t.Fatalf("initial STATUS only for %v", initial)
				}
			}
			for _, m := range mailboxes {
				if initial[m].UIDValidity == 0 || initial[m].UIDNext == 0 {
					t.Errorf("initial STATUS of %s: %+v", m, initial[m])
				}
			}

			idle, err := c.Idle()
			if err != nil {
				t.Fatal(err)
			}
			big := testacct.Message("big", "big-"+tt.tls+"@x", strings.Repeat("0123456789abcdef\r\n", 60000)) // ~1 MB
			start := time.Now()
			uid := s.Append(t, "alice", "Lists", big)
			timeout := time.After(5 * time.Second)
		wait:
			for {
				select {
				case st := <-events: // the server may repeat the initial STATUS first
					if st.Mailbox == "Lists" && st.UIDNext == uint32(uid)+1 {
						t.Logf("STATUS for the new message after %v", time.Since(start))
						break wait
					}
					if st.Mailbox == "Lists" && st.UIDNext != initial["Lists"].UIDNext {
						t.Fatalf("event %+v; want Lists with UIDNEXT %d", st, uid+1)
					}
				case <-timeout:
					t.Fatal("no STATUS within 5s of an append")
				}
			}
			if err := idle.Close(); err != nil {
				t.Fatal(err)
			}
			if err := idle.Wait(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Select("Lists", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			section := &imap.FetchItemBodySection{Peek: true}
			msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}}).Collect()
			if err != nil || len(msgs) != 1 || !bytes.Equal(msgs[0].FindBodySection(section), big) {
				t.Fatalf("fetch through the notifier: %v, %d messages", err, len(msgs))
			}
			if err := n.None(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Noop().Wait(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
