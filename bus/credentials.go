package bus

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nkeys"
)

// The files the embedded server's credentials live in, under data_dir.
const (
	// SeedFileName holds the user nkey seed every process of the
	// installation logs in with: `nats --nkey FILE`.
	SeedFileName = "nats.nk"
	// ContextFileName is a context for the nats CLI (server URL and the
	// seed file): copy it to ~/.config/nats/context/mailassist.json and
	// use `nats --context mailassist`.
	ContextFileName = "nats-context.json"
)

// ErrNoCredentials: the data directory holds no credentials for the
// embedded server (`mailassist run` has not started there yet).
var ErrNoCredentials = errors.New("no credentials for the embedded nats server")

// ErrCredentialsExposed: a credentials file can be read by other users.
var ErrCredentialsExposed = errors.New("credentials file readable by other users")

// Credentials are the embedded server's one user: an nkey whose seed
// stays in data_dir (mode 0600) and whose public key the server accepts.
type Credentials struct {
	// SeedFile is the absolute path of the seed (ConnectOptions.NkeyFile).
	SeedFile string
	// Public is the user's public nkey ("U…"): not a secret.
	Public string
}

// CreateCredentials returns the credentials kept in dir, generating them
// on the first call: dir is created with mode 0700 and the seed written
// with 0600. Existing credentials are checked as LoadCredentials does.
func CreateCredentials(dir string) (*Credentials, error) {
	c, err := LoadCredentials(dir)
	if !errors.Is(err, ErrNoCredentials) {
		return c, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	path := filepath.Join(dir, SeedFileName)
	// O_EXCL: two processes starting at once cannot overwrite each other.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadCredentials(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	_, werr := f.Write(append(seed, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, fmt.Errorf("nats credentials: write %s: %w", path, werr)
	}
	return LoadCredentials(dir)
}

// LoadCredentials reads the credentials kept in dir. It fails with
// ErrNoCredentials when there are none, and with ErrCredentialsExposed
// when the seed file can be read by group or others. Errors name the
// file, never the seed.
func LoadCredentials(dir string) (*Credentials, error) {
	path, err := filepath.Abs(filepath.Join(dir, SeedFileName))
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoCredentials, path)
	}
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrCredentialsExposed, path, mode, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(data))))
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %s holds no user nkey seed", path)
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil || !nkeys.IsValidPublicUserKey(pub) {
		return nil, fmt.Errorf("nats credentials: %s holds no user nkey seed", path)
	}
	return &Credentials{SeedFile: path, Public: pub}, nil
}

// natsContext is the nats CLI's context file format (the fields we set).
type natsContext struct {
	Description string `json:"description"`
	URL         string `json:"url"`
	NKey        string `json:"nkey"`
}

// WriteContext writes the nats CLI context of the server at url next to
// the seed (mode 0600): `nats --context` with it reaches the embedded
// server as every role does. It holds the seed's path, not the seed.
func (c *Credentials) WriteContext(url string) error {
	data, err := json.MarshalIndent(natsContext{
		Description: "mailassist embedded NATS (written by mailassist run)",
		URL:         url,
		NKey:        c.SeedFile,
	}, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(filepath.Dir(c.SeedFile), ContextFileName)
	tmp := path + ".tmp"
	os.Remove(tmp) // WriteFile keeps the mode of a file that exists
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("nats context: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("nats context: %w", err)
	}
	return nil
}

// ContextURL is the server URL the nats CLI context in dir records: where
// the embedded server of `mailassist run` in that data directory listens
// (or last listened). It fails with ErrNoCredentials when there is none.
func ContextURL(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, ContextFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: no %s in %s", ErrNoCredentials, ContextFileName, dir)
	}
	if err != nil {
		return "", fmt.Errorf("nats context: %w", err)
	}
	var c natsContext
	if err := json.Unmarshal(data, &c); err != nil || c.URL == "" {
		return "", fmt.Errorf("nats context %s: no server URL in it", filepath.Join(dir, ContextFileName))
	}
	return c.URL, nil
}
