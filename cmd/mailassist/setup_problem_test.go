package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailassist/internal/memimap"
)

// An account whose problem only a person can fix (here: its password
// variable is not set) is shown with the fix on /readyz, and retried
// slowly, while the other account runs.
func TestAccountThatNeedsAPersonDoesNotStopTheOthers(t *testing.T) {
	srv := memimap.Start(t)
	srv.Append(t, "INBOX", []byte("From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: report\r\nDate: "+
		time.Now().Format(time.RFC1123Z)+"\r\nMessage-Id: <report@x>\r\n\r\nCould you send me the report by Friday?\r\n"))
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	httpAddr := "127.0.0.1:" + itoa(freePort(t))
	cfg := filepath.Join(dir, "mailassist.yaml")
	t.Setenv("MAILASSIST_TEST_NOT_SET", "")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
log: {level: error}
http: {listen: "`+httpAddr+`"}
accounts:
  - name: good
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
  - name: broken
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_env: MAILASSIST_TEST_NOT_SET}
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
	for deadline := time.Now().Add(30 * time.Second); drafts(t, srv) == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the good account got no draft")
		}
	}
	var code int
	var body string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(body, "broken: the password cannot be read"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s", code, body)
		}
		if resp, err := http.Get("http://" + httpAddr + "/readyz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			code, body = resp.StatusCode, string(b)
		}
	}
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "password_env") {
		t.Errorf("/readyz = %d %s, want 503 with the fix", code, body)
	}
	// status shows it too.
	out, err := execute(t, "status", "--config", cfg)
	if err != nil || !strings.Contains(out, "/readyz: NOT OK") || !strings.Contains(out, "broken: the password cannot be read") {
		t.Errorf("status: %v\n%s", err, out)
	}
}

// config check --connect logs in, finds the folders and explains what is
// wrong with its fix; it fails when a check does.
func TestConfigCheckConnect(t *testing.T) {
	srv := memimap.Start(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(`data_dir: `+dir+`/data
accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
`), 0o600)
	out, err := execute(t, "config", "check", "--connect", good)
	if err != nil {
		t.Fatalf("check --connect: %v\n%s", err, out)
	}
	for _, want := range []string{"ok   account alice: logged in", `ok   account alice: folder "INBOX" (folders.watch)`, `\Junk folder found: "Junk"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`data_dir: `+dir+`/data
accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
    folders: {watch: [INBOX, Archief]}
  - name: bob
    address: bob@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: bob, password_file: `+pw+`}
`), 0o600)
	out, err = execute(t, "config", "check", "--connect", bad)
	if err == nil || !strings.Contains(err.Error(), "2 checks failed") {
		t.Fatalf("check --connect of a bad config: %v\n%s", err, out)
	}
	for _, want := range []string{`FAIL account alice: folder "Archief" (folders.watch) does not exist; the account has: `, "FAIL account bob", "refused the login of bob", "fix: check imap.username"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
