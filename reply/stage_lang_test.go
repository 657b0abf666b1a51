package reply_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/configs"
	"mailassist/hardness"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/lang"
	"mailassist/mailmsg"
	"mailassist/mailtext"
	"mailassist/reply"
)

// A mixed-language INBOX in Dovecot, through the reply stage with the
// built-in generator: every question and ask for a document gets a draft
// in its own language, the mail in a language without a response set
// (Swedish) gets none, and the complaints with a legal threat escalate
// instead.
func TestStageMixedLanguageInboxInDovecot(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("sam", "secret"))
	y := `accounts:
  - name: sam
    address: sam@example.org
    display_name: Sam Taylor
    imap: {host: 127.0.0.1, port: ` + strconv.Itoa(s.TLSPort) + `, tls: implicit, ca_file: "` + s.CAFile + `", username: sam, password_file: "` + s.PasswordFile(t, "secret") + `"}
`
	cfg, err := configs.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	acct := cfg.Accounts[0]
	b := natstest.New(t)
	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	st := &reply.Stage{Bus: b, Accounts: []account.Account{acct}, Threshold: 0.5, Draft: true, Scorer: scorer,
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
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
	escalations := natstest.Collect[bus.Escalation](t, b, bus.AllAccounts(bus.KindEscalation))

	var files []string
	for _, code := range reply.BuiltinLanguages() {
		files = append(files, filepath.Join("testdata", "lang", string(code), "meeting.eml"),
			filepath.Join("testdata", "lang", string(code), "document.eml"))
	}
	complaints := []string{filepath.Join("testdata", "lang", "de", "complaint.eml"), filepath.Join("testdata", "lang", "fr", "complaint.eml")}
	swedish := []byte("From: Sven Berg <sven@se.example>\r\nTo: Sam Taylor <sam@example.org>\r\nSubject: Rapport\r\n" +
		"Date: Mon, 23 Nov 2026 09:30:00 +0100\r\nMessage-ID: <sv-1@se.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hej Sam,\r\n\r\nkan du skicka rapporten till mig i morgon? Jag behöver den till mötet.\r\n\r\nTack!\r\nSven\r\n")

	uv := s.UIDValidity(t, "sam", "INBOX")
	want := map[string]lang.Code{} // Message-ID of each message that must get a draft -> its language
	publish := func(raw []byte) {
		t.Helper()
		m := mailmsg.Parse(raw)
		uid := s.Append(t, "sam", "INBOX", raw)
		id := bus.Identity("sam", uv, uint32(uid))
		c := bus.Classified{V: bus.Version, Ref: bus.Ref{ID: id, Account: "sam", Mailbox: "INBOX", UIDValidity: uv, UID: uint32(uid),
			MessageID: m.MessageID}, InternalDate: m.Date, Verdict: bus.VerdictHam, Score: 0.01, Raw: raw}
		if _, err := b.Publish(ctx, bus.Subject(bus.KindClassified, "sam"), bus.MsgID("spam", id), &c); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range append(files, complaints...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < len(files) {
			m := mailmsg.Parse(raw)
			want[m.MessageID] = lang.Code(filepath.Base(filepath.Dir(f)))
		}
		publish(raw)
	}
	publish(swedish)

	natstest.WaitFor(t, "suggested and escalated", func() bool {
		return len(suggested()) == len(files)+1 && len(escalations()) == len(complaints)
	})
	natstest.WaitFor(t, "drafts in Drafts", func() bool { return len(s.Mailbox(t, "sam", "Drafts")) >= len(files) })
	time.Sleep(500 * time.Millisecond) // a stray draft (Swedish, a complaint) would be filed by now
	drafts := s.Mailbox(t, "sam", "Drafts")
	if len(drafts) != len(files) {
		t.Fatalf("%d drafts, want %d", len(drafts), len(files))
	}
	seen := map[string]bool{}
	for _, d := range drafts {
		m := mailmsg.Parse(d.Raw)
		if len(m.InReplyTo) != 1 {
			t.Fatalf("draft without In-Reply-To: %s", d.Raw)
		}
		code, ok := want[m.InReplyTo[0]]
		if !ok {
			t.Errorf("a draft answers %s, which must get none", m.InReplyTo[0])
			continue
		}
		seen[m.InReplyTo[0]] = true
		if got := lang.Detect(mailtext.NewText(m.Text)); got != code && got != lang.Unknown {
			t.Errorf("the draft for a message in %s is in %s:\n%s", code, got, mailtext.NewText(m.Text))
		}
	}
	if len(seen) != len(want) {
		t.Errorf("drafts answer %d of the %d messages", len(seen), len(want))
	}
	sv := 0
	for _, ev := range suggested() {
		if ev.MessageID == "sv-1@se.example" {
			sv++
			if len(ev.Suggestions) != 0 || ev.Drafted {
				t.Errorf("Swedish mail: %+v, want no suggestion", ev)
			}
		}
	}
	if sv != 1 {
		t.Errorf("%d suggested events for the Swedish mail, want 1", sv)
	}
}
