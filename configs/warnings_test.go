package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Check warns, each at its line, about what is valid but unsafe; a
// careful config gets no warning.
func TestCheckWarnings(t *testing.T) {
	dir := t.TempDir()
	openPW := filepath.Join(dir, "open-pw")
	os.WriteFile(openPW, []byte("secret"), 0o640)
	privatePW := filepath.Join(dir, "private-pw")
	os.WriteFile(privatePW, []byte("secret"), 0o600)
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("t0ken"), 0o600)

	unsafe := fmt.Sprintf(`http:
  listen: 0.0.0.0:9180
nats:
  url: nats://bus.example.org:4222
accounts:
  - name: work
    address: me@example.org
    imap:
      host: imap.example.org
      insecure_skip_verify: true
      password_file: %s
`, openPW)
	path := filepath.Join(dir, "unsafe.yaml")
	os.WriteFile(path, []byte(unsafe), 0o644)
	_, warns, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if warns == nil {
		t.Fatal("no warnings")
	}
	got := warns.String()
	for _, want := range []string{
		path + ": this file says where the secrets are and other users can read it (mode 0644)",
		path + ":2: http.listen: \"0.0.0.0:9180\" is reachable from the network",
		path + ":4: nats.url: nats://bus.example.org:4222: the bus (mail and credentials) travels unencrypted",
		path + ":10: accounts[0].imap.insecure_skip_verify: the server's certificate is not verified",
		path + ":11: accounts[0].imap.password_file: " + openPW + " holds the IMAP password and other users can read or change it (mode 0640)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if len(warns.Problems) != 5 {
		t.Errorf("%d warnings:\n%s", len(warns.Problems), got)
	}

	// A world-writable config, even without secrets, can redirect them.
	os.Chmod(path, 0o666)
	if _, warns, _ := Check(path); warns == nil || !strings.Contains(warns.String(), "other users can change this file (mode 0666)") {
		t.Errorf("world-writable config: %v", warns)
	}

	careful := fmt.Sprintf(`http:
  listen: 0.0.0.0:9180
  token_file: %s
nats:
  url: tls://bus.example.org:4222
accounts:
  - name: work
    address: me@example.org
    imap:
      host: imap.example.org
      password_file: %s
`, token, privatePW)
	path = filepath.Join(dir, "careful.yaml")
	os.WriteFile(path, []byte(careful), 0o600)
	_, warns, err = Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if warns == nil || len(warns.Problems) != 1 || !strings.Contains(warns.String(), "only with the token_file token") {
		t.Errorf("a careful config with a network listener: %v", warns)
	}
	if _, err := Parse("x.yaml", []byte(unsafe)); err != nil {
		t.Errorf("warnings are no errors: %v", err)
	}
}
