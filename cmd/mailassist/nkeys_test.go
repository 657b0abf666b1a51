package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// setup --nkeys makes a seed per role (0600, kept on a second run) and a
// nats-server configuration that nats-server loads, with one user per
// role holding that role's public key.
func TestSetupNKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	out, err := execute(t, "setup", "--nkeys", dir, "--dev-tls", "imap")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	seed, _ := os.ReadFile(filepath.Join(dir, "ingest.nk"))
	if st, err := os.Stat(filepath.Join(dir, "ingest.nk")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("ingest.nk: %v %v", st, err)
	}
	opts, err := server.ProcessConfigFile(filepath.Join(dir, "nats-server.conf"))
	if err != nil {
		t.Fatalf("nats-server does not load the configuration: %v", err)
	}
	if len(opts.Nkeys) != 1+len(roles()) || opts.HTTPPort != 8222 {
		t.Fatalf("%d nkey users, http port %d", len(opts.Nkeys), opts.HTTPPort)
	}
	for _, f := range []string{"dovecot/cert.pem", "dovecot/key.pem", "dovecot/ca.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// A second run keeps the seeds.
	if _, err := execute(t, "setup", "--nkeys", dir); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "ingest.nk")); string(again) != string(seed) || !strings.HasPrefix(string(seed), "SU") {
		t.Errorf("the ingest seed changed or is not a user seed")
	}
}
