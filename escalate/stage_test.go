package escalate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/configs"
	"mailassist/escalate"
	"mailassist/hardness"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/internal/ollamatest"
	"mailassist/llm"
	"mailassist/mailmsg"
)

var quiet = slog.New(slog.DiscardHandler)

const answer = `{"summary":"The customer asks for the corrected invoice and a refund.","asks":["Send the corrected invoice","Confirm the refund"],"priority":"high","draft":"Thank you for your patience. I will send the corrected invoice today and confirm the refund by Friday."}`

type fixture struct {
	s      *dovecottest.Server
	acct   account.Account
	b      *bus.Bus
	newest []byte
	uid    imap.UID
	uv     uint32
}

// setup puts the six-message thread of testdata/thread in Dovecot, the
// earlier messages spread over INBOX and Sent, the newest in INBOX.
func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s: dovecottest.Start(t, dovecottest.WithUser("alice", "secret")), b: natstest.New(t)}
	for i, mbox := range []string{"INBOX", "Sent", "INBOX", "INBOX", "Sent", "INBOX"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "thread", strconv.Itoa(i+1)+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		uid := f.s.Append(t, "alice", mbox, raw)
		if i == 5 {
			f.newest, f.uid = raw, uid
		}
	}
	f.uv = f.s.UIDValidity(t, "alice", "INBOX")
	pw := f.s.PasswordFile(t, "secret")
	cfg, err := configs.Parse("test.yaml", []byte(fmt.Sprintf(`accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: %d, tls: implicit, ca_file: %q, username: alice, password_file: %q}
`, f.s.TLSPort, f.s.CAFile, pw)))
	if err != nil {
		t.Fatal(err)
	}
	f.acct = cfg.Accounts[0]
	return f
}

func (f *fixture) stage(t *testing.T, large escalate.Chatter) *escalate.Stage {
	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	opts := escalate.Options{Model: "tiny"}
	if large != nil {
		opts.Large = large
	}
	return &escalate.Stage{Bus: f.b, Accounts: []account.Account{f.acct}, Scorer: scorer,
		Escalator: escalate.NewEscalator(opts)}
}

func (f *fixture) event() (bus.Escalation, []byte) {
	id := bus.Identity("alice", f.uv, uint32(f.uid))
	ev := bus.Escalation{V: bus.Version, Ref: bus.Ref{ID: id, Account: "alice", Mailbox: "INBOX", UIDValidity: f.uv, UID: uint32(f.uid)},
		Score: 0.6, Raw: f.newest, At: time.Now()}
	data, _ := json.Marshal(ev)
	return ev, data
}

func runApply(t *testing.T, f *fixture) {
	a := &apply.Applier{Bus: f.b, Accounts: []account.Account{f.acct}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.b.Run(ctx, a.Stage(2), quiet) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
}

func flagsOf(t *testing.T, f *fixture) []imap.Flag {
	for _, m := range f.s.Mailbox(t, "alice", "INBOX") {
		if m.UID == f.uid {
			return m.Flags
		}
	}
	return nil
}

// The large model answers: the thread is rebuilt from INBOX and Sent, the
// draft lands in Drafts, the message is flagged, and mail.escalated says so.
func TestStageLargeModelDraftsAndFlags(t *testing.T) {
	f := setup(t)
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: answer}))
	c, err := llm.New(llm.Config{URL: srv.URL, Model: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	runApply(t, f)
	escalated := natstest.Collect[bus.Escalated](t, f.b, bus.AllAccounts(bus.KindEscalated))
	_, data := f.event()
	if err := f.stage(t, c).Handle(context.Background(), bus.NewDelivery("mail.escalation.alice", data, nil)); err != nil {
		t.Fatal(err)
	}
	natstest.WaitFor(t, "escalated event", func() bool { return len(escalated()) == 1 })
	ev := escalated()[0]
	if ev.Handler != bus.HandlerLargeModel || !ev.Drafted || ev.Priority != bus.PriorityUrgent || ev.Thread != 6 || len(ev.Asks) != 2 {
		t.Fatalf("escalated = %+v", ev)
	}
	natstest.WaitFor(t, "draft in Drafts", func() bool { return len(f.s.Mailbox(t, "alice", "Drafts")) == 1 })
	natstest.WaitFor(t, "flags", func() bool {
		fl := flagsOf(t, f)
		return slices.Contains(fl, imap.FlagFlagged) && slices.ContainsFunc(fl, func(x imap.Flag) bool { return x == "$Escalated" })
	})
	// The prompt held the whole thread, the Sent messages too.
	req := srv.Requests()[0]
	prompt := req.Messages[len(req.Messages)-1].Content
	for i := 1; i <= 5; i++ {
		m := mailmsg.Parse(mustRead(t, i))
		if !containsFold(prompt, m.From[0].Addr) {
			t.Errorf("prompt lacks message %d's sender %s", i, m.From[0].Addr)
		}
	}
}

// With the large model down, the message waits (a transient error, so the
// runner retries it); once the model is back it is processed, once.
func TestStageWaitsForTheLargeModel(t *testing.T) {
	f := setup(t)
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Status: http.StatusServiceUnavailable, Content: "loading model"}))
	c, err := llm.New(llm.Config{URL: srv.URL, Model: "tiny", RetryMin: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st := f.stage(t, c)
	escalated := natstest.Collect[bus.Escalated](t, f.b, bus.AllAccounts(bus.KindEscalated))
	_, data := f.event()
	err = st.Handle(context.Background(), bus.NewDelivery("mail.escalation.alice", data, nil))
	if err == nil || bus.IsPermanent(err) {
		t.Fatalf("model down: err = %v, want a transient error", err)
	}
	srv.SetReply(ollamatest.Always(ollamatest.Reply{Content: answer}))
	if err := st.Handle(context.Background(), bus.NewDelivery("mail.escalation.alice", data, nil)); err != nil {
		t.Fatal(err)
	}
	natstest.WaitFor(t, "escalated event", func() bool { return len(escalated()) == 1 })
	if ev := escalated()[0]; ev.Handler != bus.HandlerLargeModel {
		t.Fatalf("escalated = %+v", ev)
	}
}

// Without a large model the thread goes to the human: flagged, an
// extractive summary, and a reply skeleton in Drafts that lists the asks
// as a checklist above the quoted message.
func TestStageHandsOffToTheHuman(t *testing.T) {
	f := setup(t)
	runApply(t, f)
	escalated := natstest.Collect[bus.Escalated](t, f.b, bus.AllAccounts(bus.KindEscalated))
	_, data := f.event()
	if err := f.stage(t, nil).Handle(context.Background(), bus.NewDelivery("mail.escalation.alice", data, nil)); err != nil {
		t.Fatal(err)
	}
	natstest.WaitFor(t, "escalated event", func() bool { return len(escalated()) == 1 })
	ev := escalated()[0]
	if ev.Handler != bus.HandlerHuman || !ev.Drafted || ev.Summary == "" || ev.Handoff == "" || len(ev.Asks) == 0 {
		t.Fatalf("escalated = %+v", ev)
	}
	natstest.WaitFor(t, "flagged", func() bool { return slices.Contains(flagsOf(t, f), imap.FlagFlagged) })
	natstest.WaitFor(t, "the skeleton in Drafts", func() bool { return len(f.s.Mailbox(t, "alice", "Drafts")) == 1 })
	text := mailmsg.Parse(f.s.Mailbox(t, "alice", "Drafts")[0].Raw).Text
	skeleton, quote, _ := strings.Cut(text, "wrote:")
	for _, ask := range ev.Asks {
		if !strings.Contains(skeleton, "[ ] "+ask) {
			t.Errorf("the skeleton lacks the ask %q above the quote:\n%s", ask, text)
		}
	}
	if !strings.Contains(quote, "> ") || !strings.Contains(skeleton, "priority "+string(ev.Priority)) {
		t.Errorf("draft:\n%s", text)
	}
}

func mustRead(t *testing.T, i int) []byte {
	raw, err := os.ReadFile(filepath.Join("testdata", "thread", strconv.Itoa(i)+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
