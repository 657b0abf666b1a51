package imapx

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		want MailboxStatus
		ok   bool
	}{
		{"* STATUS INBOX (MESSAGES 3 UIDNEXT 7 UIDVALIDITY 1700000000)\r\n", MailboxStatus{"INBOX", 3, 7, 1700000000}, true},
		{"* STATUS inbox (UIDNEXT 2)\r\n", MailboxStatus{Mailbox: "INBOX", UIDNext: 2}, true},
		{"* STATUS \"Junk E-mail\" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 5 HIGHESTMODSEQ 18446744073709551615)\r\n", MailboxStatus{"Junk E-mail", 0, 1, 5}, true},
		{"* STATUS \"a \\\"q\\\" \\\\ b\" (MESSAGES 1)\r\n", MailboxStatus{Mailbox: `a "q" \ b`, Messages: 1}, true},
		{"* STATUS \"R&-D\" (UIDNEXT 4)\r\n", MailboxStatus{Mailbox: "R&D", UIDNext: 4}, true},
		{"* STATUS \"&AOQ-pfel\" (UIDNEXT 4)\r\n", MailboxStatus{Mailbox: "&AOQ-pfel", UIDNext: 4}, true}, // not decoded: never asked for
		{"* STATUS {5}\r\nLists (UIDNEXT 9)\r\n", MailboxStatus{Mailbox: "Lists", UIDNext: 9}, true},
		{"* STATUS \"unterminated (UIDNEXT 9)\r\n", MailboxStatus{}, false},
	}
	for _, tt := range tests {
		got, ok := parseStatus([]byte(tt.in))
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseStatus(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLiteralSize(t *testing.T) {
	tests := []struct {
		in   string
		size int64
		ok   bool
	}{
		{"* 1 FETCH (BODY[] {1234}\r\n", 1234, true},
		{"* 1 FETCH (BODY[] {12+}\r\n", 12, true},
		{"* OK done\r\n", 0, false},
		{"* OK {x}\r\n", 0, false},
		{"}\r\n", 0, false},
	}
	for _, tt := range tests {
		size, ok := literalSize([]byte(tt.in))
		if size != tt.size || ok != tt.ok {
			t.Errorf("literalSize(%q) = %d, %v; want %d, %v", tt.in, size, ok, tt.size, tt.ok)
		}
	}
}

func TestQuoteMailbox(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"inbox", "INBOX", nil},
		{"Junk", `"Junk"`, nil},
		{`[Gmail]/Spam`, `"[Gmail]/Spam"`, nil},
		{`Re "x" \y`, `"Re \"x\" \\y"`, nil},
		{"R&D", "", ErrNotifyName},
		{"Äpfel", "", ErrNotifyName},
		{"a\r\nb", "", ErrNotifyName},
	}
	for _, tt := range tests {
		got, err := quoteMailbox(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("quoteMailbox(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestNotifierRead passes the client everything the server sends but the
// answers to the Notifier's own commands, whole, when lines and literals
// are longer than its read buffer, and reports the STATUS responses.
func TestNotifierRead(t *testing.T) {
	server, conn := net.Pipe()
	defer server.Close()
	var statuses []MailboxStatus
	n, client := newNotifier(conn, []byte("* OK hello\r\n"), func(st MailboxStatus) { statuses = append(statuses, st) })
	answered := make(chan error, 1)
	n.tags["N1x"] = answered

	long := "* 1 FETCH (UID 7 ENVELOPE (\"" + strings.Repeat("s", 3*notifyReadBuffer) + "\"))\r\n"
	body := strings.Repeat("b", 5*notifyReadBuffer)
	literal := "* 2 FETCH (UID 8 BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + " FLAGS (\\Seen))\r\n"
	status := "* STATUS \"INBOX\" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 1)\r\n"
	ours := "N1x OK NOTIFY done\r\n"
	done := "T1 OK FETCH done\r\n"
	go func() {
		io.WriteString(server, long+literal+status+ours+done)
	}()
	want := "* OK hello\r\n" + long + literal + status + done
	got := make([]byte, len(want))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatalf("read: %v (got %q)", err, got)
	}
	if string(got) != want {
		t.Errorf("the client read\n%q\nwant\n%q", got, want)
	}
	if len(statuses) != 1 || statuses[0] != (MailboxStatus{Mailbox: "INBOX", Messages: 3, UIDNext: 9, UIDValidity: 1}) {
		t.Errorf("statuses %+v", statuses)
	}
	select {
	case err := <-answered:
		if err != nil {
			t.Errorf("the Notifier's command: %v", err)
		}
	default:
		t.Error("the Notifier's command got no answer")
	}
}
