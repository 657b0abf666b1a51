package ingest_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
)

// The Sent folder's messages go to mail.sent with what they answer, never
// to mail.ingested: the user's own mail is learnt from, not answered.
func TestWatcherFollowsSent(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "    folders: {sent: Sent}\n")
	sent := natstest.Collect[bus.Sent](t, b, bus.AllAccounts(bus.KindSent))
	ingested := natstest.Collect[bus.Ingested](t, b, bus.AllAccounts(bus.KindIngested))

	reply := []byte("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Re: lunch\r\nMessage-Id: <r1@x>\r\n" +
		"In-Reply-To: <q1@x>\r\nReferences: <q0@x> <q1@x>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n\r\nYes.\r\n")
	srv.Append(t, "Sent", reply)

	ctx, cancel := context.WithCancel(context.Background())
	w := &ingest.Watcher{Bus: b, Account: &acct, Sent: true, Log: quiet, BackoffMin: 50 * time.Millisecond}
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	natstest.WaitFor(t, "the first sent message", func() bool { return len(sent()) == 1 })
	srv.Append(t, "Sent", []byte("From: alice@example.org\r\nTo: carol@example.org\r\nSubject: news\r\n\r\nNo id, answers nothing.\r\n"))
	natstest.WaitFor(t, "the second", func() bool { return len(sent()) == 2 })

	first, second := sent()[0], sent()[1]
	if first.MessageID != "<r1@x>" || !slices.Equal(first.InReplyTo, []string{"q1@x"}) || !slices.Equal(first.References, []string{"q0@x", "q1@x"}) ||
		first.Mailbox != "Sent" || first.RawKey == "" || len(first.Raw) != 0 {
		t.Errorf("first = %+v", first)
	}
	if raw, err := b.LoadBlob(ctx, first.Raw, first.RawKey, first.RawObject); err != nil || !strings.Contains(string(raw), "Message-Id: <r1@x>") {
		t.Errorf("the first sent message on the bus: %q, %v", raw, err)
	}
	if second.MessageID != "" || second.Fingerprint == "" || len(second.InReplyTo) != 0 {
		t.Errorf("second = %+v", second)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(ingested()); n != 0 {
		t.Errorf("%d messages of Sent were ingested as mail", n)
	}
}
