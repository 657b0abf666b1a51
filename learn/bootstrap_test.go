package learn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
	"mailassist/internal/testacct"
	"mailassist/msgindex"
	"mailassist/setting"
	"mailassist/spam"
)

// mailbox is an IMAP server as a bootstrap test sees it: a client to set
// the mailbox up with, and the account the learner reads it as.
type mailbox struct {
	c    *imapclient.Client
	acct account.Account
}

// put appends a message to folder, received age ago, with flags.
func (mb mailbox) put(t *testing.T, folder string, raw []byte, age time.Duration, flags ...imap.Flag) {
	t.Helper()
	cmd := mb.c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: time.Now().Add(-age).Truncate(time.Second)})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append to %s: %v", folder, err)
	}
}

func (mb mailbox) create(t *testing.T, folder string) {
	t.Helper()
	if err := mb.c.Create(folder, nil).Wait(); err != nil {
		t.Fatalf("create %s: %v", folder, err)
	}
}

// memMailbox is go-imap's in-memory server with INBOX, Drafts, Junk,
// Sent and Archive, found by their names.
func memMailbox(t *testing.T) mailbox {
	srv := memimap.Start(t)
	mb := mailbox{c: srv.Dial(t), acct: testacct.Account(t, srv.Host, srv.Port, "none", "", "    folders: {archive: Archive}\n")}
	mb.create(t, "Archive")
	return mb
}

func msg(from, to, subject, id, body string) []byte {
	return fmt.Appendf(nil, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		from, to, subject, id, body)
}

func spamMsg(id string) []byte {
	return msg("Best Deals <deals@offers.example>", "alice@example.org", "You won a FREE prize "+id, id,
		"Click here now to claim your free prize! Cheap meds, casino bonus, limited offer "+id)
}

func hamMsg(id string) []byte {
	return msg("Bob <bob@example.org>", "alice@example.org", "Notes from the meeting "+id, id,
		"Hi Alice, here are the notes from today's planning meeting. See you Tuesday. "+id)
}

// learner is a Learner on a fresh bus whose adapt records, by
// Message-ID, the label of every example it was given.
type learner struct {
	*Learner
	bus *bus.Bus

	mu     sync.Mutex
	labels map[string][]bool // Message-ID -> labels learnt, one per time
	calls  int
}

var messageID = regexp.MustCompile(`(?m)^Message-ID: <([^>]*)>`)

func newLearner(t *testing.T, cfg spam.Config, log *slog.Logger) *learner {
	t.Helper()
	ctx := context.Background()
	b := natstest.New(t)
	models, err := spam.NewModels(ctx, b, spam.Default(), testacct.Quiet)
	if err != nil {
		t.Fatal(err)
	}
	corr, err := spam.OpenCorrespondents(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(ctx, b, models, corr, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	tl := &learner{Learner: l, bus: b, labels: map[string][]bool{}}
	l.adapt = func(base *spam.Model, exs []spam.Example, o spam.AdaptOptions) (*spam.Model, spam.Adaptation, error) {
		tl.mu.Lock()
		tl.calls++
		for _, ex := range exs {
			id := "(none)"
			if m := messageID.FindSubmatch(ex.Raw); m != nil {
				id = string(m[1])
			}
			tl.labels[id] = append(tl.labels[id], ex.Spam)
		}
		tl.mu.Unlock()
		return spam.Adapt(base, exs, o)
	}
	return tl
}

// learnt returns what was learnt since the last call, as "id:spam" or
// "id:ham", sorted.
func (l *learner) learnt() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for id, labels := range l.labels {
		for _, s := range labels {
			out = append(out, id+map[bool]string{true: ":spam", false: ":ham"}[s])
		}
	}
	l.labels = map[string][]bool{}
	slices.Sort(out)
	return out
}

func (l *learner) model(t *testing.T) (*spam.Model, map[string]string) {
	t.Helper()
	m, meta, err := l.Models.Current(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	return m, meta
}

func (l *learner) known(t *testing.T, addr string) bool {
	t.Helper()
	ok, err := l.Correspondents.Known(context.Background(), "alice", addr)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func bounded(maxSpam, maxHam int) spam.Config {
	return spam.Config{Bootstrap: spam.Bootstrap{MaxSpam: maxSpam, MaxHam: maxHam}}
}

// seedMailbox lays out the mailbox every bootstrap test reads (newest
// last):
//
//	Junk     s1 (4h) s2 (3h) s3 (2h) s4 (1h)                  all spam
//	INBOX    h1 seen (5h), h2 answered (3h), u1 unread (1h),
//	         s4 again, read (the user also put it in Junk)
//	Sent     t1 seen to carol, cc erin (2h); t2 not seen, to dave (1h)
//	Archive  a1 seen (1h); h1 again, seen (30m)
//	Drafts   d1 seen (not a ham folder)
func seedMailbox(t *testing.T, mb mailbox) {
	for i, age := range []time.Duration{4, 3, 2, 1} {
		mb.put(t, "Junk", spamMsg(fmt.Sprintf("s%d@x", i+1)), age*time.Hour)
	}
	mb.put(t, "INBOX", hamMsg("h1@x"), 5*time.Hour, imap.FlagSeen)
	mb.put(t, "INBOX", hamMsg("h2@x"), 3*time.Hour, imap.FlagAnswered)
	mb.put(t, "INBOX", hamMsg("u1@x"), time.Hour)
	mb.put(t, "INBOX", spamMsg("s4@x"), time.Hour, imap.FlagSeen)
	mb.put(t, "Sent", msg("alice@example.org", "Carol <carol@example.net>\r\nCc: erin@example.com", "Lunch?", "t1@x", "Lunch on Friday?"), 2*time.Hour, imap.FlagSeen)
	mb.put(t, "Sent", msg("alice@example.org", "dave@example.net", "The report", "t2@x", "Here is the report."), time.Hour)
	mb.put(t, "Archive", hamMsg("a1@x"), time.Hour, imap.FlagSeen)
	mb.put(t, "Archive", hamMsg("h1@x"), 30*time.Minute, imap.FlagSeen)
	mb.put(t, "Drafts", hamMsg("d1@x"), time.Hour, imap.FlagSeen)
}

// bootstrapScenario is the bootstrap's contract, run against each
// server: the right messages with the right labels, the newest of each
// class within its bound, each once across runs, and the Sent folder's
// recipients as correspondents.
func bootstrapScenario(t *testing.T, mb mailbox) {
	ctx := context.Background()
	seedMailbox(t, mb)
	l := newLearner(t, bounded(3, 3), testacct.Log(t))

	st, err := l.Bootstrap(ctx, &mb.acct, false)
	if err != nil {
		t.Fatal(err)
	}
	// spam: the newest three of Junk. ham: read or answered, not in Junk,
	// in INBOX, Sent or Archive, each once, the newest three (h1's newest
	// copy is the one in Archive; h2 is the oldest left and out of bound).
	want := []string{"a1@x:ham", "h1@x:ham", "s2@x:spam", "s3@x:spam", "s4@x:spam", "t1@x:ham"}
	if got := l.learnt(); !slices.Equal(got, want) {
		t.Fatalf("first bootstrap learnt %v, want %v", got, want)
	}
	if st.State != "done" || st.Spam != 3 || st.Ham != 3 || st.Skipped != 0 || st.Correspondents != 3 {
		t.Errorf("status %+v: want done, 3 spam, 3 ham, 0 skipped, 3 correspondents", st)
	}
	for _, a := range []string{"carol@example.net", "erin@example.com", "dave@example.net"} {
		if !l.known(t, a) {
			t.Errorf("%s, a recipient in Sent, is not a correspondent", a)
		}
	}
	if l.known(t, "bob@example.org") {
		t.Error("bob, who only wrote to alice, became a correspondent")
	}
	m, _ := l.model(t)
	v1 := m.Version()
	if !strings.Contains(v1, "+6.") || !m.TrainedOn(spamMsg("s2@x")) || m.TrainedOn(spamMsg("s1@x")) {
		t.Errorf("saved model %s: want 6 learnt, s2 among them and not s1", v1)
	}

	// Again, as `spam learn` does: nothing new, nothing learnt twice.
	st, err = l.Bootstrap(ctx, &mb.acct, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.learnt(); len(got) != 0 {
		t.Errorf("second bootstrap learnt %v again", got)
	}
	if m, _ := l.model(t); m.Version() != v1 || st.Skipped != 6 || st.Spam+st.Ham != 0 {
		t.Errorf("second bootstrap: model %s (want %s), status %+v (want 6 skipped, none learnt)", m.Version(), v1, st)
	}

	// New mail: only it is learnt.
	mb.put(t, "Junk", spamMsg("s5@x"), 0)
	mb.put(t, "INBOX", hamMsg("n1@x"), 0, imap.FlagSeen)
	if _, err = l.Bootstrap(ctx, &mb.acct, true); err != nil {
		t.Fatal(err)
	}
	if got, want := l.learnt(), []string{"n1@x:ham", "s5@x:spam"}; !slices.Equal(got, want) {
		t.Errorf("third bootstrap learnt %v, want %v", got, want)
	}
}

func TestBootstrapLearnsTheMailboxOnce(t *testing.T) {
	bootstrapScenario(t, memMailbox(t))
}

// TestBootstrapDoneIsNotRepeated: an account's first start bootstraps it;
// later starts do not (only `spam learn` forces it).
func TestBootstrapDoneIsNotRepeated(t *testing.T) {
	mb := memMailbox(t)
	seedMailbox(t, mb)
	l := newLearner(t, bounded(3, 3), testacct.Quiet)
	for range 2 {
		if _, err := l.Bootstrap(context.Background(), &mb.acct, false); err != nil {
			t.Fatal(err)
		}
	}
	if l.calls != 1 {
		t.Errorf("a done bootstrap ran again: %d adaptations", l.calls)
	}
}

// TestBootstrapCrashBetweenSaveAndMarks plays a crash after the model was
// saved and before its messages were marked learnt: the next start learns
// nothing twice.
func TestBootstrapCrashBetweenSaveAndMarks(t *testing.T) {
	ctx := context.Background()
	mb := memMailbox(t)
	seedMailbox(t, mb)
	l := newLearner(t, bounded(3, 3), testacct.Quiet)
	mark, crash := l.mark, errors.New("crash")
	l.mark = func(context.Context, string) error { return crash }

	st, err := l.Bootstrap(ctx, &mb.acct, false)
	if !errors.Is(err, crash) || st.State != "failed" {
		t.Fatalf("bootstrap with failing marks: %v, status %+v; want the crash and failed", err, st)
	}
	if got := l.learnt(); len(got) != 6 {
		t.Fatalf("learnt %v before the crash, want 6", got)
	}
	saved, _ := l.model(t)
	if !strings.Contains(saved.Version(), "+6.") {
		t.Fatalf("the model was not saved before the marks: %s", saved.Version())
	}

	// Before the restart, the user moves a message to Junk: the feedback
	// stage saves the model too.
	tr, err := spam.NewTrainer(ctx, l.bus, l.Models)
	if err != nil {
		t.Fatal(err)
	}
	fb, _ := json.Marshal(bus.Feedback{V: bus.Version, Ref: bus.Ref{ID: bus.Identity("alice", 9, 77), Account: "alice", Mailbox: "Junk",
		UIDValidity: 9, UID: 77}, Label: bus.LabelSpam, Source: "user-move", Raw: spamMsg("f1@x"), At: time.Now()})
	if err := tr.Handle(ctx, bus.NewDelivery("mail.feedback.alice", fb, nil)); err != nil {
		t.Fatal(err)
	}
	saved, _ = l.model(t)
	if !strings.Contains(saved.Version(), "+7.") {
		t.Fatalf("the feedback was not learnt: %s", saved.Version())
	}

	// The next start (not forced: the last one failed) finishes the batch.
	l.mark = mark
	st, err = l.Bootstrap(ctx, &mb.acct, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.learnt(); len(got) != 0 {
		t.Errorf("after the crash the bootstrap learnt %v again", got)
	}
	if m, _ := l.model(t); m.Version() != saved.Version() || st.State != "done" || st.Skipped != 6 {
		t.Errorf("after the crash: model %s (want %s), status %+v", m.Version(), saved.Version(), st)
	}
}

// TestBootstrapCrashBeforeSave: a batch recorded whose model was never
// saved is learnt again from the start, once.
func TestBootstrapCrashBeforeSave(t *testing.T) {
	ctx := context.Background()
	mb := memMailbox(t)
	seedMailbox(t, mb)
	l := newLearner(t, bounded(3, 3), testacct.Quiet)
	// As if a run recorded its batch and died before saving the model.
	if _, err := l.kv.Put(ctx, "batch.alice", []byte(`{"id":"lost","keys":["alice.0123"]}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Bootstrap(ctx, &mb.acct, false); err != nil {
		t.Fatal(err)
	}
	if got := l.learnt(); len(got) != 6 {
		t.Errorf("learnt %v, want the 6 messages", got)
	}
	if _, err := l.kv.Get(ctx, "learnt.alice.0123"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Errorf("a batch whose model was not saved was marked learnt (%v)", err)
	}
}

// TestBootstrapReportsProgress: progress reaches the log and the status
// while it runs; the summary reaches the log and `mailassist status`.
func TestBootstrapReportsProgress(t *testing.T) {
	ctx := context.Background()
	mb := memMailbox(t)
	seedMailbox(t, mb)
	rec := &records{}
	l := newLearner(t, bounded(3, 3), slog.New(rec))

	w, err := l.kv.Watch(ctx, "status.alice")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := l.Bootstrap(ctx, &mb.acct, false); err != nil {
		t.Fatal(err)
	}
	var progress []string
	for done := false; !done; {
		select {
		case e := <-w.Updates():
			if e == nil {
				continue
			}
			if s := string(e.Value()); strings.Contains(s, `"progress":"`) {
				progress = append(progress, s)
			}
			done = strings.Contains(string(e.Value()), `"state":"done"`)
		case <-time.After(5 * time.Second):
			t.Fatal("no done status")
		}
	}
	if len(progress) == 0 || !strings.Contains(progress[len(progress)-1], `"progress":"fetched 6 of 6"`) {
		t.Errorf("status never showed the progress; updates with progress: %q", progress)
	}
	for _, line := range []string{"spam bootstrap: progress fetched=6 of=6", "spam bootstrap done spam=3 ham=3 skipped=0 own_moves=0 correspondents=3"} {
		if !rec.has(line) {
			t.Errorf("no log line %q in\n%s", line, rec)
		}
	}

	sts, err := Statuses(ctx, l.bus)
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 1 {
		t.Fatalf("statuses %+v", sts)
	}
	s := sts[0]
	if s.Account != "alice" || s.State != "done" || s.Spam != 3 || s.Ham != 3 || s.Correspondents != 3 ||
		s.Threshold != spam.Default().Threshold() || s.Chosen || s.Progress != "" || !strings.Contains(s.Version, "+6.") {
		t.Errorf("status %+v", s)
	}
}

// TestBootstrapChoosesThreshold: with enough of the account's own mail,
// its threshold is chosen from it for the target false-positive rate, and
// never below the floor.
func TestBootstrapChoosesThreshold(t *testing.T) {
	ctx := context.Background()
	mb := memMailbox(t)
	for i := range 60 {
		mb.put(t, "INBOX", hamMsg(fmt.Sprintf("h%d@x", i)), time.Hour, imap.FlagSeen)
	}
	for i := range 25 {
		mb.put(t, "Junk", spamMsg(fmt.Sprintf("s%d@x", i)), time.Hour)
	}
	for _, floor := range []float64{0.5, 0.97} {
		t.Run(fmt.Sprint(floor), func(t *testing.T) {
			cfg := spam.Config{TargetFPR: 0.01, ThresholdFloor: floor}
			l := newLearner(t, cfg, testacct.Quiet)
			st, err := l.Bootstrap(ctx, &mb.acct, false)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := l.model(t)
			if !st.Chosen || st.Ham != 60 || st.Spam != 25 || st.Threshold < floor || m.Threshold() != st.Threshold {
				t.Errorf("status %+v, model threshold %v: want chosen from 60 ham and 25 spam, at least %v", st, m.Threshold(), floor)
			}
			for i := range 5 {
				if m.Classify(spamMsg(fmt.Sprintf("new%d@x", i))).Spam != true || m.Classify(hamMsg(fmt.Sprintf("new%d@x", i))).Spam {
					t.Errorf("the adapted model misclassifies new mail like the account's (threshold %v)", m.Threshold())
				}
			}
		})
	}
}

// TestSentFollower: after the bootstrap, new recipients in Sent become
// correspondents as the user sends.
func TestSentFollower(t *testing.T) {
	mb := memMailbox(t)
	seedMailbox(t, mb)
	cfg := bounded(3, 3)
	cfg.Bootstrap.SentInterval = setting.Duration(20 * time.Millisecond)
	l := newLearner(t, cfg, testacct.Quiet)
	runFollowers(t, l, mb.acct)

	natstest.WaitFor(t, "the bootstrap's correspondents", func() bool { return l.known(t, "carol@example.net") })
	if l.known(t, "frank@example.net") {
		t.Fatal("frank known before alice wrote to him")
	}
	mb.put(t, "Sent", msg("alice@example.org", "Frank <frank@example.net>", "Hello", "t3@x", "Hi Frank"), 0, imap.FlagSeen)
	natstest.WaitFor(t, "frank as a correspondent", func() bool { return l.known(t, "frank@example.net") })
	if l.calls != 1 {
		t.Errorf("the follower bootstrapped %d times, want once", l.calls)
	}
}

// With the bootstrap off, Sent is read at the start all the same: its
// recipients are correspondents at once, not a sent_interval later.
func TestSentFollowerWithoutBootstrap(t *testing.T) {
	mb := memMailbox(t)
	seedMailbox(t, mb)
	off := false
	cfg := bounded(3, 3)
	cfg.Bootstrap.Enabled = &off
	cfg.Bootstrap.SentInterval = setting.Duration(time.Hour)
	l := newLearner(t, cfg, testacct.Quiet)
	runFollowers(t, l, mb.acct)
	natstest.WaitFor(t, "Sent's recipients as correspondents", func() bool { return l.known(t, "carol@example.net") })
	if l.calls != 0 {
		t.Errorf("the bootstrap is off, yet %d adaptations", l.calls)
	}
}

// runFollowers runs the learner's Run over accounts until the test ends.
func runFollowers(t *testing.T, l *learner, accounts ...account.Account) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx, accounts) }()
	t.Cleanup(func() { cancel(); <-done })
}

// Of many accounts, at most Followers are bootstrapped at once, one at a
// time adapts its model, and every one is bootstrapped in the end.
func TestFollowersBootstrapAFewAtATime(t *testing.T) {
	mb := memMailbox(t)
	seedMailbox(t, mb)
	l := newLearner(t, bounded(3, 3), testacct.Quiet)
	var mu sync.Mutex
	running, mostRunning, training, mostTraining := 0, 0, 0, 0
	enter := func(n, most *int) func() {
		mu.Lock()
		defer mu.Unlock()
		*n++
		*most = max(*most, *n)
		return func() { mu.Lock(); *n--; mu.Unlock() }
	}
	bootstrap := l.bootstrap
	l.bootstrap = func(ctx context.Context, acct *account.Account) error {
		defer enter(&running, &mostRunning)()
		return bootstrap(ctx, acct)
	}
	l.adapt = func(base *spam.Model, exs []spam.Example, o spam.AdaptOptions) (*spam.Model, spam.Adaptation, error) {
		defer enter(&training, &mostTraining)()
		time.Sleep(20 * time.Millisecond)               // long enough for the others to pile up
		m, err := spam.New(spam.TrainOptions{Bits: 16}) // small, quick to save: what is learnt is not what this test is about
		return m, spam.Adaptation{}, err
	}
	accounts := make([]account.Account, 3*Followers)
	for i := range accounts {
		accounts[i] = mb.acct
		accounts[i].Name = fmt.Sprintf("user%d", i)
	}
	runFollowers(t, l, accounts...)
	natstest.WaitFor(t, "every account bootstrapped", func() bool {
		for _, a := range accounts {
			if st, _, err := l.status(context.Background(), a.Name); err != nil || st.State != "done" {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	if mostRunning > Followers || mostRunning < 2 {
		t.Errorf("%d bootstraps at once, want 2 to %d", mostRunning, Followers)
	}
	if mostTraining != 1 {
		t.Errorf("%d models adapted at once, want 1", mostTraining)
	}
}

// A message with a large attachment is learnt from its first 128 KiB:
// its header and text, not the whole attachment.
func TestBootstrapReadsTheStartOfLargeMessages(t *testing.T) {
	mb := memMailbox(t)
	seedMailbox(t, mb)
	attachment := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n", 20000) // ~740 KB of base64
	big := fmt.Appendf(nil, "From: Best Deals <deals@offers.example>\r\nTo: alice@example.org\r\nSubject: Your prize\r\nMessage-ID: <big@x>\r\n"+
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain\r\n\r\nClick here to claim your free prize now\r\n--b\r\n"+
		"Content-Type: application/octet-stream; name=prize.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n%s--b--\r\n", attachment)
	mb.put(t, "Junk", big, 30*time.Minute)
	l := newLearner(t, bounded(10, 10), testacct.Quiet)
	var sizes []int
	adapt := l.adapt
	l.adapt = func(base *spam.Model, exs []spam.Example, o spam.AdaptOptions) (*spam.Model, spam.Adaptation, error) {
		for _, ex := range exs {
			if bytes.Contains(ex.Raw, []byte("<big@x>")) {
				sizes = append(sizes, len(ex.Raw))
			}
		}
		return adapt(base, exs, o)
	}
	if _, err := l.Bootstrap(context.Background(), &mb.acct, false); err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 1 || sizes[0] != 128<<10 {
		t.Errorf("the large message (%d bytes) was learnt from %v bytes, want its first %d", len(big), sizes, 128<<10)
	}
}

// The pipeline's own moves to Junk are its verdicts, not the user's
// labels: a bootstrap that runs after the pipeline moved mail (a late
// turn, a retry, `spam learn`) learns only what the user put in Junk,
// the newest of it up to the bound.
func TestBootstrapDoesNotLearnThePipelinesOwnMoves(t *testing.T) {
	mb := memMailbox(t)
	for i, age := range []time.Duration{6, 5, 4} {
		mb.put(t, "Junk", spamMsg(fmt.Sprintf("s%d@x", i+1)), age*time.Hour)
	}
	for i, age := range []time.Duration{3, 2, 1} {
		mb.put(t, "Junk", spamMsg(fmt.Sprintf("p%d@x", i+1)), age*time.Hour)
	}
	mb.put(t, "INBOX", hamMsg("h1@x"), 5*time.Hour, imap.FlagSeen)
	l := newLearner(t, bounded(2, 3), testacct.Quiet)
	ctx := context.Background()
	for _, id := range []string{"<p1@x>", "<p2@x>", "<p3@x>"} {
		if err := msgindex.MarkMovedToJunk(ctx, l.bus, "alice", id); err != nil {
			t.Fatal(err)
		}
	}
	st, err := l.Bootstrap(ctx, &mb.acct, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.learnt(), []string{"h1@x:ham", "s2@x:spam", "s3@x:spam"}; !slices.Equal(got, want) {
		t.Errorf("learnt %v, want %v (the user's two newest in Junk, not the pipeline's moves)", got, want)
	}
	if st.Spam != 2 || st.OwnMoves != 3 {
		t.Errorf("status %+v: want 2 spam learnt, 3 own moves", st)
	}
}

// newestKept asks about the newest first, a chunk at a time, and stops
// once it has enough.
func TestNewestKept(t *testing.T) {
	var uids []imap.UID
	for u := imap.UID(1); u <= 1200; u++ {
		uids = append(uids, u)
	}
	var asked []int
	odd := func(us []imap.UID) ([]imap.UID, error) {
		asked = append(asked, len(us))
		var out []imap.UID
		for _, u := range us {
			if u%2 == 1 {
				out = append(out, u)
			}
		}
		return out, nil
	}
	got, err := newestKept(uids, 300, odd)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 300 || got[0] != 601 || got[299] != 1199 || !slices.IsSorted(got) {
		t.Errorf("got %d UIDs %v..%v, want the 300 odd ones 601..1199 in order", len(got), got[:1], got[len(got)-1:])
	}
	if !slices.Equal(asked, []int{keepChunk, keepChunk}) {
		t.Errorf("keep was asked about %v UIDs, want two chunks of %d", asked, keepChunk)
	}
	if got, _ := newestKept(uids[:10], 300, odd); len(got) != 5 {
		t.Errorf("of 10 UIDs, %d kept, want the 5 odd ones", len(got))
	}
}

// records is a slog handler that keeps each record as "msg k=v ...".
type records struct {
	mu    sync.Mutex
	lines []string
}

func (r *records) Enabled(context.Context, slog.Level) bool { return true }
func (r *records) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *records) WithGroup(string) slog.Handler            { return r }
func (r *records) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	r.mu.Lock()
	r.lines = append(r.lines, b.String())
	r.mu.Unlock()
	return nil
}

func (r *records) has(prefix string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

func (r *records) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}
