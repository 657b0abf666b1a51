package imapx_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"mailassist/imapx"
	"mailassist/internal/testacct"
)

// A connection that the server drops gives its slot back, without the
// client being closed by its owner: max_connections 1 lets the next dial
// through.
func TestDroppedConnectionGivesItsSlotBack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dropped := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveLogin(conn, i == 0, dropped)
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	acct := testacct.Account(t, "127.0.0.1", port, "none", "", "")
	acct.IMAP.MaxConnections = 1

	first, err := imapx.Dial(context.Background(), acct.IMAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close() // the owner does not close it before the next dial
	close(dropped)
	<-first.Closed()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	second, err := imapx.Dial(ctx, acct.IMAP, nil)
	if err != nil {
		t.Fatalf("dial after the server dropped the only connection: %v", err)
	}
	second.Close()
}

// serveLogin greets, says OK to every command (CAPABILITY with its
// untagged reply), and, if drop, closes the connection when dropped is
// closed.
func serveLogin(conn net.Conn, drop bool, dropped <-chan struct{}) {
	defer conn.Close()
	if drop {
		go func() { <-dropped; conn.Close() }()
	}
	conn.Write([]byte("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] test\r\n"))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
		if strings.HasPrefix(strings.ToUpper(cmd), "CAPABILITY") {
			conn.Write([]byte("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"))
		}
		conn.Write([]byte(tag + " OK done\r\n"))
	}
}
