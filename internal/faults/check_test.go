package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/mailmsg"
)

// mail is one message the test put in the mailbox, and what must become
// of it.
type mail struct {
	n       int
	token   string // in the subject: "[m17]"
	raw     []byte
	kind    string
	noID    bool
	junk    bool // must end in Junk (else in INBOX)
	draft   bool // must have exactly one draft
	flagged bool // must carry \Flagged and $Escalated
	// draftOrFlag: either a draft or the flags, one of them (a question
	// the model failed on may go to a human).
	draftOrFlag bool
}

// templates are the demo's messages and what the pipeline does with
// each: spam to Junk, a draft for the questions, the complaint flagged
// for a human with a reply skeleton in Drafts, nothing for the newsletter.
var templates = []struct {
	file, kind           string
	junk, draft, flagged bool
}{
	{"01-colleague.eml", "question", false, true, false},
	{"02-lottery.eml", "spam", true, false, false},
	{"03-newsletter.eml", "newsletter", false, false, false},
	{"04-pharmacy.eml", "spam", true, false, false},
	{"05-complaint.eml", "complaint", false, true, true},
	{"06-thanks.eml", "question", false, true, false},
}

var (
	subjectLine = regexp.MustCompile(`(?m)^Subject: (.*)$`)
	idLine      = regexp.MustCompile(`(?mi)^Message-ID: .*\n`)
	dateLine    = regexp.MustCompile(`(?m)^Date: .*$`)
	threadLine  = regexp.MustCompile(`(?mi)^(In-Reply-To|References): .*$`)
)

// newMail makes message n from template n%6, unique by its subject token
// and Message-ID (or without one).
func (w *world) newMail(n int, noID bool) *mail {
	w.t.Helper()
	tp := templates[n%len(templates)]
	raw, err := os.ReadFile(filepath.Join("..", "..", "cmd", "mailassist", "demo", tp.file))
	if err != nil {
		w.t.Fatal(err)
	}
	token := fmt.Sprintf("[m%d]", n)
	s := string(raw)
	s = subjectLine.ReplaceAllString(s, "Subject: $1 "+token)
	s = dateLine.ReplaceAllString(s, "Date: "+time.Now().Format(time.RFC1123Z))
	if noID {
		s = idLine.ReplaceAllString(s, "")
	} else {
		s = idLine.ReplaceAllString(s, fmt.Sprintf("Message-ID: <fault-%d-%d@example.org>\n", n, time.Now().UnixNano()))
	}
	// Each copy of a reply answers a thread of its own: copies sharing a
	// thread would share its one live draft (a newer draft replaces the
	// stale one).
	s = threadLine.ReplaceAllString(s, fmt.Sprintf("$1: <thread-%d-%d@example.org>", n, time.Now().UnixNano()))
	s = strings.ReplaceAll(s, "\n", "\r\n")
	return &mail{n: n, token: token, raw: []byte(s), kind: tp.kind, noID: noID, junk: tp.junk, draft: tp.draft, flagged: tp.flagged}
}

// deliver appends messages first..first+count-1 to INBOX, spread over
// spread (0: at once), and records them.
func (w *world) deliver(first, count int, spread time.Duration, noID func(n int) bool) []*mail {
	w.t.Helper()
	var ms []*mail
	for n := first; n < first+count; n++ {
		m := w.newMail(n, noID != nil && noID(n))
		w.dovecot.Append(w.t, user, "INBOX", m.raw)
		ms = append(ms, m)
		w.mails = append(w.mails, m)
		if spread > 0 {
			time.Sleep(spread / time.Duration(count))
		}
	}
	return ms
}

// subjectCount counts the events on subject filter.
func (w *world) subjectCount(filter string) int {
	w.connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := w.js.Stream(ctx, bus.StreamName)
	if err != nil {
		return -1
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return -1
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// idle reports whether every stage consumer has nothing left to do.
func (w *world) idle() bool {
	for _, name := range stages {
		ci, err := w.consumerInfo(name)
		if err != nil || ci.NumPending != 0 || ci.NumAckPending != 0 {
			return false
		}
	}
	return true
}

func (w *world) consumerInfo(name string) (*jetstream.ConsumerInfo, error) {
	w.connect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := w.js.Consumer(ctx, bus.StreamName, name)
	if err != nil {
		return nil, err
	}
	return c.Info(ctx)
}

// outcome is what the check found.
type outcome struct {
	applied, deadLettered        int
	inbox, junk, drafts, flagged int
	deadLetters                  []string
	problems                     []string
}

func (o outcome) String() string {
	return fmt.Sprintf("%d messages: %d effect applied, %d dead-lettered with a reason; INBOX %d, Junk %d, Drafts %d, flagged %d; no duplicates",
		o.applied+o.deadLettered, o.applied, o.deadLettered, o.inbox, o.junk, o.drafts, o.flagged)
}

// check compares the mailbox with what must become of every message:
// exactly one terminal state each — its effect applied, or a dead letter
// with a reason — and nothing doubled.
func (w *world) check() outcome {
	var o outcome
	inbox, err1 := w.folder("INBOX")
	junk, err2 := w.folder("Junk")
	drafts, err3 := w.folder("Drafts")
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			o.problems = append(o.problems, "read mailbox: "+err.Error())
			return o
		}
	}
	o.inbox, o.junk, o.drafts = len(inbox), len(junk), len(drafts)
	dead := w.deadLetterTokens()
	count := func(ms []folderMsg, token string, prefix string) (n int, flagged bool) {
		for _, m := range ms {
			if strings.Contains(m.subject, token) && strings.HasPrefix(m.subject, prefix) {
				n++
				flagged = hasFlags(m.flags, `\Flagged`, "$Escalated")
			}
		}
		return n, flagged
	}
	for _, m := range w.mails {
		inInbox, flagged := count(inbox, m.token, "")
		inJunk, _ := count(junk, m.token, "")
		nDrafts, _ := count(drafts, m.token, "Re: ")
		var wrong []string
		if inInbox+inJunk != 1 {
			wrong = append(wrong, fmt.Sprintf("in INBOX %d times and in Junk %d times", inInbox, inJunk))
		} else if m.junk != (inJunk == 1) {
			wrong = append(wrong, fmt.Sprintf("in Junk: %v, want %v", inJunk == 1, m.junk))
		}
		switch {
		case nDrafts > 1:
			wrong = append(wrong, fmt.Sprintf("%d drafts", nDrafts))
		case m.draftOrFlag:
			if (nDrafts == 1) == flagged {
				wrong = append(wrong, fmt.Sprintf("draft: %v, flagged: %v; want one of them", nDrafts == 1, flagged))
			}
		default:
			if m.draft != (nDrafts == 1) {
				wrong = append(wrong, fmt.Sprintf("draft: %v, want %v", nDrafts == 1, m.draft))
			}
			if m.flagged != flagged && !(m.flagged && inInbox == 0) {
				wrong = append(wrong, fmt.Sprintf("flagged: %v, want %v", flagged, m.flagged))
			}
		}
		if flagged {
			o.flagged++
		}
		reason, dl := dead[m.token]
		duplicate := inInbox+inJunk > 1 || nDrafts > 1
		switch {
		case duplicate:
			o.problems = append(o.problems, fmt.Sprintf("%s %s: doubled: %s", m.token, m.kind, strings.Join(wrong, ", ")))
		case len(wrong) == 0 && !dl:
			o.applied++
		case len(wrong) > 0 && dl:
			o.deadLettered++
			o.deadLetters = append(o.deadLetters, m.token+": "+reason)
		case dl:
			o.problems = append(o.problems, fmt.Sprintf("%s %s: effect applied and dead-lettered (%s)", m.token, m.kind, reason))
		default:
			o.problems = append(o.problems, fmt.Sprintf("%s %s: no terminal state: %s", m.token, m.kind, strings.Join(wrong, ", ")))
		}
	}
	sort.Strings(o.problems)
	return o
}

func hasFlags(flags []imap.Flag, want ...string) bool {
	for _, wf := range want {
		found := false
		for _, f := range flags {
			found = found || strings.EqualFold(string(f), wf)
		}
		if !found {
			return false
		}
	}
	return true
}

// deadLetterTokens maps each message's token to the reason of a dead
// letter about it, found through the identities in the events.
func (w *world) deadLetterTokens() map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := w.attach(ctx)
	if err != nil {
		return nil
	}
	dls, err := b.DeadLetters(ctx, bus.DeadLetterFilter{})
	if err != nil || len(dls) == 0 {
		return nil
	}
	tokens := w.identityTokens(ctx, b)
	out := map[string]string{}
	for _, dl := range dls {
		var ev struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(dl.Data, &ev)
		id := ev.ID
		if id == "" { // ingest: the identity is in the msg id
			id = strings.TrimPrefix(dl.MsgID, "ingest/")
		}
		token := tokens[id]
		if token == "" {
			token = "?" + id
		}
		out[token] = fmt.Sprintf("%s: %s (%s)", dl.Stage, dl.Reason, dl.Cause)
	}
	return out
}

// identityTokens maps every ingested identity to its message's token.
func (w *world) identityTokens(ctx context.Context, b *bus.Bus) map[string]string {
	out := map[string]string{}
	tok := regexp.MustCompile(`\[m\d+\]`)
	for seq := uint64(1); ; {
		msg, err := b.Stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(bus.AllAccounts(bus.KindIngested)))
		if err != nil {
			return out
		}
		seq = msg.Sequence + 1
		var in bus.Ingested
		if json.Unmarshal(msg.Data, &in) == nil {
			out[in.ID] = tok.FindString(mailmsg.HeaderValue(in.Raw, "Subject"))
		}
	}
}

// settleSlack stretches every settle budget: the race detector and a
// shared machine slow everything down, and settle returns as soon as the
// check passes, so a generous budget costs a passing run nothing.
const settleSlack = 3

// settle waits until every stage is idle and the check passes, at most
// timeout (times settleSlack), then checks once more and fails the test
// on any problem. It reports the outcome.
func (w *world) settle(timeout time.Duration) outcome {
	w.t.Helper()
	deadline := time.Now().Add(timeout * settleSlack)
	var o outcome
	for {
		if w.idle() {
			o = w.check()
			if len(o.problems) == 0 {
				// Idle twice in a row: nothing was in flight between reads.
				time.Sleep(time.Second)
				if w.idle() {
					if o = w.check(); len(o.problems) == 0 {
						return o
					}
				}
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	o = w.check()
	if !w.idle() {
		o.problems = append(o.problems, fmt.Sprintf("the stages still have work after %s", timeout*settleSlack))
	}
	for _, p := range o.problems {
		w.t.Error(p)
	}
	if len(o.problems) > 0 {
		w.explain(o.problems)
		for role, p := range w.procs {
			w.t.Logf("--- %s log tail:\n%s", role, tailFile(p.log, 15))
		}
		w.t.FailNow()
	}
	return o
}

// explain logs, for the first messages with a problem, every event the
// stream holds about them, to tell what happened.
func (w *world) explain(problems []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := w.attach(ctx)
	if err != nil {
		return
	}
	ids := w.identityTokens(ctx, b)
	tok := regexp.MustCompile(`^\[m\d+\]`)
	for _, p := range problems[:min(3, len(problems))] {
		token := tok.FindString(p)
		var mine []string
		for id, tk := range ids {
			if tk == token {
				mine = append(mine, id)
			}
		}
		w.t.Logf("--- %s: identities %v", token, mine)
		for seq := uint64(1); ; {
			msg, err := b.Stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject("mail.>"))
			if err != nil {
				break
			}
			seq = msg.Sequence + 1
			for _, id := range mine {
				if bytes.Contains(msg.Data, []byte(`"id":"`+id+`"`)) {
					data := msg.Data
					if i := bytes.Index(data, []byte(`"raw":"`)); i >= 0 {
						data = append(append([]byte{}, data[:i]...), `"raw":…}`...)
					}
					w.t.Logf("    %d %s %s", msg.Sequence, msg.Subject, data[:min(len(data), 400)])
				}
			}
		}
	}
}
