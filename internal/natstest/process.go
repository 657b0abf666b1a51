package natstest

import (
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/internal/natsproc"
)

const childEnv = "MAILASSIST_NATSTEST_SERVE" // natsproc.Spec

// ServeIfChild runs a JetStream server and never returns when the process
// was started by StartProcess. Call it first in TestMain.
func ServeIfChild() {
	natsproc.ServeIfAsked(childEnv, slog.New(slog.DiscardHandler))
}

// Process is a JetStream server in a child process, so that a test can kill
// it (SIGKILL, no clean shutdown) and start it again on the same port and
// store.
type Process struct {
	URL  string
	dir  string
	addr string
	cmd  *exec.Cmd
	seed string
}

// SeedFile is the nkey seed the server accepts (nats.nkey_file).
func (p *Process) SeedFile() string { return p.seed }

// ConnectOptions says how a client logs in to the server.
func (p *Process) ConnectOptions(name string) bus.ConnectOptions {
	return bus.ConnectOptions{URL: p.URL, NkeyFile: p.seed, Name: name}
}

// StartProcess starts the server; it is killed when the test ends. The
// test binary's TestMain must call ServeIfChild.
func StartProcess(t testing.TB) *Process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &Process{URL: "nats://" + addr, dir: t.TempDir(), addr: addr}
	creds, err := bus.CreateCredentials(p.dir) // the child serves the same user
	if err != nil {
		t.Fatal(err)
	}
	p.seed = creds.SeedFile
	p.Start(t)
	t.Cleanup(p.Kill)
	return p
}

// Start (re)starts the server process and waits until it accepts clients.
func (p *Process) Start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+natsproc.Spec(p.dir, p.addr))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.cmd = cmd
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server process on %s did not start", p.addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the server with SIGKILL, as a crash would.
func (p *Process) Kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// Pid is the server's process id (for logs).
func (p *Process) Pid() string {
	if p.cmd == nil || p.cmd.Process == nil {
		return "-"
	}
	return strconv.Itoa(p.cmd.Process.Pid)
}
