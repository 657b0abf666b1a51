package apply_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/ingest"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/internal/testacct"
	"mailassist/mailmsg"
)

func TestDovecotApplyDraftAndMove(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", s.CAFile, "")
	b := natstest.New(t)
	a := newApplier(t, b, acct)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx, a.Stage(2), testacct.Quiet) }()
	t.Cleanup(func() { cancel(); <-done })

	// Draft: appears in Drafts with \Draft, once, even when redelivered.
	id := "alice/1/1"
	act := bus.Action{V: bus.Version, ID: id, Account: "alice", Kind: bus.ActionDraft, Stage: "reply", Draft: draftFor(id)}
	if _, err := b.Publish(ctx, bus.Subject(bus.KindAction, "alice"), "reply/draft/"+id, act); err != nil {
		t.Fatal(err)
	}
	natstest.WaitFor(t, "draft in Drafts", func() bool { return len(s.Mailbox(t, "alice", "Drafts")) == 1 })
	if err := a.Handle(context.Background(), deliveryOf(t, act)); err != nil { // a redelivery
		t.Fatal(err)
	}
	drafts := s.Mailbox(t, "alice", "Drafts")
	if len(drafts) != 1 || !slices.Contains(drafts[0].Flags, imap.FlagDraft) || !bytes.Equal(drafts[0].Raw, draftFor(id)) {
		t.Fatalf("Drafts = %d messages, flags %v", len(drafts), drafts[0].Flags)
	}

	// Move: the message lands in Junk.
	uid := s.Append(t, "alice", "INBOX", testacct.Message("win", "win@x", "lottery"))
	uv := s.UIDValidity(t, "alice", "INBOX")
	mv := bus.Action{V: bus.Version, ID: bus.Identity("alice", uv, uint32(uid)), Account: "alice", Kind: bus.ActionMove,
		Stage: "spam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid), MessageID: "<win@x>", Target: bus.TargetJunk}
	if _, err := b.Publish(ctx, bus.Subject(bus.KindAction, "alice"), "spam/move/"+mv.ID, mv); err != nil {
		t.Fatal(err)
	}
	natstest.WaitFor(t, "message in Junk", func() bool { return len(s.Mailbox(t, "alice", "Junk")) == 1 })
	if err := a.Handle(context.Background(), deliveryOf(t, mv)); err != nil { // redelivery: already gone
		t.Fatal(err)
	}
	if n := len(s.Mailbox(t, "alice", "INBOX")); n != 0 {
		t.Fatalf("INBOX still holds %d messages", n)
	}
	if n := len(s.Mailbox(t, "alice", "Junk")); n != 1 {
		t.Fatalf("Junk holds %d messages after redelivery", n)
	}
}

// With provider gmail, Junk is [Gmail]/Spam and a move is a real MOVE:
// on a server without MOVE the message stays where it is (go-imap's
// COPY + EXPUNGE fallback could trash it on Gmail) and the action is
// dead-lettered.
func TestDovecotGmailPreset(t *testing.T) {
	const noMove = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT LITERAL+ UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH SEARCHRES SPECIAL-USE"
	for _, tt := range []struct {
		name   string
		config string
		moved  bool
	}{
		{"with MOVE", "", true},
		{"without MOVE", noMove, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := []dovecottest.Option{dovecottest.WithUser("alice", "secret")}
			if tt.config != "" {
				opts = append(opts, dovecottest.WithConfig(tt.config))
			}
			s := dovecottest.Start(t, opts...)
			if err := s.Dial(t, "alice").Create("[Gmail]/Spam", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", s.CAFile, "    provider: gmail\n")
			if acct.Folders.Junk != "[Gmail]/Spam" || !acct.Quirks().Labels {
				t.Fatalf("gmail preset: junk %q, quirks %+v", acct.Folders.Junk, acct.Quirks())
			}
			b := natstest.New(t)
			a := newApplier(t, b, acct)
			uid := s.Append(t, "alice", "INBOX", testacct.Message("win", "win@x", "lottery"))
			uv := s.UIDValidity(t, "alice", "INBOX")
			mv := bus.Action{V: bus.Version, ID: bus.Identity("alice", uv, uint32(uid)), Account: "alice", Kind: bus.ActionMove,
				Stage: "spam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid), MessageID: "<win@x>", Target: bus.TargetJunk}
			err := a.Handle(context.Background(), deliveryOf(t, mv))
			if tt.moved != (err == nil) || !tt.moved && !bus.IsPermanent(err) {
				t.Fatalf("Handle = %v; want moved %v (else a permanent error)", err, tt.moved)
			}
			inbox, spam := len(s.Mailbox(t, "alice", "INBOX")), len(s.Mailbox(t, "alice", "[Gmail]/Spam"))
			if tt.moved && (inbox != 0 || spam != 1) || !tt.moved && (inbox != 1 || spam != 0) {
				t.Errorf("INBOX %d, [Gmail]/Spam %d; moved %v", inbox, spam, tt.moved)
			}
		})
	}
}

// A connection without actions for IdleClose is closed.
func TestDovecotIdleConnectionCloses(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.Port, "none", "", "")
	b := natstest.New(t)
	a := newApplier(t, b, acct)
	a.IdleClose = 2 * time.Second // long enough for the check right after the action, even under -race
	act := bus.Action{V: bus.Version, ID: "alice/1/1", Account: "alice", Kind: bus.ActionDraft, Stage: "reply", Draft: draftFor("alice/1/1")}
	if err := a.Handle(context.Background(), deliveryOf(t, act)); err != nil {
		t.Fatal(err)
	}
	if n := s.Connections(t, "alice"); n != 1 {
		t.Fatalf("%d connections right after the action, want 1", n)
	}
	natstest.WaitFor(t, "the idle connection closed", func() bool { return s.Connections(t, "alice") == 0 })
	if err := a.Handle(context.Background(), deliveryOf(t, act)); err != nil { // dials again
		t.Fatal(err)
	}
}

// After UIDVALIDITY changed, a message without a Message-ID is found by
// its content fingerprint: the move lands on it, once, and not on its
// neighbours.
func TestDovecotMoveAfterUIDValidityChangeWithoutMessageID(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", s.CAFile, "")
	b := natstest.New(t)
	a := newApplier(t, b, acct)
	anon := func(subject string) []byte {
		return []byte("From: win@x\r\nTo: alice@example.org\r\nSubject: " + subject + "\r\n\r\nclaim now\r\n")
	}
	uid := s.Append(t, "alice", "INBOX", anon("prize"))
	uv := s.UIDValidity(t, "alice", "INBOX")
	mv := bus.Action{V: bus.Version, ID: bus.Identity("alice", uv, uint32(uid)), Account: "alice", Kind: bus.ActionMove,
		Stage: "spam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid), Target: bus.TargetJunk,
		Fingerprint: mailmsg.Fingerprint(anon("prize"))}

	s.RecreateMailbox(t, "alice", "INBOX")
	s.Append(t, "alice", "INBOX", anon("neighbour"))
	s.Append(t, "alice", "INBOX", []byte("Received: from mx; now\r\n"+string(anon("prize")))) // restored, with a trace field
	s.Append(t, "alice", "INBOX", testacct.Message("with id", "id@x", "hello"))
	for range 2 { // and a redelivery: already gone
		if err := a.Handle(context.Background(), deliveryOf(t, mv)); err != nil {
			t.Fatal(err)
		}
	}
	junk, inbox := s.Mailbox(t, "alice", "Junk"), s.Mailbox(t, "alice", "INBOX")
	if len(junk) != 1 || !bytes.Contains(junk[0].Raw, []byte("Subject: prize")) || len(inbox) != 2 {
		t.Fatalf("Junk holds %d, INBOX %d; want the prize alone moved", len(junk), len(inbox))
	}
}

// A folder stays selected between batches; a message that arrived since
// the last command is still moved (the session is synced first: without
// that, Dovecot's view leaves the new UID out and the move would count
// as done with the spam left in INBOX).
func TestDovecotMoveIntoFolderSelectedBefore(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", s.CAFile, "")
	b := natstest.New(t)
	a := newApplier(t, b, acct)
	uv := s.UIDValidity(t, "alice", "INBOX")
	for i, subject := range []string{"first", "second"} {
		uid := s.Append(t, "alice", "INBOX", testacct.Message(subject, subject+"@x", "lottery"))
		mv := bus.Action{V: bus.Version, ID: bus.Identity("alice", uv, uint32(uid)), Account: "alice", Kind: bus.ActionMove,
			Stage: "spam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid), MessageID: "<" + subject + "@x>", Target: bus.TargetJunk}
		if err := a.Handle(context.Background(), deliveryOf(t, mv)); err != nil {
			t.Fatal(err)
		}
		if n := len(s.Mailbox(t, "alice", "Junk")); n != i+1 {
			t.Fatalf("after moving %q: Junk holds %d messages, want %d", subject, n, i+1)
		}
	}
}

// In a process that also watches the account (one NOTIFY connection),
// apply carries out its actions on the watcher's connection, lent while
// the watcher waits for news: no login of its own. Mail that arrives
// while apply has INBOX selected on it is still ingested.
func TestDovecotApplyOnTheWatchersConnection(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.Port, "none", "", "")
	b := natstest.New(t)
	loans := &imapx.Loans{}
	reg := ingest.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ingest.WatchAccount(ctx, b, &acct, testacct.Quiet, reg, nil, loans) }()
	t.Cleanup(func() { cancel(); <-done })
	natstest.WaitFor(t, "INBOX, Junk and Sent watched", func() bool {
		st := reg.Snapshot()
		live := 0
		for _, w := range st {
			if w.Live(time.Now()) {
				live++
			}
		}
		return live == 3
	})

	a := newApplier(t, b, acct)
	a.Loans = loans
	for i := range 3 {
		msgID := fmt.Sprintf("spam%d@x", i)
		uid := s.Append(t, "alice", "INBOX", testacct.Message("win", msgID, "lottery"))
		uv := s.UIDValidity(t, "alice", "INBOX")
		natstest.WaitFor(t, "the message ingested", func() bool { return ingestedFrom(t, b, "INBOX") == i+1 })
		mv := bus.Action{V: bus.Version, ID: bus.Identity("alice", uv, uint32(uid)), Account: "alice", Kind: bus.ActionMove,
			Stage: "spam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid), MessageID: "<" + msgID + ">", Target: bus.TargetJunk}
		if err := applyOnce(t, a, b, mv); err != nil {
			t.Fatal(err)
		}
		if n := s.Connections(t, "alice"); n != 1 {
			t.Fatalf("move %d: %d connections, want 1 (the watcher's)", i, n)
		}
	}
	if in, junk := len(s.Mailbox(t, "alice", "INBOX")), len(s.Mailbox(t, "alice", "Junk")); in != 0 || junk != 3 {
		t.Fatalf("INBOX %d, Junk %d; want 0 and 3", in, junk)
	}
	// The watcher goes on.
	s.Append(t, "alice", "INBOX", testacct.Message("after", "after@x", "hello"))
	natstest.WaitFor(t, "four messages ingested from INBOX", func() bool { return ingestedFrom(t, b, "INBOX") == 4 })
}

// ingestedFrom counts the ingested events of mailbox on the stream.
func ingestedFrom(t *testing.T, b *bus.Bus, mailbox string) int {
	t.Helper()
	cons, err := b.Stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{bus.AllAccounts(bus.KindIngested)}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		msgs, err := cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range msgs.Messages() {
			got++
			var in bus.Ingested
			if json.Unmarshal(m.Data(), &in) == nil && in.Mailbox == mailbox {
				n++
			}
		}
		if got == 0 {
			return n
		}
	}
}
