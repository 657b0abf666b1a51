package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/memimap"
)

func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := rootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestConfigCheckExample(t *testing.T) {
	out, err := execute(t, "config", "check", "../../configs/mailassist.yaml")
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if !strings.Contains(out, "ok") {
		t.Fatalf("output %q", out)
	}
}

func TestConfigCheckListsEveryProblemWithItsLine(t *testing.T) {
	_, err := execute(t, "config", "check", "testdata/bad.yaml")
	if err == nil {
		t.Fatal("bad config accepted")
	}
	msg := err.Error()
	for _, want := range []string{
		"bad.yaml:5: stages.concurrency",    // wrong type
		"bad.yaml:11: accounts[0].imap.tls", // plaintext to a non-loopback host
		"bad.yaml:12:",                      // unknown key
		"password_env",                      // missing reference (and the hint)
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := execute(t, "version")
	if err != nil || !strings.HasPrefix(out, "mailassist ") {
		t.Fatalf("version: %q, %v", out, err)
	}
}

// run with a real config: the embedded server starts, the watcher ingests
// a message, status shows the checkpoint, and SIGINT-style cancellation
// shuts everything down.
func TestRunThenStatus(t *testing.T) {
	srv := memimap.Start(t)
	srv.Append(t, "INBOX", []byte("From: b@example.org\r\nSubject: hi\r\nMessage-Id: <hi@x>\r\n\r\nhello\r\n"))
	srv.Append(t, "INBOX", []byte("From: Dan <dan@customer.example>\r\nTo: alice@example.org\r\nSubject: invoice error again\r\n"+
		"Message-Id: <angry@x>\r\nDate: "+time.Now().Format(time.RFC1123Z)+"\r\n\r\n"+
		"This is unacceptable: the third invoice is wrong and I am still waiting for the credit note.\r\n"+
		"We expect a full refund of EUR 4,200 by Friday, or our lawyer will start legal action and we cancel the contract.\r\n"+
		"Can you confirm today that the refund is on its way?\r\n"))
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
log: {level: error}
nats: {listen: "127.0.0.1:`+itoa(freePort(t))+`"}
http: {listen: ""}
accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
`), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, "run", embedAlways, roles()) }()
	// Every role creates its consumer as it starts; the watchers write their
	// checkpoints after the first sync.
	want := []string{"stream MAIL: ", "apply", "spam-feedback", "reply", "escalate", "alice    INBOX", "alice    Junk"}
	var out string
	deadline := time.Now().Add(20 * time.Second)
	for !containsAll(out, want) {
		if time.Now().After(deadline) {
			t.Fatalf("status never showed %q:\n%s", want, out)
		}
		time.Sleep(200 * time.Millisecond)
		out, _ = execute(t, "status", "--config", cfg)
	}
	// The complaint went to the human (no large model): escalations shows
	// it with its priority and its asks as a checklist.
	want = []string{"alice uid 2", "priority urgent", "handled by you", "a complaint", "[ ] Can you confirm today", "a draft is in your Drafts folder", "1 escalation"}
	for !containsAll(out, want) {
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("escalations never showed %q:\n%s", want, out)
		}
		time.Sleep(200 * time.Millisecond)
		out, _ = execute(t, "escalations", "--config", cfg, "--account", "alice")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not shut down")
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func itoa(i int) string {
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// The demo runs the whole pipeline in-process: spam to Junk, drafts for
// the questions, the complaint flagged for a human at urgent priority,
// with a reply skeleton in Drafts.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := runDemo(context.Background(), &out, false); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"CLAIM NOW\n       spam: spam",
		`action: draft in Drafts — "Re: Can we move Thursday's review?"`,
		"to the human, priority urgent",
		"Drafts 3 — nothing was sent.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q:\n%s", want, got)
		}
	}
	// What the summary line counts is what the pipeline said it did.
	var inbox, junk, drafts int
	if i := strings.Index(got, "mailbox now: "); i < 0 {
		t.Fatalf("no summary line:\n%s", got)
	} else if _, err := fmt.Sscanf(got[i:], "mailbox now: INBOX %d, Junk %d, Drafts %d", &inbox, &junk, &drafts); err != nil {
		t.Fatalf("summary line: %v", err)
	}
	if moved := strings.Count(got, "action: moved to Junk"); junk != moved || inbox+junk != 6 || moved < 1 {
		t.Errorf("mailbox INBOX %d, Junk %d; %d moves reported", inbox, junk, moved)
	}
}

// config check warns about what is valid but unsafe and goes on; with
// --strict it refuses, and so does run.
func TestConfigCheckWarnsAndStrictRefuses(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("secret"), 0o644)
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
http: {listen: "0.0.0.0:9"}
accounts:
  - name: work
    address: me@example.org
    imap: {host: imap.example.org, insecure_skip_verify: true, password_file: `+pw+`}
`), 0o600)
	out, err := execute(t, "config", "check", cfg)
	if err != nil {
		t.Fatalf("warnings made check fail: %v", err)
	}
	for _, want := range []string{"warning: " + cfg + ":2: http.listen", "insecure_skip_verify", "password_file", "ok (1 account, 3 warnings)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := execute(t, "config", "check", "--strict", cfg); err == nil || !strings.Contains(err.Error(), "3 warnings") {
		t.Errorf("check --strict: %v", err)
	}
	if _, err := execute(t, "run", "--strict", "--config", cfg); err == nil || !strings.Contains(err.Error(), "refused with --strict") {
		t.Errorf("run --strict: %v", err)
	}
}

// A language model that is down at start stops nothing: run starts, mail
// is ingested and classified, the reply comes from the built-in generator
// and is filed, /healthz names the endpoint, and every metric is there
// from the start.
func TestRunWithLLMDownAtStart(t *testing.T) {
	srv := memimap.Start(t)
	srv.Append(t, "INBOX", []byte("From: Bob <bob@example.org>\r\nTo: carol@example.org\r\nSubject: report\r\nDate: "+
		time.Now().Format(time.RFC1123Z)+"\r\nMessage-Id: <report@x>\r\n\r\nHi Carol,\r\n\r\nCould you send me the quarterly report by Friday?\r\n\r\nThanks,\r\nBob\r\n"))
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	httpAddr := "127.0.0.1:" + itoa(freePort(t))
	natsAddr := "127.0.0.1:" + itoa(freePort(t))
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
log: {level: error}
nats: {listen: "`+natsAddr+`"}
http: {listen: "`+httpAddr+`"}
spam: {llm: small}
reply: {llm: small}
llm:
  small: {url: "http://127.0.0.1:`+itoa(freePort(t))+`", model: tiny}
accounts:
  - name: carol
    address: carol@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
`), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, "run", embedAlways, roles()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for drafts(t, srv) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no draft: the reply stage did not fall back to the built-in generator")
		}
		time.Sleep(200 * time.Millisecond)
	}
	js, _ := jetstream.New(connectWhenUp(t, "nats://"+natsAddr, filepath.Join(dir, "data")))
	s, err := js.Stream(ctx, bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetLastMsgForSubject(ctx, bus.Subject(bus.KindSuggested, "carol"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(msg.Data), `"source":"builtin"`) {
		t.Errorf("suggested: %s", msg.Data)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`mailassist_deadletters_total{account="carol",cause="failed"} 0`,
		`mailassist_feedback_total{account="carol",label="ham"} 0`,
		`mailassist_watcher_reconnects_total{account="carol",mailbox="INBOX"} 0`,
		`mailassist_dependency_up{dependency="llm small"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, body := get("/healthz"); code != 503 || !strings.Contains(body, "llm small: unavailable") {
		t.Errorf("/healthz = %d %s", code, body)
	}
}

// run refuses a stream.max_bytes that data_dir cannot hold, and says
// which key to lower, before the embedded server gives its own message.
func TestRunChecksMaxBytesAgainstFreeSpace(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
log: {level: error}
nats: {listen: "127.0.0.1:`+itoa(freePort(t))+`"}
http: {listen: ""}
stream: {max_bytes: 4096TiB}
`), 0o600)
	err := serve(context.Background(), cfg, "run", embedAlways, roles())
	if err == nil || !strings.Contains(err.Error(), "lower stream.max_bytes") {
		t.Fatalf("run = %v, want an error naming stream.max_bytes", err)
	}
}

// Without --config, the commands find the config in $MAILASSIST_CONFIG,
// then ./mailassist.yaml; without any, they say where they looked.
func TestConfigFoundWithoutFlags(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "elsewhere.yaml")
	os.WriteFile(cfg, []byte("data_dir: "+dir+"/data\n"), 0o600)
	t.Chdir(dir)
	t.Setenv(configEnv, "")
	if _, err := execute(t, "config", "check"); err == nil || !strings.Contains(err.Error(), "$MAILASSIST_CONFIG") {
		t.Errorf("no config anywhere: %v", err)
	}
	t.Setenv(configEnv, cfg)
	if out, err := execute(t, "config", "check"); err != nil || !strings.Contains(out, "elsewhere.yaml: ok (0 accounts") {
		t.Errorf("from $MAILASSIST_CONFIG: %q, %v", out, err)
	}
	t.Setenv(configEnv, "")
	os.WriteFile(filepath.Join(dir, "mailassist.yaml"), []byte("data_dir: "+dir+"/data\n"), 0o600)
	if out, err := execute(t, "config", "check"); err != nil || !strings.Contains(out, "mailassist.yaml: ok") {
		t.Errorf("from ./mailassist.yaml: %q, %v", out, err)
	}
}
