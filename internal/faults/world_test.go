package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/mailmsg"
)

const user, fbUser, password = "demo", "fb", "secret"

// fbAccount is the config entry of the feedback account, when wanted.
func fbAccount(w *world, want bool) string {
	if !want {
		return ""
	}
	return fmt.Sprintf(`  - name: fb
    address: fb@example.org
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: implicit, ca_file: %q, username: fb, password_file: %q}`,
		w.dovecot.TLSPort, w.dovecot.CAFile, w.dovecot.PasswordFile(w.t, password))
}

// stages are the stage consumers whose backlog must drain.
var stages = []string{"spam", "spam-feedback", "reply", "escalate", "apply"}

// world is one case's Dovecot, NATS and mailassist processes.
type world struct {
	t       *testing.T
	name    string
	dir     string
	dovecot *dovecottest.Server
	nats    *natstest.Process // nil when mailassist runs the embedded server
	natsURL string
	cfgPath string // the config, without http.listen
	cfgText string
	http    map[string]string // role -> its /metrics, /healthz, /readyz address
	procs   map[string]*proc
	mails   []*mail
	nc      *nats.Conn
	js      jetstream.JetStream
}

// options shape a world.
type options struct {
	// embedded: mailassist run starts the embedded NATS server in
	// dataDir (default: a separate nats-server process).
	embedded bool
	dataDir  string
	// yaml is appended to the config (spam, reply, escalate, llm).
	yaml string
	// stream is the stream section (default max_bytes 256MiB).
	stream string
	// feedback adds a second account, "fb", for the user's moves: they
	// train that account's own model, and the demo account's verdicts
	// stay those the templates expect.
	feedback bool
}

func newWorld(t *testing.T, o options) *world {
	t.Helper()
	w := &world{t: t, name: t.Name(), dir: t.TempDir(), procs: map[string]*proc{}, http: map[string]string{}}
	w.dovecot = dovecottest.Start(t, dovecottest.WithUser(user, password), dovecottest.WithUser(fbUser, password))
	natsLine := ""
	if o.embedded {
		w.natsURL = "nats://127.0.0.1:" + freePort(t)
		natsLine = fmt.Sprintf(`nats: {listen: %q}`, strings.TrimPrefix(w.natsURL, "nats://"))
	} else {
		w.nats = natstest.StartProcess(t)
		w.natsURL = w.nats.URL
		natsLine = fmt.Sprintf(`nats: {url: %q}`, w.natsURL)
	}
	if o.dataDir == "" {
		o.dataDir = filepath.Join(w.dir, "data")
	}
	if o.stream == "" {
		o.stream = "stream: {max_bytes: 256MiB}"
	}
	cfg := fmt.Sprintf(`data_dir: %s
log: {level: info, format: json}
%s
%s
stages: {ack_wait: 5s, grace: 5s}
accounts:
  - name: demo
    address: demo@example.org
    display_name: Demo User
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: implicit, ca_file: %q, username: demo, password_file: %q}
%s
%s
`, o.dataDir, natsLine, o.stream, w.dovecot.TLSPort, w.dovecot.CAFile, w.dovecot.PasswordFile(t, password), fbAccount(w, o.feedback), o.yaml)
	w.cfgText = cfg
	w.cfgPath = filepath.Join(w.dir, "mailassist.yaml")
	if err := os.WriteFile(w.cfgPath, []byte(cfg+"http: {listen: \"\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binary, "config", "check", w.cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("config check: %v\n%s", err, out)
	}
	return w
}

// connect opens the test's own NATS connection, to read the stream
// (waiting for an embedded server to come up with run).
func (w *world) connect() {
	w.t.Helper()
	if w.nc != nil {
		return
	}
	nc, err := nats.Connect(w.natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond),
		nats.RetryOnFailedConnect(true))
	if err != nil {
		w.t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !nc.IsConnected(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			w.t.Fatalf("no NATS server at %s", w.natsURL)
		}
	}
	w.t.Cleanup(nc.Close)
	w.nc = nc
	w.js, _ = jetstream.New(nc)
}

// attach returns the bus for reading.
func (w *world) attach(ctx context.Context) (*bus.Bus, error) {
	w.connect()
	return bus.Attach(ctx, w.nc, bus.Options{})
}

// proc is one mailassist process.
type proc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// start runs `mailassist <role> --config` ("run" for every role in one
// process).
func (w *world) start(role string) {
	w.t.Helper()
	if p := w.procs[role]; p != nil && p.running() {
		w.t.Fatalf("%s already runs", role)
	}
	logPath := filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", role, time.Now().UnixNano()))
	f, err := os.Create(logPath)
	if err != nil {
		w.t.Fatal(err)
	}
	// Each process serves its own /metrics, /healthz and /readyz.
	if w.http[role] == "" {
		w.http[role] = "127.0.0.1:" + freePort(w.t)
	}
	cfgPath := filepath.Join(w.dir, role+".yaml")
	if err := os.WriteFile(cfgPath, []byte(w.cfgText+fmt.Sprintf("http: {listen: %q}\n", w.http[role])), 0o600); err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command(binary, role, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	w.procs[role] = p
	w.t.Cleanup(func() { p.signal(syscall.SIGKILL) })
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *proc) signal(sig syscall.Signal) {
	if p.running() {
		_ = p.cmd.Process.Signal(sig)
		<-p.done
	}
}

// kill ends a role with SIGKILL, as a crash would.
func (w *world) kill(role string) {
	w.t.Helper()
	w.procs[role].signal(syscall.SIGKILL)
}

// alive fails the test if a role process exited by itself: nothing may
// need a restart by hand.
func (w *world) alive(roles ...string) {
	w.t.Helper()
	for _, r := range roles {
		if p := w.procs[r]; p == nil || !p.running() {
			w.t.Fatalf("%s is not running (exited by itself):\n%s", r, tailFile(w.procs[r].log, 30))
		}
	}
}

// logs returns the log records of every process of role at level and
// above, as JSON maps.
func (w *world) logs(role, level string) []map[string]any {
	var out []map[string]any
	files, _ := filepath.Glob(filepath.Join(w.dir, role+"-*.log"))
	rank := map[string]int{"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue
			}
			if l, _ := rec["level"].(string); rank[l] >= rank[level] {
				out = append(out, rec)
			}
		}
	}
	return out
}

func tailFile(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := strings.Cut(ln.Addr().String(), ":")
	return port
}

// imapSession logs in as the user for one look at the mailbox.
func (w *world) imapSession(f func(c *imapclient.Client) error) error {
	return w.imapSessionAs(user, f)
}

func (w *world) imapSessionAs(name string, f func(c *imapclient.Client) error) error {
	c, err := imapclient.DialInsecure(w.dovecot.Addr(), nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(name, password).Wait(); err != nil {
		return err
	}
	err = f(c)
	_ = c.Logout().Wait()
	return err
}

// folderMsg is a message as a folder holds it.
type folderMsg struct {
	uid     imap.UID
	subject string
	flags   []imap.Flag
	raw     []byte
}

// folder reads every message of a mailbox (none if it does not exist).
func (w *world) folder(name string) ([]folderMsg, error) {
	var out []folderMsg
	err := w.imapSession(func(c *imapclient.Client) error {
		sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return nil // not there (yet)
		}
		if sel.NumMessages == 0 {
			return nil
		}
		body := &imap.FetchItemBodySection{Peek: true}
		bufs, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
			UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{body},
		}).Collect()
		if err != nil {
			return err
		}
		for _, b := range bufs {
			raw := b.FindBodySection(body)
			out = append(out, folderMsg{uid: b.UID, subject: mailmsg.HeaderValue(raw, "Subject"), flags: b.Flags, raw: raw})
		}
		return nil
	})
	return out, err
}

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
// for a human, nothing for the newsletter.
var templates = []struct {
	file, kind           string
	junk, draft, flagged bool
}{
	{"01-colleague.eml", "question", false, true, false},
	{"02-lottery.eml", "spam", true, false, false},
	{"03-newsletter.eml", "newsletter", false, false, false},
	{"04-pharmacy.eml", "spam", true, false, false},
	{"05-complaint.eml", "complaint", false, false, true},
	{"06-thanks.eml", "question", false, true, false},
}

var (
	subjectLine = regexp.MustCompile(`(?m)^Subject: (.*)$`)
	idLine      = regexp.MustCompile(`(?mi)^Message-ID: .*\n`)
	dateLine    = regexp.MustCompile(`(?m)^Date: .*$`)
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

// settle waits until every stage is idle and the check passes, at most
// timeout, then checks once more and fails the test on any problem. It
// reports the outcome.
func (w *world) settle(timeout time.Duration) outcome {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
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
		o.problems = append(o.problems, fmt.Sprintf("the stages still have work after %s", timeout))
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
