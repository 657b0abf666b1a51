package dovecottest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// AddUser adds a passwd-file user, or changes the password of an existing
// one, while Dovecot runs; no restart is needed.
//
// Dovecot checks the passwd-file for changes at most once a second (it
// compares mtime and size), so AddUser waits until the next second before
// it returns: from then on every login sees the change. Users known before
// the server starts cost nothing with WithUser.
func (s *Server) AddUser(t testing.TB, name, password string) {
	t.Helper()
	if err := s.addUser(name, password); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	if err := s.writeUsers(); err != nil {
		t.Fatal(err)
	}
	if s.running() {
		time.Sleep(time.Until(time.Unix(written.Unix()+1, int64(10*time.Millisecond))))
	}
}

func (s *Server) addUser(name, password string) error {
	if name == "" || strings.ContainsAny(name, ":\n\r/ ") || strings.ContainsAny(password, ":\n\r") {
		return fmt.Errorf("dovecottest: user %q: name must be non-empty without ':', '/', space or newline; password without ':' or newline", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[name] = password
	return nil
}

// writeUsers replaces the passwd-file atomically, so Dovecot never reads a
// half-written file, and gives it an mtime (in seconds) it has not had
// before, so Dovecot sees a change even when the size stays the same.
func (s *Server) writeUsers() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	names := make([]string, 0, len(s.users))
	for name := range s.users {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(&b, "%s:{PLAIN}%s::::::\n", name, s.users[name])
	}
	mtime := time.Now().Truncate(time.Second)
	if !mtime.After(s.usersMtime) {
		mtime = s.usersMtime.Add(time.Second)
	}

	// Read by Dovecot's auth process, which does not run as root.
	if err := writeFileAtomic(filepath.Join(s.Dir, "users"), b.String(), 0o644, mtime); err != nil {
		return fmt.Errorf("dovecottest: write users: %w", err)
	}
	s.usersMtime = mtime
	return nil
}

func (s *Server) password(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pw, ok := s.users[name]
	return pw, ok
}

// PasswordFile writes password, without a trailing newline, to a new 0600
// file under Dir and returns its path, for code under test that reads
// secrets from files.
func (s *Server) PasswordFile(t testing.TB, password string) string {
	t.Helper()
	s.mu.Lock()
	s.pwSeq++
	n := s.pwSeq
	s.mu.Unlock()
	dir := filepath.Join(s.Dir, "secrets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, fmt.Sprintf("password-%d", n))
	if err := os.WriteFile(path, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeFileAtomic writes content to a temporary file beside path and
// renames it over path.
func writeFileAtomic(path, content string, perm os.FileMode, mtime time.Time) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err == nil {
		err = os.Chtimes(tmp.Name(), mtime, mtime)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
