package dovecottest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long Start and Restart wait for Dovecot's IMAP
// greeting, and how long Stop waits for its processes to end.
const startTimeout = 10 * time.Second

// Server is one running Dovecot instance with its own config, users, mail
// store and TLS certificate, all kept under Dir.
type Server struct {
	Dir      string
	Host     string // "127.0.0.1"
	Port     int    // plain IMAP; STARTTLS is offered
	TLSPort  int    // implicit TLS (imaps)
	CAFile   string // PEM of the self-signed certificate, valid for 127.0.0.1 and localhost
	CertPool *x509.CertPool

	conf      string   // path of dovecot.conf
	owner     mailUser // uid/gid that owns the mail store
	keepDir   bool     // Close leaves Dir in place (DOVECOTTEST_KEEP=1)
	extraCfg  string
	oauth2URL string // WithOAuth2's introspection endpoint

	mu         sync.Mutex
	users      map[string]string // name -> password
	proc       *exec.Cmd
	exit       chan struct{} // closed when proc has exited
	pwSeq      int
	usersMtime time.Time // of the passwd-file last written
}

// Option changes how Start and Launch set up the server.
type Option func(*options)

type options struct {
	users     [][2]string
	extraCfg  []string
	oauth2URL string
}

// WithUser adds a passwd-file user before Dovecot starts. It is the way to
// add users from TestMain, where AddUser has no testing.TB to report to.
func WithUser(name, password string) Option {
	return func(o *options) { o.users = append(o.users, [2]string{name, password}) }
}

// WithConfig appends raw lines to dovecot.conf; later settings override
// earlier ones, so this can change any default set by this package.
func WithConfig(lines string) Option {
	return func(o *options) { o.extraCfg = append(o.extraCfg, lines) }
}

// WithOAuth2 adds Dovecot's oauth2 passdb for the SASL mechanisms
// OAUTHBEARER and XOAUTH2 (advertised besides PLAIN and LOGIN, which
// keep using the passwd-file): each token is posted to introspectURL
// (RFC 7662 introspection, as internal/oauthtest serves it), which must
// answer active with the login's username. Any username with an active
// token may log in.
func WithOAuth2(introspectURL string) Option {
	return func(o *options) { o.oauth2URL = introspectURL }
}

// Available reports whether the dovecot binary is installed, in PATH or at
// /usr/sbin/dovecot (Debian's location, often outside a non-root PATH).
func Available() bool {
	_, err := dovecotBinary()
	return err == nil
}

func dovecotBinary() (string, error) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	const debian = "/usr/sbin/dovecot"
	if _, err := os.Stat(debian); err == nil {
		return debian, nil
	}
	return "", errors.New("dovecot binary not found in PATH or at /usr/sbin/dovecot")
}

func doveadmBinary() string {
	if p, err := exec.LookPath("doveadm"); err == nil {
		return p
	}
	return "/usr/bin/doveadm"
}

// Start launches Dovecot on free loopback ports in a fresh directory and
// stops it and removes the directory when the test ends. It calls Require
// first.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	Require(t)
	s, err := Launch(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecottest: tail of %s:\n%s", filepath.Join(s.Dir, "dovecot.log"), s.LogTail(40))
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Require skips the test if Dovecot is not installed, or fails it when
// CI=true, where a missing Dovecot means a broken CI setup. Tests that use a
// server started in TestMain call it first.
func Require(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("dovecottest: dovecot is not installed; install the Debian package dovecot-imapd (apt-get install dovecot-imapd)")
	}
	t.Skip("dovecottest: dovecot is not installed (apt-get install dovecot-imapd); skipping")
}

// Launch is Start for TestMain: it returns an error instead of failing a
// test, and the caller must call Close. Check Available before calling it.
func Launch(opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if _, err := dovecotBinary(); err != nil {
		return nil, fmt.Errorf("dovecottest: %w", err)
	}
	dir, err := makeDir()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Dir:       dir,
		Host:      "127.0.0.1",
		conf:      filepath.Join(dir, "dovecot.conf"),
		keepDir:   os.Getenv("DOVECOTTEST_KEEP") == "1",
		extraCfg:  strings.Join(o.extraCfg, "\n"),
		oauth2URL: o.oauth2URL,
		users:     map[string]string{},
	}
	if err := s.setup(o.users); err != nil {
		s.removeDir()
		return nil, err
	}
	// A free port found by binding :0 can be taken by someone else before
	// Dovecot binds it; try fresh ports a few times.
	for attempt := 1; ; attempt++ {
		if s.Port, err = freePort(); err == nil {
			s.TLSPort, err = freePort()
		}
		if err == nil {
			err = s.writeConfig()
		}
		if err == nil {
			err = s.start()
		}
		if err == nil {
			return s, nil
		}
		if attempt == 3 || !strings.Contains(err.Error(), "Address already in use") {
			s.removeDir()
			return nil, err
		}
	}
}

// makeDir creates the server directory. Dovecot's login, auth and mail
// processes run as other users and must traverse it, so it is 0755, not
// MkdirTemp's 0700. Unix socket paths are limited to 108 bytes, so a long TMPDIR is
// replaced by /tmp.
func makeDir() (string, error) {
	parent := os.TempDir()
	if len(parent) > 40 {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "dovecottest-")
	if err != nil {
		return "", fmt.Errorf("dovecottest: %w", err)
	}
	if dir, err = filepath.EvalSymlinks(dir); err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		return "", fmt.Errorf("dovecottest: %w", err)
	}
	return dir, nil
}

// setup writes everything that does not depend on the ports: the
// certificate, the users file and the mail store.
func (s *Server) setup(users [][2]string) error {
	var err error
	if s.owner, err = lookupMailUser(); err != nil {
		return err
	}
	if s.CAFile, s.CertPool, err = writeCert(filepath.Join(s.Dir, "tls")); err != nil {
		return err
	}
	mail := filepath.Join(s.Dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	if err := os.Chown(mail, s.owner.uid, s.owner.gid); err != nil {
		return fmt.Errorf("dovecottest: chown mail store to %s: %w", s.owner.name, err)
	}
	for _, u := range users {
		if err := s.addUser(u[0], u[1]); err != nil {
			return err
		}
	}
	return s.writeUsers()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("dovecottest: find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the dovecot master in the foreground as a child process and
// waits until both ports answer with a greeting.
func (s *Server) start() error {
	bin, err := dovecotBinary()
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	stderr, err := os.Create(filepath.Join(s.Dir, "dovecot.stderr"))
	if err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	defer stderr.Close()
	cmd := exec.Command(bin, "-F", "-c", s.conf)
	cmd.Dir = s.Dir
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	cmd.SysProcAttr = procAttr()
	// Pdeathsig (see procAttr) fires when the OS thread that forked exits,
	// not the process, and Go may end threads. So fork from a goroutine
	// locked to its thread that lives until Dovecot has exited.
	exit := make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(exit)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("dovecottest: start dovecot: %w", err)
	}
	s.mu.Lock()
	s.proc, s.exit = cmd, exit
	s.mu.Unlock()

	// The master binds the ports itself, so an accepted connection does not
	// mean imap-login and auth work: wait for the greeting on both ports.
	deadline := time.Now().Add(startTimeout)
	for _, port := range []int{s.Port, s.TLSPort} {
		for !s.greets(port, port == s.TLSPort) {
			select {
			case <-exit:
				s.kill() // children it may have left
				return s.startError(fmt.Sprintf("dovecot exited (%v)", cmd.ProcessState))
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				s.kill()
				return s.startError(fmt.Sprintf("no IMAP greeting on port %d after %v", port, startTimeout))
			}
		}
	}
	return nil
}

func (s *Server) startError(what string) error {
	return fmt.Errorf("dovecottest: %s\n--- %s ---\n%s\n--- tail of %s ---\n%s", what,
		filepath.Join(s.Dir, "dovecot.stderr"), tail(filepath.Join(s.Dir, "dovecot.stderr"), 20),
		filepath.Join(s.Dir, "dovecot.log"), s.LogTail(30))
}

// greets reports whether the port answers with an IMAP OK greeting.
func (s *Server) greets(port int, implicitTLS bool) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if implicitTLS {
		tc := tls.Client(c, &tls.Config{RootCAs: s.CertPool, ServerName: s.Host})
		if tc.Handshake() != nil {
			return false
		}
		c = tc
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "* OK")
}

func (s *Server) accepts(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(s.Host, strconv.Itoa(port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// stop ends Dovecot and waits until its processes are gone and its ports
// closed.
//
// SIGTERM goes to the whole process group: the master alone answers it by
// sending SIGQUIT to the IMAP processes, which then keep their clients for
// about ten seconds before saying BYE. Signalled directly they say
// "BYE Server shutting down" at once, as a client would see on a restart.
func (s *Server) stop() error {
	s.mu.Lock()
	cmd, exit := s.proc, s.exit
	s.proc = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exit:
	case <-time.After(startTimeout):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exit
		return s.startError("dovecot did not stop on SIGTERM; killed")
	}
	deadline := time.Now().Add(startTimeout)
	for groupAlive(pgid) || s.accepts(s.Port) || s.accepts(s.TLSPort) {
		if time.Now().After(deadline) {
			syscall.Kill(-pgid, syscall.SIGKILL)
			return s.startError("dovecot processes still running or ports open after the master exited; killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

func (s *Server) kill() {
	s.mu.Lock()
	cmd, exit := s.proc, s.exit
	s.proc = nil
	s.mu.Unlock()
	if cmd != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exit
	}
}

// Stop shuts Dovecot down, keeping Dir, so that Restart can bring it back.
// Connected clients are disconnected.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
}

// Restart stops Dovecot if it runs and starts it again on the same ports
// with the same users and mail store.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
}

// Close stops Dovecot and removes Dir (kept if DOVECOTTEST_KEEP=1).
func (s *Server) Close() error {
	err := s.stop()
	if rerr := s.removeDir(); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

func (s *Server) removeDir() error {
	if s.keepDir {
		return nil
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		return fmt.Errorf("dovecottest: %w", err)
	}
	return nil
}

// Addr is Host:Port, the plain IMAP (and STARTTLS) address.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// TLSAddr is Host:TLSPort, the implicit TLS address.
func (s *Server) TLSAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)) }

// LogTail returns the last n lines of dovecot.log, for failure messages.
func (s *Server) LogTail(n int) string { return tail(filepath.Join(s.Dir, "dovecot.log"), n) }

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
