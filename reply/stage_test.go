package reply_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/configs"
	"mailassist/hardness"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/internal/ollamatest"
	"mailassist/llm"
	"mailassist/mailmsg"
	"mailassist/reply"
)

var quiet = slog.New(slog.DiscardHandler)

func dovecotAccount(t *testing.T, s *dovecottest.Server) account.Account {
	t.Helper()
	pw := s.PasswordFile(t, "secret")
	y := `accounts:
  - name: alice
    address: alice@example.org
    display_name: Alice Liddell
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: ` + strconv.Itoa(s.TLSPort) + `, tls: implicit, ca_file: "` + s.CAFile + `", username: alice, password_file: "` + pw + `"}
`
	cfg, err := configs.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Accounts[0]
}

// Classified ham that asks a question becomes a suggested event and a
// draft in Dovecot's Drafts, threaded as a reply; a redelivery adds no
// second draft.
func TestStageDraftsAThreadedReplyInDovecot(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := dovecotAccount(t, s)
	b := natstest.New(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "trigger", "direct-question.eml"))
	if err != nil {
		t.Fatal(err)
	}
	orig := mailmsg.Parse(raw)
	uid := s.Append(t, "alice", "INBOX", raw)
	uv := s.UIDValidity(t, "alice", "INBOX")

	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	st := &reply.Stage{Bus: b, Accounts: []account.Account{acct}, Threshold: 0.5, Draft: true, Scorer: scorer,
		Now: func() time.Time { return orig.Date.Add(time.Hour) }}
	if err := st.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	applier := &apply.Applier{Bus: b, Accounts: []account.Account{acct}}
	defer applier.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = b.Run(ctx, st.RunnerStage(2), quiet) })
	wg.Go(func() { _ = b.Run(ctx, applier.Stage(2), quiet) })
	defer func() { cancel(); wg.Wait() }()
	suggested := natstest.Collect[bus.Suggested](t, b, bus.AllAccounts(bus.KindSuggested))

	id := bus.Identity("alice", uv, uint32(uid))
	c := bus.Classified{V: bus.Version, Ref: bus.Ref{ID: id, Account: "alice", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid),
		MessageID: orig.MessageID}, InternalDate: orig.Date, Verdict: bus.VerdictHam, Score: 0.01, Raw: raw}
	if _, err := b.Publish(ctx, bus.Subject(bus.KindClassified, "alice"), bus.MsgID("spam", id), &c); err != nil {
		t.Fatal(err)
	}
	natstest.WaitFor(t, "suggested event", func() bool { return len(suggested()) == 1 })
	ev := suggested()[0]
	if len(ev.Suggestions) == 0 || ev.Source != bus.SourceBuiltin || !ev.Drafted {
		t.Fatalf("suggested = %+v", ev)
	}
	natstest.WaitFor(t, "draft in Drafts", func() bool { return len(s.Mailbox(t, "alice", "Drafts")) == 1 })

	// Redelivery of the classified event: no second draft.
	data, _ := json.Marshal(&c)
	if err := st.Handle(context.Background(), bus.NewDelivery("mail.classified.alice", data, nil)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	drafts := s.Mailbox(t, "alice", "Drafts")
	if len(drafts) != 1 {
		t.Fatalf("Drafts holds %d messages after a redelivery", len(drafts))
	}
	if !slices.Contains(drafts[0].Flags, imap.FlagDraft) {
		t.Errorf("draft flags %v lack \\Draft", drafts[0].Flags)
	}
	d := mailmsg.Parse(drafts[0].Raw)
	if want := "Re: " + orig.Subject; d.Subject != want {
		t.Errorf("subject %q, want %q", d.Subject, want)
	}
	if len(d.InReplyTo) != 1 || d.InReplyTo[0] != orig.MessageID {
		t.Errorf("In-Reply-To %v, want %s", d.InReplyTo, orig.MessageID)
	}
	if len(d.References) == 0 || d.References[len(d.References)-1] != orig.MessageID {
		t.Errorf("References %v must end with %s", d.References, orig.MessageID)
	}
	if len(d.To) == 0 || d.To[0].Addr != orig.From[0].Addr {
		t.Errorf("To %v, want %s", d.To, orig.From[0].Addr)
	}
	if d.Header.Get(bus.RefHeader) != id {
		t.Errorf("%s = %q, want %q", bus.RefHeader, d.Header.Get(bus.RefHeader), id)
	}
	if !strings.Contains(d.Text, ev.Suggestions[0].Text) || !strings.Contains(d.Text, "wrote:") {
		t.Errorf("draft body:\n%s", d.Text)
	}
}

// A small model whose answers twice fail validation falls back to the
// built-in generator: its failure alone never escalates the message.
func TestStageFallsBackWhenTheSmallModelFails(t *testing.T) {
	b := natstest.New(t)
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: `{"suggestions":[{"intent":"yes","text":"Here is a draft: write to evil@example.net"}]}`}))
	c, err := llm.New(llm.Config{URL: srv.URL, Model: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "trigger", "direct-question.eml"))
	if err != nil {
		t.Fatal(err)
	}
	r := runStage(t, b, c, raw)
	if len(r.escalations) != 0 {
		t.Fatalf("escalated: %+v", r.escalations)
	}
	ev := r.suggested
	if ev.Source != bus.SourceBuiltin || !strings.Contains(ev.Fallback, "invalid output twice") || len(ev.Suggestions) == 0 || !ev.Drafted {
		t.Fatalf("suggested = %+v", ev)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Fatalf("model asked %d times, want 2 (one retry)", n)
	}
	if len(r.drafts) != 1 || !strings.Contains(string(r.drafts[0]), ev.Suggestions[0].Text) || strings.Contains(string(r.drafts[0]), "evil@example.net") {
		t.Fatalf("drafts: %q", r.drafts)
	}
}
