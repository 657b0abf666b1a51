package ingest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/natstest"
)

func feedbackEvents(t *testing.T, b *bus.Bus) func() []bus.Feedback {
	t.Helper()
	var got []bus.Feedback
	ch := make(chan bus.Feedback, 100)
	cons, err := b.Stream.OrderedConsumer(context.Background(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{bus.AllAccounts(bus.KindFeedback)}})
	if err != nil {
		t.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var fb bus.Feedback
		_ = json.Unmarshal(m.Data(), &fb)
		ch <- fb
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
	return func() []bus.Feedback {
		for {
			select {
			case fb := <-ch:
				got = append(got, fb)
			default:
				return got
			}
		}
	}
}

func TestDovecotUserMovesBecomeFeedback(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ingested := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	feedback := feedbackEvents(t, b)
	reg := ingest.NewRegistry()
	startWatcher(t, b, &acct, "INBOX", reg)
	junkWatcher(t, b, &acct, reg)
	waitFor(t, "both watchers live", 10*time.Second, func() bool {
		st := reg.Snapshot()
		return len(st) == 2 && st[0].Live(time.Now()) && st[1].Live(time.Now())
	})

	// The user drags a message into Junk: spam label.
	s.Append(t, "alice", "INBOX", message("offer", "offer@x", "cheap pills"))
	ingested.waitLen(t, 1, 5*time.Second)
	c := s.Dial(t, "alice")
	moveByMessageID(t, c, "INBOX", "Junk", "<offer@x>")
	waitFor(t, "spam feedback", 5*time.Second, func() bool { return len(feedback()) == 1 })
	if fb := feedback()[0]; fb.Label != bus.LabelSpam || fb.MessageID != "<offer@x>" || fb.Mailbox != "Junk" || fb.RawKey == "" {
		t.Fatalf("feedback = %+v", fb)
	}

	// The pipeline moves a message to Junk: not feedback.
	ownBefore := ingest.JunkOwnMoves("alice")
	a := &apply.Applier{Bus: b, Accounts: []account.Account{acct}}
	t.Cleanup(a.Close)
	uid := s.Append(t, "alice", "INBOX", message("lottery", "lottery@x", "you won"))
	ingested.waitLen(t, 2, 5*time.Second)
	uv := s.UIDValidity(t, "alice", "INBOX")
	mv := bus.Action{V: bus.Version, ID: bus.Identity("alice", uv, uint32(uid)), Account: "alice", Kind: bus.ActionMove,
		Stage: "spam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid), Target: bus.TargetJunk} // no Message-ID: apply reads it
	if err := a.Handle(context.Background(), natstest.Delivery(t, bus.Subject(bus.KindAction, "alice"), mv)); err != nil {
		t.Fatal(err)
	}
	// The Junk watcher knows it by its Message-ID, without its body.
	waitFor(t, "the own move recognised in Junk", 5*time.Second, func() bool {
		return ingest.JunkOwnMoves("alice") == ownBefore+1
	})
	time.Sleep(500 * time.Millisecond)
	if n := len(feedback()); n != 1 {
		t.Fatalf("pipeline's own move produced feedback: %d events", n)
	}

	// The user takes it back out of Junk: ham label, and the message is
	// ingested again marked so that no stage files it as spam again.
	moveByMessageID(t, c, "Junk", "INBOX", "<lottery@x>")
	waitFor(t, "ham feedback", 5*time.Second, func() bool { return len(feedback()) == 2 })
	if fb := feedback()[1]; fb.Label != bus.LabelHam || fb.MessageID != "<lottery@x>" || fb.Mailbox != "INBOX" {
		t.Fatalf("feedback = %+v", fb)
	}
	ingested.waitLen(t, 3, 5*time.Second)
	if ev := ingested.ingested()[2]; ev.UserLabel != bus.LabelHam || ev.MessageID != "<lottery@x>" {
		t.Fatalf("re-ingested = %+v", ev)
	}
	ingested.settle(t, 3)
}

// moveByMessageID moves a message the way a mail client does.
func moveByMessageID(t *testing.T, c *imapclient.Client, from, to, messageID string) {
	t.Helper()
	if _, err := c.Select(from, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: messageID}}}, nil).Wait()
	if err != nil || len(data.AllUIDs()) != 1 {
		t.Fatalf("find %s in %s: %v %v", messageID, from, data, err)
	}
	if _, err := c.Move(imap.UIDSetNum(data.AllUIDs()...), to).Wait(); err != nil {
		t.Fatal(err)
	}
}

func junkWatcher(t *testing.T, b *bus.Bus, acct *account.Account, reg *ingest.Registry) {
	ctx, cancel := context.WithCancel(context.Background())
	w := &ingest.Watcher{Bus: b, Account: acct, Junk: true, Log: testLog(t), Status: reg,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}
