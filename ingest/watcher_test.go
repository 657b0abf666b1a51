package ingest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
)

func TestWatcherFirstSyncIdleAndRestart(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))

	srv.Append(t, "INBOX", message("one", "1@x", "first"))
	srv.Append(t, "INBOX", message("two", "2@x", "second"), imap.FlagSeen)
	reg := ingest.NewRegistry()
	stop := startWatcher(t, b, &acct, "INBOX", reg)
	ev.waitLen(t, 2, 5*time.Second)

	uid := srv.Append(t, "INBOX", message("three", "3@x", "third"))
	ev.waitLen(t, 3, 5*time.Second)
	got := ev.ingested()[2]
	if got.UID != uint32(uid) || got.MessageID != "<3@x>" || got.Account != "alice" || got.Mailbox != "INBOX" {
		t.Errorf("third event = %+v", got)
	}
	if raw := rawOf(t, b, got); got.ID != bus.Identity("alice", got.UIDValidity, uint32(uid)) || got.Raw != nil || !bytes.Contains(raw, []byte("Subject: three")) {
		t.Errorf("third event id %q, inline raw %q, raw on the bus %q", got.ID, got.Raw, raw)
	}
	waitFor(t, "watcher live", 5*time.Second, func() bool {
		s := reg.Snapshot()
		return len(s) == 1 && s[0].Live(time.Now()) && s[0].Idle
	})

	// A restart publishes nothing twice.
	stop()
	if s := reg.Snapshot(); s[0].Connected {
		t.Error("watcher still marked connected after stop")
	}
	startWatcher(t, b, &acct, "INBOX", reg)
	srv.Append(t, "INBOX", message("four", "4@x", "fourth"))
	ev.waitLen(t, 4, 5*time.Second)
	ev.settle(t, 4)
}

// Fetching uses BODY.PEEK[]: ingest never marks mail as read.
func TestWatcherDoesNotMarkSeen(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	startWatcher(t, b, &acct, "INBOX", nil)
	srv.Append(t, "INBOX", message("unread", "u@x", "body"))
	ev.waitLen(t, 1, 5*time.Second)
	st, err := srv.User.Status("INBOX", &imap.StatusOptions{NumUnseen: true})
	if err != nil {
		t.Fatal(err)
	}
	if *st.NumUnseen != 1 {
		t.Fatalf("unseen = %d after ingest, want 1", *st.NumUnseen)
	}
}

// Told to poll, the watcher finds new mail without IDLE.
func TestWatcherPolls(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	startWatcherPoll(t, b, &acct, "INBOX", reg, true)
	waitFor(t, "connected", 5*time.Second, func() bool { s := reg.Snapshot(); return len(s) == 1 && s[0].Connected })
	srv.Append(t, "INBOX", message("polled", "p@x", "body"))
	ev.waitLen(t, 1, 5*time.Second)
	if s := reg.Snapshot(); s[0].Idle {
		t.Error("watcher says IDLE while polling")
	}
}

// Messages larger than inline_max travel through the object store.
func TestWatcherLargeMessageGoesThroughObjectStore(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.Start(t).Open(t, bus.Options{InlineMax: 4 << 10})
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	big := message("big", "big@x", string(bytes.Repeat([]byte("0123456789abcdef\r\n"), 1<<12)))
	srv.Append(t, "INBOX", big)
	startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, 1, 5*time.Second)
	got := ev.ingested()[0]
	if got.Raw != nil || got.RawKey != "" || got.RawObject == "" {
		t.Fatalf("large message not by object: raw %d bytes, key %q, object %q", len(got.Raw), got.RawKey, got.RawObject)
	}
	raw, err := b.LoadBlob(context.Background(), got.Raw, got.RawKey, got.RawObject)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, big) {
		t.Fatalf("object holds %d bytes, want the %d appended", len(raw), len(big))
	}
}

// A watcher that finds its folder by its role (Junk, without
// folders.junk) goes by the folder's name once found, in its state as in
// its log: one name per folder.
func TestJunkWatcherGoesByTheFolderItFound(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	acct.Folders.Junk = ""
	reg := ingest.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	w := &ingest.Watcher{Bus: b, Account: &acct, Junk: true, Log: testLog(t), Status: reg, BackoffMin: 50 * time.Millisecond}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the Junk watcher connected", 5*time.Second, func() bool {
		s := reg.Snapshot()
		return len(s) == 1 && s[0].Connected
	})
	if s := reg.Snapshot(); s[0].Mailbox != "Junk" {
		t.Errorf("the watcher's state names %q, want the folder it found, Junk", s[0].Mailbox)
	}
}
