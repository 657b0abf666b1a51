package ingest_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/ingest"
	"mailassist/internal/dovecottest"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

func startAccount(t *testing.T, b *bus.Bus, acct *account.Account, reg *ingest.Registry) (stop func()) {
	t.Helper()
	return startAccountLending(t, b, acct, reg, nil)
}

// startAccountLending is startAccount with the watcher lending its
// connection on loans.
func startAccountLending(t *testing.T, b *bus.Bus, acct *account.Account, reg *ingest.Registry, loans *imapx.Loans) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ingest.WatchAccount(ctx, b, acct, testLog(t), reg, nil, loans) }()
	stop = func() { cancel(); <-done }
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			stop()
		}
	})
	return stop
}

func allLive(reg *ingest.Registry, n int) func() bool {
	return func() bool {
		st := reg.Snapshot()
		if len(st) != n {
			return false
		}
		for _, s := range st {
			if !s.Live(time.Now()) {
				return false
			}
		}
		return true
	}
}

// Where the server offers NOTIFY, an account's folders (two watched,
// Junk and Sent) share one connection: new mail in any of them is ingested, a
// user's move into Junk is feedback, and after the server drops the
// connection nothing is missed or published twice.
func TestDovecotAccountOnOneConnection(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	c := s.Dial(t, "alice")
	if err := c.Create("Lists", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close() // count only the watcher's connections below
	acct := aliceAccount(t, s.Host, s.TLSPort, "implicit", s.CAFile, "    folders: {watch: [INBOX, Lists]}\n")
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	feedback := feedbackEvents(t, b)
	s.Append(t, "alice", "INBOX", message("before", "before@x", "there before the start"))
	reg := ingest.NewRegistry()
	stop := startAccount(t, b, &acct, reg)
	ev.waitLen(t, 1, 10*time.Second)
	waitFor(t, "four folders live", 10*time.Second, allLive(reg, 4))
	if n := s.Connections(t, "alice"); n != 1 {
		t.Errorf("%d connections for four folders, want 1", n)
	}

	start := time.Now()
	s.Append(t, "alice", "Lists", message("list", "list@x", "a list post"))
	ev.waitLen(t, 2, 5*time.Second)
	t.Logf("new mail in Lists ingested after %v", time.Since(start))
	s.Append(t, "alice", "INBOX", message("offer", "offer@x", "cheap pills"))
	ev.waitLen(t, 3, 5*time.Second)
	if got := ev.ingested(); got[1].Mailbox != "Lists" || got[2].Mailbox != "INBOX" {
		t.Errorf("mailboxes %q, %q; want Lists, INBOX", got[1].Mailbox, got[2].Mailbox)
	}
	c = s.Dial(t, "alice")
	moveByMessageID(t, c, "INBOX", "Junk", "<offer@x>")
	c.Close()
	waitFor(t, "spam feedback", 5*time.Second, func() bool { return len(feedback()) == 1 })
	if fb := feedback()[0]; fb.Label != bus.LabelSpam || fb.Mailbox != "Junk" {
		t.Errorf("feedback %+v", fb)
	}

	// The server drops the connection; mail that arrives meanwhile is
	// picked up after the reconnect.
	s.Kick(t, "alice")
	s.Append(t, "alice", "INBOX", message("during", "during@x", "while away"))
	ev.waitLen(t, 4, 10*time.Second)
	waitFor(t, "four folders live again", 10*time.Second, allLive(reg, 4))

	// A restart publishes nothing twice.
	stop()
	startAccount(t, b, &acct, reg)
	waitFor(t, "live after a restart", 10*time.Second, allLive(reg, 4))
	s.Append(t, "alice", "Lists", message("after", "after@x", "after the restart"))
	ev.waitLen(t, 5, 5*time.Second)
	ev.settle(t, 5)
}

// The account's watcher lends its connection while it waits for news
// (apply borrows it, imapx.Loans): the borrower needs no login, and mail
// that arrives in the folder the borrower selected, which NOTIFY reports
// to the borrower as EXISTS and not as STATUS, is ingested when the
// connection comes back, not at the next NOTIFY renewal a minute later.
func TestDovecotAccountLendsItsConnection(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := aliceAccount(t, s.Host, s.Port, "none", "", "")
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	loans := &imapx.Loans{}
	reg := ingest.NewRegistry()
	startAccountLending(t, b, &acct, reg, loans)
	waitFor(t, "INBOX, Junk and Sent live", 10*time.Second, allLive(reg, 3))
	s.Append(t, "alice", "INBOX", message("one", "1@x", "first"))
	ev.waitLen(t, 1, 5*time.Second)
	time.Sleep(time.Second) // past the look again after the catch-up, which would find the next one too

	if _, ok := loans.Borrow(context.Background(), "bob", time.Second); ok {
		t.Fatal("lent a connection of an account nobody lends")
	}
	loan, ok := loans.Borrow(context.Background(), "alice", 5*time.Second)
	if !ok {
		t.Fatal("the idle watcher lent nothing")
	}
	if n := s.Connections(t, "alice"); n != 1 {
		t.Errorf("%d connections while lent, want 1", n)
	}
	if _, err := loan.Client.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	s.Append(t, "alice", "INBOX", message("two", "2@x", "arrives while INBOX is selected by the borrower"))
	if err := loan.Client.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	loan.Return()
	ev.waitLen(t, 2, 5*time.Second)

	// The watcher goes on watching on it.
	s.Append(t, "alice", "INBOX", message("three", "3@x", "after the loan"))
	ev.waitLen(t, 3, 5*time.Second)
	if n := s.Connections(t, "alice"); n != 1 {
		t.Errorf("%d connections after the loan, want 1", n)
	}
	ev.settle(t, 3)
}

// A server without NOTIFY (go-imap's in-memory server) gets a connection
// per folder, as before.
func TestAccountWithoutNotify(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	startAccount(t, b, &acct, reg)
	waitFor(t, "INBOX, Junk and Sent live", 10*time.Second, allLive(reg, 3))
	srv.Append(t, "INBOX", message("one", "1@x", "first"))
	ev.waitLen(t, 1, 5*time.Second)
}

// The account watcher keeps the checkpoints it wrote rather than read
// them from the bus at each piece of news; a checkpoint written
// meanwhile by someone else (here: rewritten as it was, a new revision)
// fails the next compare-and-set, which reads it again: the next message
// is ingested once, on the same connection.
func TestDovecotAccountCheckpointWrittenElsewhere(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := aliceAccount(t, s.Host, s.TLSPort, "implicit", s.CAFile, "")
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	startAccount(t, b, &acct, reg)
	waitFor(t, "three folders live", 10*time.Second, allLive(reg, 3))
	s.Append(t, "alice", "INBOX", message("one", "one@x", "first"))
	ev.waitLen(t, 1, 5*time.Second)

	ctx := context.Background()
	key := ingest.CheckpointKey("alice", "INBOX")
	var e jetstream.KeyValueEntry
	waitFor(t, "the checkpoint past the first message", 5*time.Second, func() bool {
		var err error
		e, err = b.Checkpoints.Get(ctx, key)
		var cp bus.Checkpoint
		return err == nil && json.Unmarshal(e.Value(), &cp) == nil && cp.LastUID >= 1
	})
	if _, err := b.Checkpoints.Put(ctx, key, e.Value()); err != nil {
		t.Fatal(err)
	}

	reconnects := ingest.AccountReconnects("alice")
	s.Append(t, "alice", "INBOX", message("two", "two@x", "second"))
	ev.waitLen(t, 2, 5*time.Second)
	ev.settle(t, 2)
	if got := ev.ingested(); got[1].MessageID != "<two@x>" {
		t.Errorf("second event is %q, want <two@x>", got[1].MessageID)
	}
	if n := ingest.AccountReconnects("alice") - reconnects; n != 0 {
		t.Errorf("%v reconnects; the conflict should be resolved on the same connection", n)
	}
	e2, err := b.Checkpoints.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var cp bus.Checkpoint
	if err := json.Unmarshal(e2.Value(), &cp); err != nil || cp.LastUID != 2 {
		t.Errorf("checkpoint %s (%v), want last_uid 2", e2.Value(), err)
	}
}

// The Junk folder's series are labelled \Junk until the folder is found
// by its special use, then by its name: the \Junk series are taken off
// /metrics, not left behind at their last value.
func TestJunkSeriesRelabelled(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	acct := aliceAccount(t, srv.Host, srv.Port, "none", "", "")
	acct.Name = "relabelled"
	ingest.InitMetrics(&acct)
	if got := connectedSeries(t, acct.Name); !slices.Contains(got, `\Junk`) {
		t.Fatalf("before the start: series for %q, want \\Junk among them", got)
	}
	reg := ingest.NewRegistry()
	startAccount(t, b, &acct, reg)
	waitFor(t, "INBOX, Junk and Sent live", 10*time.Second, allLive(reg, 3))
	got := connectedSeries(t, acct.Name)
	if slices.Contains(got, `\Junk`) || !slices.Contains(got, "Junk") {
		t.Errorf("series for %q, want Junk and no \\Junk", got)
	}
}

// connectedSeries lists the mailbox labels of account's
// mailassist_watcher_connected series on the default registry.
func connectedSeries(t *testing.T, account string) []string {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		if mf.GetName() != "mailassist_watcher_connected" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["account"] == account {
				out = append(out, labels["mailbox"])
			}
		}
	}
	return out
}
