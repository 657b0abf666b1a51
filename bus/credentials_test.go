package bus

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

func TestCredentialsCreatedOnceAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c1, err := CreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, c1.SeedFile: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %04o, want %04o", path, st.Mode().Perm(), want)
		}
	}
	c2, err := CreateCredentials(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Public != c2.Public || !nkeys.IsValidPublicUserKey(c1.Public) {
		t.Errorf("second start made new credentials: %s then %s", c1.Public, c2.Public)
	}

	if err := os.Chmod(c1.SeedFile, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCredentials(dir)
	if !errors.Is(err, ErrCredentialsExposed) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable seed: %v", err)
	}
	if _, err := LoadCredentials(t.TempDir()); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("no seed: %v", err)
	}
}

// The embedded server refuses a client without the installation's seed:
// no credentials, or another user's.
func TestEmbeddedRequiresCredentials(t *testing.T) {
	dir := t.TempDir()
	emb, err := StartEmbedded(dir, "127.0.0.1:-1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()

	if nc, err := nats.Connect(emb.ClientURL(), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("an unauthenticated client was let in")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("unauthenticated: %v, want an authorization error", err)
	}

	other, err := CreateCredentials(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nk, err := nats.NkeyOptionFromSeed(other.SeedFile)
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := nats.Connect(emb.ClientURL(), nats.MaxReconnects(0), nk); err == nil {
		nc.Close()
		t.Fatal("a client with another nkey was let in")
	}

	nc, err := Connect(emb.ConnectOptions(t.Name()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("the installation's own credentials: %v", err)
	}
	defer nc.Close()
	if err := nc.Publish("mail.test", nil); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// The nats CLI context points at the server and the seed file, and holds
// no secret itself.
func TestEmbeddedWritesCLIContext(t *testing.T) {
	dir := t.TempDir()
	emb, err := StartEmbedded(dir, "127.0.0.1:-1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Shutdown()
	path := filepath.Join(dir, ContextFileName)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("context file mode %04o", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var ctx struct{ URL, NKey string }
	if err := json.Unmarshal(data, &ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.URL != emb.ClientURL() || ctx.NKey != emb.Creds.SeedFile || !filepath.IsAbs(ctx.NKey) {
		t.Errorf("context %s", data)
	}
	if strings.Contains(string(data), "SU") {
		t.Errorf("context holds a seed: %s", data)
	}
	nk, err := nats.NkeyOptionFromSeed(ctx.NKey) // what `nats --context` does with it
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(ctx.URL, nk)
	if err != nil {
		t.Fatalf("connect with the context: %v", err)
	}
	nc.Close()
}
