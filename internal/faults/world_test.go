package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/mailmsg"
)

const user, fbUser, password = "demo", "fb", "secret"

// fbAccount is the config entry of the feedback account, when wanted.
func fbAccount(w *world, want bool) string {
	if !want {
		return ""
	}
	return fmt.Sprintf(`  - name: fb
    address: fb@example.org
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: implicit, ca_file: %q, username: fb, password_file: %q}`,
		w.dovecot.TLSPort, w.dovecot.CAFile, w.dovecot.PasswordFile(w.t, password))
}

// stages are the stage consumers whose backlog must drain.
var stages = []string{"spam", "spam-feedback", "reply", "escalate", "apply"}

// world is one case's Dovecot, NATS and mailassist processes.
type world struct {
	t       *testing.T
	name    string
	dir     string
	dovecot *dovecottest.Server
	nats    *natstest.Process // nil when mailassist runs the embedded server
	natsURL string
	cfgPath string // the config, without http.listen
	cfgText string
	http    map[string]string // role -> its /metrics, /healthz, /readyz address
	procs   map[string]*proc
	mails   []*mail
	nc      *nats.Conn
	js      jetstream.JetStream
}

// options shape a world.
type options struct {
	// embedded: mailassist run starts the embedded NATS server in
	// dataDir (default: a separate nats-server process).
	embedded bool
	dataDir  string
	// yaml is appended to the config (spam, reply, escalate, llm).
	yaml string
	// stream is the stream section (default max_bytes 256MiB).
	stream string
	// feedback adds a second account, "fb", for the user's moves: they
	// train that account's own model, and the demo account's verdicts
	// stay those the templates expect.
	feedback bool
}

func newWorld(t *testing.T, o options) *world {
	t.Helper()
	w := &world{t: t, name: t.Name(), dir: t.TempDir(), procs: map[string]*proc{}, http: map[string]string{}}
	w.dovecot = dovecottest.Start(t, dovecottest.WithUser(user, password), dovecottest.WithUser(fbUser, password))
	natsLine := ""
	if o.embedded {
		w.natsURL = "nats://127.0.0.1:" + freePort(t)
		natsLine = fmt.Sprintf(`nats: {listen: %q}`, strings.TrimPrefix(w.natsURL, "nats://"))
	} else {
		w.nats = natstest.StartProcess(t)
		w.natsURL = w.nats.URL
		natsLine = fmt.Sprintf(`nats: {url: %q}`, w.natsURL)
	}
	if o.dataDir == "" {
		o.dataDir = filepath.Join(w.dir, "data")
	}
	if o.stream == "" {
		o.stream = "stream: {max_bytes: 256MiB}"
	}
	cfg := fmt.Sprintf(`data_dir: %s
log: {level: info, format: json}
%s
%s
stages: {ack_wait: 5s, grace: 5s}
accounts:
  - name: demo
    address: demo@example.org
    display_name: Demo User
    initial_sync: 30d
    imap: {host: 127.0.0.1, port: %d, tls: implicit, ca_file: %q, username: demo, password_file: %q}
%s
%s
`, o.dataDir, natsLine, o.stream, w.dovecot.TLSPort, w.dovecot.CAFile, w.dovecot.PasswordFile(t, password), fbAccount(w, o.feedback), o.yaml)
	w.cfgText = cfg
	w.cfgPath = filepath.Join(w.dir, "mailassist.yaml")
	if err := os.WriteFile(w.cfgPath, []byte(cfg+"http: {listen: \"\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binary, "config", "check", w.cfgPath).CombinedOutput(); err != nil {
		t.Fatalf("config check: %v\n%s", err, out)
	}
	return w
}

// connect opens the test's own NATS connection, to read the stream
// (waiting for an embedded server to come up with run).
func (w *world) connect() {
	w.t.Helper()
	if w.nc != nil {
		return
	}
	nc, err := nats.Connect(w.natsURL, nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond),
		nats.RetryOnFailedConnect(true))
	if err != nil {
		w.t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !nc.IsConnected(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			w.t.Fatalf("no NATS server at %s", w.natsURL)
		}
	}
	w.t.Cleanup(nc.Close)
	w.nc = nc
	w.js, _ = jetstream.New(nc)
}

// attach returns the bus for reading.
func (w *world) attach(ctx context.Context) (*bus.Bus, error) {
	w.connect()
	return bus.Attach(ctx, w.nc, bus.Options{})
}

// proc is one mailassist process.
type proc struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// start runs `mailassist <role> --config` ("run" for every role in one
// process).
func (w *world) start(role string) {
	w.t.Helper()
	if p := w.procs[role]; p != nil && p.running() {
		w.t.Fatalf("%s already runs", role)
	}
	logPath := filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", role, time.Now().UnixNano()))
	f, err := os.Create(logPath)
	if err != nil {
		w.t.Fatal(err)
	}
	// Each process serves its own /metrics, /healthz and /readyz.
	if w.http[role] == "" {
		w.http[role] = "127.0.0.1:" + freePort(w.t)
	}
	cfgPath := filepath.Join(w.dir, role+".yaml")
	if err := os.WriteFile(cfgPath, []byte(w.cfgText+fmt.Sprintf("http: {listen: %q}\n", w.http[role])), 0o600); err != nil {
		w.t.Fatal(err)
	}
	cmd := exec.Command(binary, role, "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	p := &proc{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	w.procs[role] = p
	w.t.Cleanup(func() { p.signal(syscall.SIGKILL) })
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

func (p *proc) signal(sig syscall.Signal) {
	if p.running() {
		_ = p.cmd.Process.Signal(sig)
		<-p.done
	}
}

// kill ends a role with SIGKILL, as a crash would.
func (w *world) kill(role string) {
	w.t.Helper()
	w.procs[role].signal(syscall.SIGKILL)
}

// alive fails the test if a role process exited by itself: nothing may
// need a restart by hand.
func (w *world) alive(roles ...string) {
	w.t.Helper()
	for _, r := range roles {
		if p := w.procs[r]; p == nil || !p.running() {
			w.t.Fatalf("%s is not running (exited by itself):\n%s", r, tailFile(w.procs[r].log, 30))
		}
	}
}

// logs returns the log records of every process of role at level and
// above, as JSON maps.
func (w *world) logs(role, level string) []map[string]any {
	var out []map[string]any
	files, _ := filepath.Glob(filepath.Join(w.dir, role+"-*.log"))
	rank := map[string]int{"DEBUG": 0, "INFO": 1, "WARN": 2, "ERROR": 3}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) != nil {
				continue
			}
			if l, _ := rec["level"].(string); rank[l] >= rank[level] {
				out = append(out, rec)
			}
		}
	}
	return out
}

func tailFile(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := strings.Cut(ln.Addr().String(), ":")
	return port
}

// imapSession logs in as the user for one look at the mailbox.
func (w *world) imapSession(f func(c *imapclient.Client) error) error {
	return w.imapSessionAs(user, f)
}

func (w *world) imapSessionAs(name string, f func(c *imapclient.Client) error) error {
	c, err := imapclient.DialInsecure(w.dovecot.Addr(), nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(name, password).Wait(); err != nil {
		return err
	}
	err = f(c)
	_ = c.Logout().Wait()
	return err
}

// folderMsg is a message as a folder holds it.
type folderMsg struct {
	uid     imap.UID
	subject string
	flags   []imap.Flag
	raw     []byte
}

// folder reads every message of a mailbox (none if it does not exist).
func (w *world) folder(name string) ([]folderMsg, error) {
	var out []folderMsg
	err := w.imapSession(func(c *imapclient.Client) error {
		sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return nil // not there (yet)
		}
		if sel.NumMessages == 0 {
			return nil
		}
		body := &imap.FetchItemBodySection{Peek: true}
		bufs, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
			UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{body},
		}).Collect()
		if err != nil {
			return err
		}
		for _, b := range bufs {
			raw := b.FindBodySection(body)
			out = append(out, folderMsg{uid: b.UID, subject: mailmsg.HeaderValue(raw, "Subject"), flags: b.Flags, raw: raw})
		}
		return nil
	})
	return out, err
}
