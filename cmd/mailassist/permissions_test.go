package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"github.com/ollama/ollama/api"

	"mailassist/bus"
	"mailassist/internal/golden"
	"mailassist/internal/memimap"
	"mailassist/internal/ollamatest"
)

// The shipped example is what `mailassist setup --nats-config` prints.
func TestNATSServerExampleIsCurrent(t *testing.T) {
	var b bytes.Buffer
	writeNATSServerConfig(&b)
	golden.Check(t, "../../configs/nats-server.conf", b.Bytes())
}

// violations records what nats-server logs when it refuses a client.
type violations struct {
	mu   sync.Mutex
	seen []string
}

func (v *violations) Noticef(string, ...any) {}
func (v *violations) Warnf(string, ...any)   {}
func (v *violations) Fatalf(f string, a ...any) {
	v.Errorf(f, a...)
}
func (v *violations) Debugf(string, ...any) {}
func (v *violations) Tracef(string, ...any) {}
func (v *violations) Errorf(f string, a ...any) {
	if s := fmt.Sprintf(f, a...); strings.Contains(s, "Violation") {
		v.mu.Lock()
		v.seen = append(v.seen, s)
		v.mu.Unlock()
	}
}

func (v *violations) list() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.seen...)
}

// roleSeeds writes a user nkey seed per role (and the admin) into dir
// as <role>.nk and returns the public keys.
func roleSeeds(t *testing.T, dir string) map[string]string {
	t.Helper()
	pubs := map[string]string{}
	for _, r := range append([]string{adminRole}, roleNames()...) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := kp.Seed()
		pub, _ := kp.PublicKey()
		if err := os.WriteFile(filepath.Join(dir, r+".nk"), seed, 0o600); err != nil {
			t.Fatal(err)
		}
		pubs[r] = pub
	}
	return pubs
}

func roleNames() []string {
	var names []string
	for _, r := range roles() {
		names = append(names, r.name)
	}
	return names
}

// startExampleServer runs nats-server with the shipped configs/nats-server.conf
// (its variables set to pubs), on a free loopback port and a temporary store.
func startExampleServer(t *testing.T, pubs map[string]string) (*server.Server, *violations) {
	t.Helper()
	for role, pub := range pubs {
		t.Setenv(nkeyVar(role), pub)
	}
	opts, err := server.ProcessConfigFile("../../configs/nats-server.conf")
	if err != nil {
		t.Fatalf("the example nats-server config: %v", err)
	}
	opts.Host, opts.Port, opts.StoreDir, opts.NoSigs = "127.0.0.1", -1, t.TempDir(), true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	v := &violations{}
	srv.SetLoggerV2(v, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(srv.Shutdown)
	return srv, v
}

// fakeModels answers the spam gray zone, the reply suggestions and the
// escalation, each by the schema it is asked for.
func fakeModels(t *testing.T) *ollamatest.Server {
	return ollamatest.Start(t, func(req *api.ChatRequest) ollamatest.Reply {
		switch format := string(req.Format); {
		case strings.Contains(format, "spam_probability"):
			return ollamatest.Reply{Content: `{"spam_probability": 0.1, "category": "ham", "reason": "a customer"}`}
		case strings.Contains(format, "priority"):
			return ollamatest.Reply{Content: `{"summary": "A customer wants a refund.", "asks": ["Refund"], "priority": "high", "draft": "Thank you for telling us. We are looking into it and will come back to you."}`}
		}
		return ollamatest.Reply{Content: `{"suggestions": [{"intent": "yes", "text": "Sounds good, that works for me."}]}`}
	})
}

// Every role runs as its own NATS user with exactly the permissions of
// the shipped example config: mail is ingested, classified, answered,
// escalated (large model, budget), filed, and the user's move is learnt
// — large messages and drafts through the object store — and the server
// refuses nothing. What a role may not do is refused.
func TestRolesWithTheirPermissions(t *testing.T) {
	dir := t.TempDir()
	pubs := roleSeeds(t, dir)
	ns, violated := startExampleServer(t, pubs)
	box := memimap.Start(t)
	models := fakeModels(t)
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s/data
log: {level: error}
nats: {url: %q, nkey_file: "%s/{role}.nk"}
stream: {inline_max: 1KiB}
stages: {grace: 2s}
http: {listen: ""}
llm:
  small: {url: %q, model: tiny}
  large: {url: %q, model: tiny}
spam: {llm: small, gray_zone: [0.01, 0.99]}
escalate: {llm: large}
accounts:
  - name: alice
    address: demo@example.org
    display_name: Demo User
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: none, username: alice, password_file: %s}
`, dir, ns.ClientURL(), dir, models.URL, models.URL, box.Port, pw)), 0o600)

	if out, err := execute(t, "setup", "--config", cfg); err != nil {
		t.Fatalf("setup as admin: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, len(roles()))
	for _, r := range roles() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(ctx, cfg, r.name, embedNever, []role{r}); err != nil {
				errs <- fmt.Errorf("%s: %w", r.name, err)
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}()

	for _, name := range []string{"01-colleague.eml", "02-lottery.eml", "05-complaint.eml"} {
		raw, err := demoMail.ReadFile("demo/" + name)
		if err != nil {
			t.Fatal(err)
		}
		box.Append(t, "INBOX", bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")))
	}
	waitCount(t, box, "Junk", 1)   // spam moved (spam → apply)
	waitCount(t, box, "Drafts", 2) // a reply draft and the escalation's (reply, escalate → apply)
	// The user files a message as spam: feedback, and the account's own model.
	box.Append(t, "Junk", []byte("From: x@example.net\r\nTo: demo@example.org\r\nMessage-Id: <fb-1@example.net>\r\nSubject: buy\r\n\r\nbuy now\r\n"))
	nc := connectRole(t, ns.ClientURL(), dir, adminRole)
	js, _ := jetstreamOf(t, nc)
	waitFor(t, "the feedback learnt into the account's model", func() bool {
		store, err := js.ObjectStore(ctx, "spam_models")
		if err != nil {
			return false
		}
		_, err = store.GetInfo(ctx, "alice")
		return err == nil
	})
	if v := violated.list(); len(v) > 0 {
		t.Errorf("the server refused a role's operation:\n%s", strings.Join(v, "\n"))
	}

	// What a role may not do is refused.
	legit := countSubject(t, js, "mail.action.alice", "mail.ingested.alice", "mail.classified.alice")
	for _, c := range []struct{ role, subject string }{
		{"ingest", "mail.action.alice"},    // a forged action: mark read, delete
		{"apply", "mail.ingested.alice"},   // apply only consumes actions
		{"reply", "mail.classified.alice"}, // nor may reply pose as spam
		{"spam", "$JS.API.STREAM.DELETE.MAIL"},
		{"ingest", "$JS.API.STREAM.UPDATE.MAIL"},
		{"escalate", "$JS.API.CONSUMER.CREATE.MAIL.apply.mail.action.>"},
	} {
		nc := connectRole(t, ns.ClientURL(), dir, c.role)
		if err := nc.Publish(c.subject, []byte(`{"v":1}`)); err != nil {
			t.Fatal(err)
		}
		nc.Flush()
		waitFor(t, c.role+" refused "+c.subject, func() bool { return errors.Is(nc.LastError(), nats.ErrPermissionViolation) })
	}
	time.Sleep(200 * time.Millisecond)
	if n := countSubject(t, js, "mail.action.alice", "mail.ingested.alice", "mail.classified.alice"); n != legit {
		t.Errorf("%d forged events reached the stream", n-legit)
	}
	if _, err := js.Stream(ctx, bus.StreamName); err != nil {
		t.Errorf("the stream: %v", err)
	}
	if n := len(violated.list()); n < 6 { // the recorder hears refusals
		t.Errorf("the server logged %d refusals of the 6 forbidden operations", n)
	}
}

// connectRole connects as role with its seed in dir and its inbox.
func connectRole(t *testing.T, url, dir, role string) *nats.Conn {
	t.Helper()
	nc, err := bus.Connect(bus.ConnectOptions{URL: url, NkeyFile: filepath.Join(dir, role+".nk"), Name: role, InboxPrefix: bus.Inbox(role)}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func waitCount(t *testing.T, box *memimap.Server, mailbox string, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d messages in %s", n, mailbox), func() bool {
		st, err := box.User.Status(mailbox, &imap.StatusOptions{NumMessages: true})
		return err == nil && st.NumMessages != nil && int(*st.NumMessages) >= n
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jetstreamOf(t *testing.T, nc *nats.Conn) (jetstream.JetStream, error) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js, nil
}

// countSubject counts the MAIL stream's messages on the subjects.
func countSubject(t *testing.T, js jetstream.JetStream, subjects ...string) uint64 {
	t.Helper()
	ctx := context.Background()
	s, err := js.Stream(ctx, bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, subj := range subjects {
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(subj))
		if err != nil {
			t.Fatal(err)
		}
		n += info.State.Subjects[subj]
	}
	return n
}
