// Package testacct builds, for tests, an account through the real config
// loader, test messages, and a logger that speaks only with -v.
package testacct

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mailassist/account"
	"mailassist/configs"
)

// Quiet discards every log record.
var Quiet = slog.New(slog.DiscardHandler)

// Log logs to the test output when -v is given.
func Log(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return Quiet
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Account builds the account "alice" (alice@example.org, IMAP user alice,
// password "secret" in a file) through the real config loader; extra is
// YAML appended to the account's entry (indented by four spaces).
func Account(t testing.TB, host string, port int, tlsMode, caFile, extra string) account.Account {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	y := fmt.Sprintf(`accounts:
  - name: alice
    address: alice@example.org
    initial_sync: 24h
    idle_refresh: 1m
    poll_interval: 1s
    imap:
      host: %q
      port: %d
      tls: %s
      username: alice
      password_file: %q
      ca_file: %q
%s`, host, port, tlsMode, pw, caFile, extra)
	cfg, err := configs.Parse("test.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Accounts[0]
}

// Message is a small message from bob to alice, dated now.
func Message(subject, msgID, body string) []byte {
	return fmt.Appendf(nil, "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: %s\r\nMessage-Id: <%s>\r\nDate: %s\r\n\r\n%s\r\n",
		subject, msgID, time.Now().Format(time.RFC1123Z), body)
}
