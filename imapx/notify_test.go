package imapx

import (
	"errors"
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
