package ingest_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/setting"
)

// A server that sends NOTIFY's STATUS only while a command runs, not
// between commands (RFC 5465 allows either; Dovecot sends them at once,
// so a proxy holds them back here): the watcher, which waits for news
// between commands, finds the first new message at the NOTIFY renewal,
// and from then on waits in IDLE, where the next one reaches it at once
// instead of at the next renewal.
func TestDovecotAccountFallsBackToIdle(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	c := s.Dial(t, "alice")
	if err := c.Create("Lists", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	proxy := holdStatus(t, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	const renewal = 8 * time.Second // idle_refresh: NOTIFY is renewed this often
	acct := aliceAccount(t, s.Host, proxy, "none", "", "    folders: {watch: [INBOX, Lists]}\n")
	acct.IdleRefresh = setting.Duration(renewal)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	startAccount(t, b, &acct, reg)
	waitFor(t, "four folders live", 10*time.Second, allLive(reg, 4))
	time.Sleep(3 * time.Second) // well past the look again after the first sync (a command)

	s.Append(t, "alice", "INBOX", message("one", "1@x", "held back until a command"))
	ev.waitLen(t, 1, renewal+5*time.Second) // found by the renewal
	time.Sleep(1500 * time.Millisecond)     // past the look again at INBOX after its catch-up (a command)

	start := time.Now()
	s.Append(t, "alice", "Lists", message("two", "2@x", "reaches the watcher in IDLE"))
	ev.waitLen(t, 2, renewal/2) // the next renewal is about 6.5 s away
	t.Logf("the second message ingested %v after its APPEND", time.Since(start))
	if got := ev.ingested(); got[1].Mailbox != "Lists" {
		t.Errorf("second message in %q, want Lists", got[1].Mailbox)
	}
	ev.settle(t, 2)
}

// holdStatus is a proxy to the IMAP server at addr that holds back every
// untagged STATUS response the server sends while no command of the
// client's runs, and passes it on when the client sends its next
// command. It returns the port it listens on (127.0.0.1).
func holdStatus(t *testing.T, addr string) int {
	t.Helper()
	return proxy(t, addr, func(client, server net.Conn) {
		p := &statusHolder{client: client, server: server, running: map[string]bool{}}
		go p.fromClient()
		p.fromServer()
	})
}

type statusHolder struct {
	client, server net.Conn

	mu      sync.Mutex
	running map[string]bool // tags of the client's commands not yet answered
	held    [][]byte
}

func (p *statusHolder) close() {
	p.client.Close()
	p.server.Close()
}

// fromClient passes the client's lines to the server; a command releases
// what was held.
func (p *statusHolder) fromClient() {
	defer p.close()
	r := bufio.NewReader(p.client)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			// A command is a tag and a name (a line without a space is
			// DONE or an answer to a continuation, AUTHENTICATE's); it is
			// running from before the server can answer it.
			tag, _, command := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(" "))
			p.mu.Lock()
			if command {
				p.running[string(tag)] = true
			}
			_, werr := p.server.Write(line)
			if command {
				for _, h := range p.held {
					p.client.Write(h)
				}
				p.held = nil
			}
			p.mu.Unlock()
			if werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// fromServer passes the server's responses to the client, literals as
// they come, and holds back STATUS while no command runs.
func (p *statusHolder) fromServer() {
	defer p.close()
	r := bufio.NewReader(p.server)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		p.mu.Lock()
		switch {
		case bytes.HasPrefix(line, []byte("* STATUS ")) && len(p.running) == 0:
			p.held = append(p.held, line)
			p.mu.Unlock()
			continue
		case !bytes.HasPrefix(line, []byte("* ")) && !bytes.HasPrefix(line, []byte("+")):
			tag, _, _ := bytes.Cut(line, []byte(" "))
			delete(p.running, string(tag))
		}
		err = p.pass(r, line)
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// pass writes line to the client, and the literals and lines of the
// response that follow it.
func (p *statusHolder) pass(r *bufio.Reader, line []byte) error {
	for {
		if _, err := p.client.Write(line); err != nil {
			return err
		}
		n := literalAt(line)
		if n == 0 {
			return nil
		}
		if _, err := io.CopyN(p.client, r, n); err != nil {
			return err
		}
		var err error
		if line, err = r.ReadBytes('\n'); err != nil {
			return err
		}
	}
}

// literalAt is the size of the literal that line announces at its end
// ("{N}\r\n"), or 0.
func literalAt(line []byte) int64 {
	line = bytes.TrimRight(line, "\r\n")
	if !bytes.HasSuffix(line, []byte("}")) {
		return 0
	}
	i := bytes.LastIndexByte(line, '{')
	if i < 0 {
		return 0
	}
	n, err := strconv.ParseInt(string(bytes.TrimSuffix(line[i+1:len(line)-1], []byte("+"))), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
