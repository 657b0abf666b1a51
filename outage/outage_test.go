package outage_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/outage"
)

// closedPort returns a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// hangUp returns the address of a server that accepts and closes at once,
// as a server that is shutting down does.
func hangUp(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestIs(t *testing.T) {
	_, refused := net.Dial("tcp", closedPort(t))
	_, tlsCut := tls.Dial("tcp", hangUp(t), &tls.Config{ServerName: "localhost"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, timeout := (&net.Dialer{}).DialContext(ctx, "tcp", "192.0.2.1:993")
	_, notFound := os.Open("/nonexistent/file")
	for _, tc := range []struct {
		name string
		err  error
		want bool
		full bool
	}{
		{"connection refused", fmt.Errorf("connect: %w", refused), true, false},
		{"TLS handshake cut short by a server going down", fmt.Errorf("connect: %w", tlsCut), true, false},
		{"dial timeout", timeout, true, false},
		{"nats without a server", fmt.Errorf("publish: %w", nats.ErrNoServers), true, false},
		{"nats connection closed", nats.ErrConnectionClosed, true, false},
		{"no response from stream", fmt.Errorf("publish: %w", jetstream.ErrNoStreamResponse), true, false},
		{"jetstream disabled", &jetstream.APIError{Code: 503, ErrorCode: jetstream.JSErrCodeJetStreamNotEnabled}, true, false},
		{"insufficient storage", &jetstream.APIError{Code: 500, ErrorCode: 10047, Description: "insufficient storage resources available"}, true, true},
		{"no space left", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, true, true},
		{"marked", outage.Mark(errors.New("model busy")), true, false},
		{"imap BYE", &imap.Error{Type: imap.StatusResponseTypeBye, Text: "Server shutting down"}, true, false},
		{"imap UNAVAILABLE", &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable}, true, false},
		{"imap NO", &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed}, false, false},
		{"bad input", errors.New("decode: unexpected end"), false, false},
		{"missing file", notFound, false, false},
		{"key exists", jetstream.ErrKeyExists, false, false},
		{"nil", nil, false, false},
	} {
		if got := outage.Is(tc.err); got != tc.want {
			t.Errorf("%s: Is(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
		if got := outage.IsStorageFull(tc.err); got != tc.full {
			t.Errorf("%s: IsStorageFull(%v) = %v, want %v", tc.name, tc.err, got, tc.full)
		}
	}
}

func TestTrackerLogsOnceEachWay(t *testing.T) {
	var buf bytes.Buffer
	tr := outage.NewTracker(slog.New(slog.NewTextHandler(&buf, nil)))
	tr.Register("imap alice")
	for range 100 { // a hundred messages meet the outage
		tr.Down("imap alice", errors.New("connection refused"))
	}
	if tr.IsUp("imap alice") {
		t.Fatal("still up")
	}
	if problems, _ := tr.Health(time.Now()); len(problems) != 1 || !strings.Contains(problems[0], "imap alice: unavailable") {
		t.Errorf("health = %q", problems)
	}
	for range 100 {
		tr.Up("imap alice")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "imap alice is unavailable") || !strings.Contains(lines[1], "imap alice is back") {
		t.Fatalf("log:\n%s", buf.String())
	}
	if problems, _ := tr.Health(time.Now()); len(problems) != 0 {
		t.Errorf("health after = %q", problems)
	}
	var nilTracker *outage.Tracker
	nilTracker.Down("x", nil) // a nil tracker ignores reports
	if !nilTracker.IsUp("x") {
		t.Error("nil tracker says down")
	}
}
