package escalate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/imapx"
	"mailassist/internal/dovecottest"
	"mailassist/mailmsg"
)

// TestReconstructDovecot rebuilds a six-message thread whose earlier
// messages are spread over INBOX (the other side's) and Sent (the
// user's), with a decoy whose Message-ID contains an id of the thread,
// through a real IMAP server.
func TestReconstructDovecot(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	raws := readThread(t)
	decoy, err := os.ReadFile(filepath.Join("testdata", "thread", "decoy.eml"))
	if err != nil {
		t.Fatal(err)
	}
	where := []string{"INBOX", "Sent", "INBOX", "INBOX", "Sent"}
	for i, mbox := range where {
		s.Append(t, "alice", mbox, raws[i])
	}
	s.Append(t, "alice", "INBOX", decoy) // after the real one: checked first

	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	acct := &account.Account{Name: "alice", Address: "alice@example.org", IMAP: imapx.Config{
		Host: s.Host, Port: s.TLSPort, TLS: "implicit", CAFile: s.CAFile, Username: "alice", PasswordFile: pw}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent, err := imapx.FindFolder(c, imap.MailboxAttrSent)
	if err != nil || sent != "Sent" {
		t.Fatalf("FindFolder(Sent) = %q, %v", sent, err)
	}

	// "Archive" does not exist: it is skipped, not an error.
	lookup := &IMAPLookup{Client: c, Folders: []string{"INBOX", sent, "Archive"}}
	th, err := Reconstruct(ctx, mailmsg.Parse(raws[5]), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(th); !slices.Equal(got, fixtureIDs) {
		t.Fatalf("thread:\n got %v\nwant %v", got, fixtureIDs)
	}
	var mailboxes []string
	for _, m := range th.Messages[:5] {
		mailboxes = append(mailboxes, m.Mailbox)
	}
	if !slices.Equal(mailboxes, where) {
		t.Errorf("mailboxes %v, want %v", mailboxes, where)
	}
	if len(th.Missing) != 0 {
		t.Errorf("missing %v", th.Missing)
	}

	// A message that is not there is ErrNotFound, also when its id is a
	// substring of one that is.
	if _, _, err := lookup.ByMessageID(ctx, "inv117"); err != ErrNotFound {
		t.Errorf("ByMessageID(substring) err = %v, want ErrNotFound", err)
	}

	// Looking up changed nothing: no \Seen, no \Recent consumed.
	for _, mbox := range []string{"INBOX", "Sent"} {
		for _, m := range s.Mailbox(t, "alice", mbox) {
			if slices.Contains(m.Flags, imap.FlagSeen) {
				t.Errorf("%s uid %d got \\Seen", mbox, m.UID)
			}
		}
	}
}
