package escalate_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/escalate"
	"mailassist/ingest"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
)

// What ingest published can be found again by Message-ID, without asking
// the IMAP server.
func TestStreamLookupFindsIngestedMessages(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	first := []byte("From: bob@example.org\r\nSubject: first\r\nMessage-Id: <first@example.org>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n\r\nhello\r\n")
	srv.Append(t, "INBOX", first)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	cfg, err := configs.Parse("t.yaml", []byte("accounts:\n  - name: alice\n    address: alice@example.org\n    imap: {host: 127.0.0.1, port: "+strconv.Itoa(srv.Port)+", tls: none, username: alice, password_file: "+pw+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &ingest.Watcher{Bus: b, Account: &cfg.Accounts[0], Mailbox: "INBOX", Log: quiet}
	go w.Run(ctx)
	ingested := natstest.Collect[bus.Ingested](t, b, bus.AllAccounts(bus.KindIngested))
	natstest.WaitFor(t, "ingested", func() bool { return len(ingested()) == 1 })
	natstest.WaitFor(t, "message-id recorded", func() bool {
		_, _, err := escalate.StreamLookup{Bus: b, Account: "alice"}.ByMessageID(ctx, "first@example.org")
		return err == nil
	})

	raw, mailbox, err := escalate.StreamLookup{Bus: b, Account: "alice"}.ByMessageID(ctx, "first@example.org")
	if err != nil || mailbox != "INBOX" || !bytes.Equal(raw, first) {
		t.Fatalf("lookup = %q in %q, %v", raw, mailbox, err)
	}
	if _, _, err := (escalate.StreamLookup{Bus: b, Account: "bob"}).ByMessageID(ctx, "first@example.org"); !errors.Is(err, escalate.ErrNotFound) {
		t.Fatalf("other account: err = %v, want ErrNotFound", err)
	}
	if _, _, err := (escalate.StreamLookup{Bus: b, Account: "alice"}).ByMessageID(ctx, "nope@example.org"); !errors.Is(err, escalate.ErrNotFound) {
		t.Fatalf("unknown id: err = %v, want ErrNotFound", err)
	}
}
