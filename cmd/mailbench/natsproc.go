package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"mailassist/bus"
	"mailassist/internal/natsproc"
)

// natsServeEnv, set to a natsproc.Spec, makes mailbench serve JetStream
// instead of benchmarking: the system mailassist-nats starts mailbench
// again so, to run mailassist with its NATS server in a process of its
// own and measure the two apart.
const natsServeEnv = "MAILBENCH_NATS_SERVE"

// serveNATSIfChild serves the NATS server mailassist embeds (the same
// code and settings) until SIGTERM, and exits, when natsServeEnv asks for
// it; else it returns at once.
func serveNATSIfChild() {
	natsproc.ServeIfAsked(natsServeEnv, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// natsProcess is a JetStream server in a child process.
type natsProcess struct {
	url  string
	seed string // the user nkey seed it accepts
	cmd  *exec.Cmd
	done chan struct{}
}

// startNATSProcess starts a JetStream server storing under dir (which
// also holds its log, nats.log), and waits until it accepts clients.
func startNATSProcess(dir string) (*natsProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	creds, err := bus.CreateCredentials(dir) // the child serves the same user
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "nats.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), natsServeEnv+"="+natsproc.Spec(dir, addr))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the NATS server process: %w", err)
	}
	p := &natsProcess{url: "nats://" + addr, seed: creds.SeedFile, cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	for deadline := time.Now().Add(15 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("the NATS server process exited at its start (its log: %s)", logFile.Name())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("the NATS server process did not listen on %s within 15 s", addr)
		}
	}
}

func (p *natsProcess) pid() int { return p.cmd.Process.Pid }

// stop ends the server: SIGTERM, SIGKILL after 30 s.
func (p *natsProcess) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}
