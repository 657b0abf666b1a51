package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/dovecottest"
	"mailassist/spam"
)

// The whole pipeline (`mailassist run`) against Dovecot: spam goes to Junk,
// a question gets a threaded draft, and a message the user takes back out
// of Junk teaches that account's model.
func TestRunEndToEndDovecot(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("demo", "secret"))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailassist.yaml")
	natsPort := freePort(t)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s/data
log: {level: error}
nats: {listen: "127.0.0.1:%d"}
http: {listen: ""}
accounts:
  - name: demo
    address: demo@example.org
    display_name: Demo User
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: implicit, ca_file: %q, username: demo, password_file: %q}
`, dir, natsPort, s.TLSPort, s.CAFile, s.PasswordFile(t, "secret"))), 0o600)

	for _, name := range []string{"01-colleague.eml", "02-lottery.eml"} {
		raw, err := demoMail.ReadFile("demo/" + name)
		if err != nil {
			t.Fatal(err)
		}
		s.Append(t, "demo", "INBOX", []byte(strings.ReplaceAll(string(raw), "\n", "\r\n")))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, "run", embedAlways, roles()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	waitMailbox(t, s, "Junk", 1)
	waitMailbox(t, s, "Drafts", 1)
	draft := s.Mailbox(t, "demo", "Drafts")[0]
	if !strings.Contains(string(draft.Raw), "In-Reply-To: <review-move-1@example.org>") {
		t.Errorf("draft is not a reply to the colleague:\n%s", draft.Raw)
	}
	if inbox := s.Mailbox(t, "demo", "INBOX"); len(inbox) != 1 {
		t.Fatalf("INBOX holds %d messages, want the colleague's only", len(inbox))
	}

	// The user disagrees and takes the message out of Junk.
	c := s.Dial(t, "demo")
	if _, err := c.Select("Junk", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	junk := s.Mailbox(t, "demo", "Junk")
	if _, err := c.Move(imap.UIDSetNum(junk[0].UID), "INBOX").Wait(); err != nil {
		t.Fatal(err)
	}
	// The feedback is learnt: the account now has its own model.
	nk, err := nats.NkeyOptionFromSeed(filepath.Join(dir, "data", bus.SeedFileName))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(natsURL, nk)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	deadline := time.Now().Add(30 * time.Second)
	for {
		store, err := js.ObjectStore(ctx, spam.ModelsBucket)
		if err == nil {
			if _, err := store.GetInfo(ctx, "demo"); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the user's move out of Junk was not learnt: no model of the account in " + spam.ModelsBucket)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// It stays in INBOX: the user's verdict is final.
	time.Sleep(2 * time.Second)
	if n := len(s.Mailbox(t, "demo", "Junk")); n != 0 {
		t.Fatalf("the message went back to Junk (%d there)", n)
	}
}

func waitMailbox(t *testing.T, s *dovecottest.Server, mailbox string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(s.Mailbox(t, "demo", mailbox)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s never held %d messages", mailbox, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
