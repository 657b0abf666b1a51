package fate_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/draft"
	"mailassist/fate"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/internal/testacct"
	"mailassist/mailmsg"
)

// lab is a Dovecot mailbox, a bus, apply running against both, the
// drafts' ledger and the fate tracker: what the reply, apply and
// draft-fate stages do to one account's drafts.
type lab struct {
	t       *testing.T
	s       *dovecottest.Server
	b       *bus.Bus
	acct    account.Account
	ledger  *draft.Ledger
	tracker *fate.Tracker
	now     time.Time
	uid     uint32
}

func newLab(t *testing.T) *lab {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", s.CAFile, "    display_name: Alice\n")
	b := natstest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	ledger, err := draft.OpenLedger(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	a := &apply.Applier{Bus: b, Accounts: []account.Account{acct}, Ledger: ledger}
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(ctx, a.Stage(1), testacct.Quiet) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	l := &lab{t: t, s: s, b: b, acct: acct, ledger: ledger, now: time.Now()}
	l.tracker = &fate.Tracker{Bus: b, Accounts: []account.Account{acct}, Ledger: ledger, Log: testacct.Log(t),
		PendingAfter: 72 * time.Hour, CheckEvery: 10 * time.Minute, Now: func() time.Time { return l.now }}
	return l
}

// message is a message from Bob in INBOX: its Message-ID id, answering
// parent (and the thread's first, root) when they are set.
func (l *lab) message(id, root, parent, body string) (*mailmsg.Message, bus.Ref) {
	l.uid++
	hdr := fmt.Sprintf("From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>\r\nSubject: Friday?\r\nMessage-ID: <%s>\r\nDate: %s\r\n",
		id, l.now.Format(time.RFC1123Z))
	if parent != "" {
		hdr += fmt.Sprintf("In-Reply-To: <%s>\r\nReferences: <%s> <%s>\r\n", parent, root, parent)
	}
	m := mailmsg.Parse([]byte(hdr + "\r\n" + body + "\r\n"))
	return m, bus.Ref{ID: bus.Identity("alice", 7, l.uid), Account: "alice", Mailbox: "INBOX", UIDValidity: 7, UID: l.uid, MessageID: id}
}

// file asks for the draft body answering m, as the reply stage does.
func (l *lab) file(m *mailmsg.Message, ref bus.Ref, body, intent string) draft.Filed {
	l.t.Helper()
	f, err := draft.File(context.Background(), l.b, m, &l.acct, body, draft.Request{
		Stage: "reply", ID: ref.ID, Now: l.now, Signature: "-- \nAlice", Ledger: l.ledger, Original: ref,
		Source: bus.DraftBuiltin, Intent: intent,
	})
	if err != nil {
		l.t.Fatal(err)
	}
	return f
}

// drafts are the messages of Drafts by their X-Mailassist-Ref ("" for
// one without).
func (l *lab) drafts() map[string][]dovecottest.Message {
	out := map[string][]dovecottest.Message{}
	for _, m := range l.s.Mailbox(l.t, "alice", "Drafts") {
		ref := mailmsg.HeaderValue(m.Raw, bus.RefHeader)
		out[ref] = append(out[ref], m)
	}
	return out
}

func (l *lab) waitDrafts(what string, cond func(map[string][]dovecottest.Message) bool) {
	l.t.Helper()
	natstest.WaitFor(l.t, what, func() bool { return cond(l.drafts()) })
}

func (l *lab) record(ref string) *draft.Record {
	l.t.Helper()
	r, err := l.ledger.Get(context.Background(), ref)
	if err != nil || r == nil {
		l.t.Fatalf("ledger record %s: %v, %v", ref, r, err)
	}
	return r
}

func (l *lab) waitState(ref string, state draft.State) {
	l.t.Helper()
	natstest.WaitFor(l.t, ref+" "+string(state), func() bool { return l.record(ref).State == state })
}

// edit does what a mail client does when the user edits a draft: it
// saves a new message (without mailassist's header) and deletes the old.
func (l *lab) edit(ref, newText string) {
	l.t.Helper()
	old := l.drafts()[ref]
	if len(old) != 1 {
		l.t.Fatalf("draft %s: %d in Drafts", ref, len(old))
	}
	raw := string(old[0].Raw)
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	var kept []string
	for line := range strings.SplitSeq(head, "\r\n") {
		if !strings.HasPrefix(line, bus.RefHeader+":") && !strings.HasPrefix(line, "Content-Transfer-Encoding:") {
			kept = append(kept, line)
		}
	}
	_, quote, _ := strings.Cut(body, "\r\nOn ")
	edited := strings.Join(kept, "\r\n") + "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + newText + "\r\n\r\nOn " + quote
	l.s.Append(l.t, "alice", "Drafts", []byte(edited), imap.FlagDraft, imap.FlagSeen)
	l.expunge(old[0].UID)
}

func (l *lab) expunge(uid imap.UID) {
	l.t.Helper()
	c := l.s.Dial(l.t, "alice")
	if _, err := c.Select("Drafts", nil).Wait(); err != nil {
		l.t.Fatal(err)
	}
	set := imap.UIDSetNum(uid)
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		l.t.Fatal(err)
	}
	if err := c.UIDExpunge(set).Close(); err != nil {
		l.t.Fatal(err)
	}
}

// send is the user's reply to m arriving in Sent, as mail.sent carries
// it to the draft-fate stage.
func (l *lab) send(m *mailmsg.Message, text string) {
	l.t.Helper()
	l.uid++
	id := fmt.Sprintf("sent-%d@example.org", l.uid)
	refs := append(append([]string(nil), m.References...), m.MessageID)
	raw := fmt.Sprintf("From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: Re: Friday?\r\nMessage-ID: <%s>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: %s\r\n\r\n%s\r\n\r\n-- \r\nAlice\r\n\r\nOn Monday, Bob wrote:\r\n> %s\r\n",
		id, m.MessageID, strings.Join(refs, "> <"), l.now.Format(time.RFC1123Z), text, m.Text)
	ev := bus.Sent{V: bus.Version, Ref: bus.Ref{ID: bus.Identity("alice", 9, l.uid), Account: "alice", Mailbox: "Sent", UIDValidity: 9, UID: l.uid, MessageID: id},
		InternalDate: l.now, InReplyTo: []string{m.MessageID}, References: refs, Raw: []byte(raw), SeenAt: l.now}
	d := natstest.Delivery(l.t, bus.Subject(bus.KindSent, "alice"), ev)
	for range 2 { // a redelivery settles nothing twice
		if err := l.tracker.HandleSent(context.Background(), d); err != nil {
			l.t.Fatal(err)
		}
	}
}

// A draft's life against a real server: signed above the quote; one
// live draft per thread; an edited draft survives a newer message and
// holds its thread; the user's own reply removes the unedited draft and
// settles sent_unchanged or sent_edited; deletes and pending drafts are
// recorded by the look at Drafts; the stats add up.
func TestDovecotDraftLife(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	feedback := natstest.Collect[bus.Feedback](t, l.b, bus.AllAccounts(bus.KindFeedback))

	// Signature: below the reply, above the quote, behind "-- ".
	a1, refA1 := l.message("a1@example.org", "", "", "Can we meet on Friday?")
	if f := l.file(a1, refA1, "Yes, Friday works for me.", "yes"); !f.Drafted || f.Replaces != "" {
		t.Fatalf("first draft of thread A: %+v", f)
	}
	l.waitDrafts("thread A's draft", func(d map[string][]dovecottest.Message) bool { return len(d[refA1.ID]) == 1 })
	text := strings.ReplaceAll(mailmsg.Parse(l.drafts()[refA1.ID][0].Raw).Text, "\r\n", "\n")
	if !strings.HasPrefix(text, "Yes, Friday works for me.\n\n-- \nAlice\n\nOn ") || !strings.Contains(text, "wrote:\n> Can we meet on Friday?") {
		t.Fatalf("draft text:\n%s\nwant the reply, then '-- \\nAlice', then the quote", text)
	}

	// A second message in thread A replaces the stale draft: exactly one.
	a2, refA2 := l.message("a2@example.org", "a1@example.org", "a1@example.org", "Or Saturday?")
	if f := l.file(a2, refA2, "Saturday works too.", "yes"); !f.Drafted || f.Replaces != refA1.ID {
		t.Fatalf("second draft of thread A: %+v, want it to replace %s", f, refA1.ID)
	}
	l.waitDrafts("thread A's draft replaced", func(d map[string][]dovecottest.Message) bool {
		return len(d[refA2.ID]) == 1 && len(d[refA1.ID]) == 0
	})
	if n := len(l.s.Mailbox(t, "alice", "Drafts")); n != 1 {
		t.Fatalf("Drafts holds %d messages after the replacement, want 1", n)
	}
	if r := l.record(refA1.ID); r.Fate != bus.FateReplaced || r.ReplacedBy != refA2.ID {
		t.Errorf("replaced draft: fate %q by %q", r.Fate, r.ReplacedBy)
	}

	// An edited draft (re-saved by the client without mailassist's
	// header) survives a newer message, which gets no draft beside it.
	b1, refB1 := l.message("b1@example.org", "", "", "Could you send the slides?")
	l.file(b1, refB1, "Sure, I'll send them over.", "will-do")
	l.waitDrafts("thread B's draft", func(d map[string][]dovecottest.Message) bool { return len(d[refB1.ID]) == 1 })
	l.edit(refB1.ID, "Sure, I will send them over tonight, after the call.")
	b2, refB2 := l.message("b2@example.org", "b1@example.org", "b1@example.org", "Also the notes, please.")
	l.file(b2, refB2, "Sure.", "will-do")
	l.waitState(refB2.ID, draft.StateWithheld)
	if d := l.drafts(); len(d[""]) != 1 || len(d[refB2.ID]) != 0 || !strings.Contains(string(d[""][0].Raw), "after the call") {
		t.Fatalf("thread B: the edited draft must stay alone in Drafts: %d edited, %d new", len(d[""]), len(d[refB2.ID]))
	}
	if !l.record(refB1.ID).Edited {
		t.Error("the ledger does not know thread B's draft was edited")
	}
	b3, refB3 := l.message("b3@example.org", "b1@example.org", "b2@example.org", "Thanks!")
	if f := l.file(b3, refB3, "You're welcome.", "welcome"); f.Drafted || !f.Withheld {
		t.Errorf("a third message in thread B: %+v, want withheld beside the edited draft", f)
	}

	// The user answers thread C with the draft's text (sent_unchanged) and
	// thread D with their own words (sent_edited): the unedited drafts go.
	c1, refC1 := l.message("c1@example.org", "", "", "Are you coming to the party?")
	l.file(c1, refC1, "Yes, I'll be there.", "yes")
	d1, refD1 := l.message("d1@example.org", "", "", "Can you review my patch?")
	l.file(d1, refD1, "Sure, I'll take a look.", "will-do")
	l.waitDrafts("threads C and D's drafts", func(d map[string][]dovecottest.Message) bool {
		return len(d[refC1.ID]) == 1 && len(d[refD1.ID]) == 1
	})
	l.send(c1, "Yes, I'll be there.")
	l.send(d1, "Sure, I'll take a look tomorrow morning and send you my comments.")
	l.waitDrafts("threads C and D's drafts removed", func(d map[string][]dovecottest.Message) bool {
		return len(d[refC1.ID]) == 0 && len(d[refD1.ID]) == 0
	})
	if r := l.record(refC1.ID); r.Fate != bus.FateSentUnchanged || r.EditDistance != 0 {
		t.Errorf("thread C: fate %q, edit distance %g; want sent_unchanged", r.Fate, r.EditDistance)
	}
	if r := l.record(refD1.ID); r.Fate != bus.FateSentEdited || !(r.EditDistance > 0 && r.EditDistance < 1) {
		t.Errorf("thread D: fate %q, edit distance %g; want sent_edited with a distance in (0, 1)", r.Fate, r.EditDistance)
	}
	// The user answers thread B with their edited text: sent_edited, and
	// the edited draft is theirs, never removed.
	l.send(b2, "Sure, I will send them over tonight, after the call.")
	if r := l.record(refB1.ID); r.Fate != bus.FateSentEdited || !(r.EditDistance > 0) {
		t.Errorf("thread B: fate %q, edit distance %g; want sent_edited", r.Fate, r.EditDistance)
	}
	time.Sleep(300 * time.Millisecond) // a removal, were one asked for, would be done by now
	if d := l.drafts(); len(d[""]) != 1 {
		t.Errorf("the user's edited draft was removed: %d left", len(d[""]))
	}

	// The user deletes thread E's draft; thread F's waits unsent.
	e1, refE1 := l.message("e1@example.org", "", "", "Do you need anything else?")
	l.file(e1, refE1, "No, thanks.", "no")
	f1, refF1 := l.message("f1@example.org", "", "", "Is the report ready?")
	l.file(f1, refF1, "Not yet, I'll let you know.", "will-follow-up")
	l.waitDrafts("threads E and F's drafts", func(d map[string][]dovecottest.Message) bool {
		return len(d[refE1.ID]) == 1 && len(d[refF1.ID]) == 1
	})
	l.expunge(l.drafts()[refE1.ID][0].UID)
	for _, step := range []time.Duration{0, 11 * time.Minute, 73 * time.Hour} {
		l.now = l.now.Add(step)
		if err := l.tracker.CheckOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if r := l.record(refE1.ID); r.Fate != bus.FateDeleted {
		t.Errorf("thread E: fate %q, want deleted", r.Fate)
	}
	if r := l.record(refF1.ID); r.Fate != bus.FatePending {
		t.Errorf("thread F: fate %q, want pending", r.Fate)
	}
	if r := l.record(refA2.ID); r.Fate != bus.FatePending {
		t.Errorf("thread A: fate %q, want pending", r.Fate)
	}

	// The stats add up: every filed draft has one fate (or is open), and
	// each source and intent adds up to the whole.
	st, err := l.ledger.Stats(ctx, "alice", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	o := st.Overall
	want := draft.Counts{Filed: 7, SentUnchanged: 1, SentEdited: 2, Deleted: 1, Pending: 2, Replaced: 1}
	if o.Filed != want.Filed || o.SentUnchanged != want.SentUnchanged || o.SentEdited != want.SentEdited ||
		o.Deleted != want.Deleted || o.Pending != want.Pending || o.Replaced != want.Replaced || o.Open != want.Open {
		t.Errorf("stats %+v, want %+v", o, want)
	}
	if sum := o.SentUnchanged + o.SentEdited + o.Deleted + o.Pending + o.Replaced + o.Open; sum != o.Filed {
		t.Errorf("fates add up to %d, filed %d", sum, o.Filed)
	}
	if got := 3.0 / 6; o.Acceptance != got {
		t.Errorf("acceptance %g, want %g", o.Acceptance, got)
	}
	for name, by := range map[string]map[string]*draft.Counts{"source": st.BySource, "intent": st.ByIntent} {
		filed := 0
		for _, c := range by {
			filed += c.Filed
		}
		if filed != o.Filed {
			t.Errorf("by %s: %d filed, overall %d", name, filed, o.Filed)
		}
	}
	if c := st.ByIntent["will-do"]; c == nil || c.Filed != 2 || c.SentEdited != 2 {
		t.Errorf("intent will-do: %+v, want two sent_edited (thread D, and thread B's edited draft)", c)
	}
	if c := st.BySource[string(bus.DraftBuiltin)]; c == nil || c.Filed != o.Filed {
		t.Errorf("source builtin: %+v, want every draft", c)
	}

	// Each fate was published once, on mail.feedback.alice, kind draft.
	natstest.WaitFor(t, "the fates' feedback", func() bool { return len(feedback()) >= 7 })
	time.Sleep(200 * time.Millisecond)
	var fates []string
	for _, fb := range feedback() {
		if fb.Kind != bus.FeedbackDraft || fb.Draft == nil {
			t.Errorf("feedback %+v, want kind draft", fb)
			continue
		}
		fates = append(fates, fb.ID+" "+string(fb.Draft.Fate))
	}
	slices.Sort(fates)
	wantFates := []string{refA1.ID + " replaced", refA2.ID + " pending", refB1.ID + " sent_edited", refC1.ID + " sent_unchanged", refD1.ID + " sent_edited",
		refE1.ID + " deleted", refF1.ID + " pending"}
	slices.Sort(wantFates)
	if !slices.Equal(fates, wantFates) {
		t.Errorf("feedback fates:\n%v\nwant\n%v", fates, wantFates)
	}
}
