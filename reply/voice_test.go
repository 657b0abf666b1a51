package reply_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/hardness"
	"mailassist/internal/natstest"
	"mailassist/internal/ollamatest"
	"mailassist/llm"
	"mailassist/mailmsg"
	"mailassist/reply"
	"mailassist/setting"
)

// sentEvent is a message of alice's Sent folder on mail.sent.
func sentDelivery(t *testing.T, n int, from, inReplyTo, body string) *bus.Delivery {
	raw := fmt.Sprintf("From: %s\r\nTo: bob@example.org\r\nSubject: Re: plans\r\nMessage-ID: <sent-%d@example.org>\r\nDate: %s\r\n",
		from, n, time.Date(2026, 11, 20, 9, n, 0, 0, time.UTC).Format(time.RFC1123Z))
	var irt []string
	if inReplyTo != "" {
		raw += "In-Reply-To: <" + inReplyTo + ">\r\n"
		irt = []string{inReplyTo}
	}
	raw += "\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n"
	ev := bus.Sent{V: bus.Version, Ref: bus.Ref{ID: fmt.Sprintf("alice/9/%d", n), Account: "alice", Mailbox: "Sent", UIDValidity: 9, UID: uint32(n),
		MessageID: fmt.Sprintf("sent-%d@example.org", n)}, InternalDate: time.Date(2026, 11, 20, 9, n, 0, 0, time.UTC), InReplyTo: irt, Raw: []byte(raw)}
	return natstest.Delivery(t, bus.Subject(bus.KindSent, "alice"), ev)
}

// The user's voice is learnt from Sent: the signature they use most
// (for signature: auto) and short replies of their own — never someone
// else's mail, the quoted history, or a reply carrying a link — and the
// small model's prompt shows them when its endpoint is local; the draft
// is signed with the learnt signature above the quote.
func TestVoiceFromSent(t *testing.T) {
	b := natstest.New(t)
	ctx := context.Background()
	acct := account.Account{Name: "alice", Address: "alice@example.org", DisplayName: "Alice", InitialSync: setting.Duration(30 * 24 * time.Hour)}
	v := &reply.Voice{Bus: b, Accounts: []account.Account{acct}}
	if err := v.Open(ctx); err != nil {
		t.Fatal(err)
	}
	const quote = "\n\nOn Mon, Bob wrote:\n> Are you free on Friday? Send me the secret plan.\n>\n> -- \n> Bob"
	for i, m := range []struct{ from, irt, body string }{
		{"Alice <alice@example.org>", "q1@example.org", "Sounds good, see you then!\n\n-- \nAlice Example" + quote},
		{"Alice <alice@example.org>", "q2@example.org", "Sure, Thursday works for me.\n\n-- \nAlice Example" + quote},
		{"Alice <alice@example.org>", "q3@example.org", "Details at https://example.org/x please.\n\n-- \nAlice Example" + quote},
		{"Alice <alice@example.org>", "", "A new message, not a reply.\n\nCheers,\nAl"},
		{"Bob <bob@example.org>", "q4@example.org", "Someone else's words here.\n\n-- \nBob"},
	} {
		d := sentDelivery(t, i+1, m.from, m.irt, m.body)
		for range 2 { // a redelivery learns nothing twice
			if err := v.Handle(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	sig, err := v.Signature(ctx, "alice")
	if err != nil || sig != "-- \nAlice Example" {
		t.Fatalf("Signature = %q, %v; want the delimited block used most", sig, err)
	}
	ex, err := v.Examples(ctx, "alice", "", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 2 || ex[0] != "Sure, Thursday works for me." || ex[1] != "Sounds good, see you then!" {
		t.Fatalf("Examples = %q; want the two short replies of alice's own, newest first", ex)
	}

	// The stage: per_account asks the small model (on loopback) and
	// signature auto.
	srv := ollamatest.Start(t, ollamatest.Always(ollamatest.Reply{Content: `{"suggestions":[{"intent":"yes","text":"Yes, Friday works."},{"intent":"no","text":"Sorry, I can't on Friday."}]}`}))
	c, err := llm.New(llm.Config{URL: srv.URL, Model: "tiny", RetryMin: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg := reply.Config{PerAccount: map[string]reply.AccountConfig{"alice": {LLM: "small", Signature: reply.SignatureAuto}}}.WithDefaults()
	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>\r\nSubject: Friday\r\nMessage-ID: <q9@example.org>\r\n" +
		"Date: Fri, 20 Nov 2026 08:00:00 +0000\r\n\r\nHi Alice,\r\n\r\nare you free on Friday afternoon for the review?\r\n\r\nBob\r\n")
	orig := mailmsg.Parse(raw)
	st := &reply.Stage{Bus: b, Accounts: []account.Account{acct}, Threshold: 0.5, Scorer: scorer, Config: &cfg, Voice: v,
		Models: map[string]reply.Model{"small": {Chatter: c, Name: "tiny", Voice: cfg.VoiceTo(srv.URL)}},
		Now:    func() time.Time { return orig.Date.Add(time.Hour) }}
	if err := st.Open(ctx); err != nil {
		t.Fatal(err)
	}
	actions := natstest.Collect[bus.Action](t, b, bus.AllAccounts(bus.KindAction))
	cl := bus.Classified{V: bus.Version, Ref: bus.Ref{ID: "alice/1/1", Account: "alice", Mailbox: "INBOX", UIDValidity: 1, UID: 1},
		InternalDate: orig.Date, Verdict: bus.VerdictHam, Raw: raw}
	data, _ := json.Marshal(&cl)
	if err := st.Handle(ctx, bus.NewDelivery("mail.classified.alice", data, nil)); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("the small model was not asked")
	}
	var prompt strings.Builder
	for _, m := range reqs[0].Messages {
		prompt.WriteString(m.Content)
	}
	p := prompt.String()
	if !strings.Contains(p, "- Sounds good, see you then!") || !strings.Contains(p, "- Sure, Thursday works for me.") {
		t.Errorf("the prompt lacks the user's replies:\n%s", p)
	}
	for _, never := range []string{"secret plan", "Someone else", "https://", "A new message"} {
		if strings.Contains(p, never) {
			t.Errorf("the prompt shows %q, which is not a short reply of the user's own", never)
		}
	}
	natstest.WaitFor(t, "the draft action", func() bool { return len(actions()) > 0 })
	d, err := b.LoadBlob(ctx, actions()[0].Draft, actions()[0].DraftKey, actions()[0].DraftObject)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(mailmsg.Parse(d).Text, "\r\n", "\n")
	if !strings.HasPrefix(text, "Yes, Friday works.\n\n-- \nAlice Example\n\nOn ") {
		t.Errorf("draft text:\n%s\nwant the reply, the learnt signature, then the quote", text)
	}

	// A remote endpoint gets no examples unless voice_remote.
	if cfg.VoiceTo("https://gpu.example.net:11434") {
		t.Error("voice goes to a remote endpoint without voice_remote")
	}
	cfg.VoiceRemote = true
	if !cfg.VoiceTo("https://gpu.example.net:11434") {
		t.Error("voice_remote: true does not let voice go to a remote endpoint")
	}
}

// Per account: a skipped sender gets nothing; draft: none publishes the
// suggestions without a draft; the other account drafts.
func TestStagePerAccountPolicy(t *testing.T) {
	ctx := context.Background()
	scorer, err := hardness.NewScorer(hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>, Carol <carol@example.org>\r\nSubject: Friday\r\nMessage-ID: <q9@example.org>\r\n" +
		"Date: Fri, 20 Nov 2026 08:00:00 +0000\r\n\r\nHi,\r\n\r\nare you free on Friday afternoon for the review?\r\n\r\nBob\r\n")
	orig := mailmsg.Parse(raw)
	accts := []account.Account{
		{Name: "alice", Address: "alice@example.org", InitialSync: setting.Duration(30 * 24 * time.Hour)},
		{Name: "carol", Address: "carol@example.org", InitialSync: setting.Duration(30 * 24 * time.Hour)},
		{Name: "dave", Address: "dave@example.org", Aliases: []string{"alice@example.org"}, InitialSync: setting.Duration(30 * 24 * time.Hour)},
	}
	cfg := reply.Config{PerAccount: map[string]reply.AccountConfig{
		"alice": {SkipSenders: []string{"@example.org"}},
		"carol": {Draft: reply.DraftNone},
	}}.WithDefaults()
	for _, tt := range []struct {
		account          string
		suggested, draft bool
	}{
		{"alice", false, false},
		{"carol", true, false},
		{"dave", true, true},
	} {
		t.Run(tt.account, func(t *testing.T) {
			b := natstest.New(t)
			st := &reply.Stage{Bus: b, Accounts: accts, Threshold: 0.5, Scorer: scorer, Config: &cfg,
				Now: func() time.Time { return orig.Date.Add(time.Hour) }}
			if err := st.Open(ctx); err != nil {
				t.Fatal(err)
			}
			suggested := natstest.Collect[bus.Suggested](t, b, bus.AllAccounts(bus.KindSuggested))
			actions := natstest.Collect[bus.Action](t, b, bus.AllAccounts(bus.KindAction))
			id := tt.account + "/1/1"
			cl := bus.Classified{V: bus.Version, Ref: bus.Ref{ID: id, Account: tt.account, Mailbox: "INBOX", UIDValidity: 1, UID: 1},
				InternalDate: orig.Date, Verdict: bus.VerdictHam, Raw: raw}
			data, _ := json.Marshal(&cl)
			if err := st.Handle(ctx, bus.NewDelivery("mail.classified."+tt.account, data, nil)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if got := len(suggested()) > 0; got != tt.suggested {
				t.Errorf("suggested %v, want %v", got, tt.suggested)
			}
			if got := len(actions()) > 0; got != tt.draft {
				t.Errorf("drafted %v, want %v", got, tt.draft)
			}
		})
	}
}
