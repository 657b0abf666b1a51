package ingest_test

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
)

// Dovecot's NOTIFY STATUS carries UIDNEXT but not UIDVALIDITY: the
// watcher keeps the UIDVALIDITY it knows, so a change that brings no new
// mail — here an expunge in INBOX, as apply's every move to Junk is —
// costs no SELECT; new mail after it is still ingested.
func TestDovecotAccountExpungeCostsNoSelect(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	proxy := &commandCounter{}
	port := proxy.start(t, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	acct := aliceAccount(t, s.Host, port, "none", "", "")
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	startAccount(t, b, &acct, reg)
	waitFor(t, "three folders live", 10*time.Second, allLive(reg, 3))
	uid := s.Append(t, "alice", "INBOX", message("one", "one@x", "first"))
	ev.waitLen(t, 1, 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // past the look again after the catch-up

	selects, statuses := proxy.selects.Load(), proxy.statuses.Load()
	c := s.Dial(t, "alice")
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitFor(t, "the expunge's STATUS", 5*time.Second, func() bool { return proxy.statuses.Load() > statuses })
	time.Sleep(500 * time.Millisecond)
	if n := proxy.selects.Load() - selects; n != 0 {
		t.Errorf("%d SELECTs after an expunge, want 0", n)
	}

	s.Append(t, "alice", "INBOX", message("two", "two@x", "second"))
	ev.waitLen(t, 2, 5*time.Second)
	ev.settle(t, 2)
}

// commandCounter is a proxy to an IMAP server that counts the client's
// SELECT commands and the server's untagged STATUS responses.
type commandCounter struct {
	selects, statuses atomic.Int64
}

// start proxies to the IMAP server at addr and returns the port.
func (p *commandCounter) start(t *testing.T, addr string) int {
	t.Helper()
	return proxy(t, addr, func(client, server net.Conn) {
		go p.relay(client, server, func(line []byte) {
			if f := bytes.Fields(line); len(f) > 1 && bytes.EqualFold(f[1], []byte("SELECT")) {
				p.selects.Add(1)
			}
		})
		p.relay(server, client, func(line []byte) {
			if bytes.HasPrefix(line, []byte("* STATUS ")) {
				p.statuses.Add(1)
			}
		})
	})
}

// relay copies from to to line by line, showing each line to see (a
// literal's lines too: the test's messages hold no IMAP lines).
func (p *commandCounter) relay(from, to net.Conn, see func([]byte)) {
	defer from.Close()
	defer to.Close()
	r := bufio.NewReader(from)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			see(line)
			if _, werr := to.Write(line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
