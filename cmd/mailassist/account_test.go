package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/internal/oauthtest"
	"mailassist/internal/testacct"
)

// An oauth2 account against Dovecot's oauth2 passdb: `account login` runs
// the device grant and stores the tokens, `run` watches the mailbox with
// them, and when the grant is revoked the account fails in /healthz and
// status with the fix, while the password account next to it goes on.
func TestAccountLoginOAuth2Dovecot(t *testing.T) {
	p := oauthtest.Start(t)
	s := dovecottest.Start(t, dovecottest.WithUser("carol", "pw"), dovecottest.WithUser("dave", "secret"), dovecottest.WithOAuth2(p.IntrospectURL))
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mailassist.yaml")
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	natsPort := freePort(t)
	os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s/data
log: {level: error}
nats: {listen: "127.0.0.1:%d"}
http: {listen: %q}
accounts:
  - name: carol
    address: carol@example.org
    imap:
      host: 127.0.0.1
      port: %d
      tls: none
      username: carol
      auth: oauth2
      oauth2: {client_id: %s, token_url: %q, device_authorization_url: %q, scopes: [imap, offline_access]}
  - name: dave
    address: dave@example.org
    imap: {host: 127.0.0.1, port: %d, tls: none, username: dave, password_file: %q}
`, dir, natsPort, httpAddr, s.Port, oauthtest.ClientID, p.TokenURL, p.DeviceURL, s.Port, s.PasswordFile(t, "secret"))), 0o600)
	s.Append(t, "carol", "INBOX", testacct.Message("hello carol", "c1@example.org", "Hi."))

	// Before any login, status says what to do.
	if out, err := execute(t, "setup", "--config", cfg); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	out, err := execute(t, "status", "--config", cfg)
	if err != nil || !strings.Contains(out, "FAILED: no token stored: run mailassist account login carol") {
		t.Fatalf("status before the login: %v\n%s", err, out)
	}

	p.AutoApprove("carol")
	out, err = execute(t, "account", "login", "carol", "--config", cfg)
	if err != nil {
		t.Fatalf("account login: %v\n%s", err, out)
	}
	for _, want := range []string{p.URL + "/verify", p.LastUserCode(), "Stored for account carol: a refresh token and an access token",
		"bucket mail_oauth_tokens, key carol", "in the embedded NATS store under " + dir + "/data", "Checked: the IMAP login to 127.0.0.1:"} {
		if !strings.Contains(out, want) {
			t.Errorf("login output lacks %q:\n%s", want, out)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, "run", embedAlways, roles()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	// status opens the store itself when run's server does not answer yet.
	natstest.WaitFor(t, "run's NATS server", func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", natsPort))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	waitStatus(t, cfg, regexp.MustCompile(`carol +INBOX +\d+ +1 `), regexp.MustCompile(`carol +ok +\d{4}-`))
	natstest.WaitFor(t, "healthz 200 with every account working", func() bool {
		code, _ := healthz(t, httpAddr)
		return code == http.StatusOK
	})

	// The user withdraws the grant; the next login (after Dovecot drops
	// the sessions) finds the token refused and the refresh token dead.
	p.Revoke("carol")
	s.Kick(t, "carol")
	waitStatus(t, cfg, regexp.MustCompile(`carol +FAILED since \S+: the provider refused the refresh token \(invalid_grant[^)]*\): run mailassist account login carol`))
	var problems []string
	natstest.WaitFor(t, "healthz naming the fix", func() bool {
		code, rep := healthz(t, httpAddr)
		problems = rep.Problems
		return code == http.StatusServiceUnavailable && len(problems) > 0 &&
			strings.Contains(problems[0], "oauth2 login required: account carol:") && strings.HasSuffix(problems[0], "run mailassist account login carol")
	})
	for _, pr := range problems {
		if strings.Contains(pr, "dave") {
			t.Errorf("healthz: dave is hurt too: %q", pr)
		}
	}
	// The password account goes on.
	s.Append(t, "dave", "INBOX", testacct.Message("hello dave", "d1@example.org", "Hi."))
	waitStatus(t, cfg, regexp.MustCompile(`dave +INBOX +\d+ +1 `))
	if refused := p.Counts().RefusedRefreshes; refused != 1 {
		t.Errorf("%d refused refreshes; want 1: a dead refresh token is not tried again", refused)
	}
}

// waitStatus runs status until its output matches every pattern.
func waitStatus(t *testing.T, cfg string, patterns ...*regexp.Regexp) {
	t.Helper()
	var out string
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ = execute(t, "status", "--config", cfg)
		ok := true
		for _, re := range patterns {
			ok = ok && re.MatchString(out)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never matched %v:\n%s", patterns, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

type healthReport struct {
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
}

func healthz(t *testing.T, addr string) (int, healthReport) {
	t.Helper()
	var rep healthReport
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, rep
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&rep)
	return resp.StatusCode, rep
}
