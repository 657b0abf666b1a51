package learn

import (
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailassist/internal/dovecottest"
	"mailassist/internal/testacct"
)

// TestDovecotBootstrap runs the bootstrap's contract against a real
// Dovecot: over verified TLS, Junk and Sent found by SPECIAL-USE, flags
// and internal dates as Dovecot keeps them.
func TestDovecotBootstrap(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	mb := mailbox{
		c:    s.Dial(t, "alice"),
		acct: testacct.Account(t, s.Host, s.TLSPort, "implicit", s.CAFile, "    folders: {archive: Archive}\n"),
	}
	mb.create(t, "Archive")
	bootstrapScenario(t, mb)
	// The bootstrap reads with BODY.PEEK: the unread spam it learnt from
	// Junk is still unread.
	for _, m := range s.Mailbox(t, "alice", "Junk") {
		if slices.Contains(m.Flags, imap.FlagSeen) {
			t.Errorf("Junk message %d is \\Seen after the bootstrap (%v)", m.UID, m.Flags)
		}
	}
}
