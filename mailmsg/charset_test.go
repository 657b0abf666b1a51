package mailmsg

import (
	"testing"
	"unicode/utf8"
)

// Decoded header values and display names are valid UTF-8, whatever bytes
// the encoded words carry: ill-formed sequences become U+FFFD.
func TestDecodedHeaderIsUTF8(t *testing.T) {
	for _, tc := range []struct{ word, want string }{
		{"=?utf-8?q?=FF?=", "\uFFFD"},                  // mime copies "utf-8" bytes unchecked
		{"=?UTF-8?q?a=E2=82?=", "a\uFFFD"},             // a truncated sequence is one U+FFFD
		{"=?utf8?b?/w==?=", "\uFFFD"},                  // the aliases decode as go-message does
		{"=?ascii?q?a=E9?=", "a\uFFFD"},                // not ASCII
		{"=?ansi_x3.4-1968?q?a=E9?=", "a\uFFFD"},       //
		{"=?us_ascii?q?a=E9?=", "a\uFFFD"},             //
		{"=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", "café"}, // a character split across words survives
		{"=?iso-8859-1?q?caf=E9?=", "café"},
	} {
		raw := "From: " + tc.word + " <a@example.com>\r\nSubject: " + tc.word + "\r\n\r\n"
		m := Parse([]byte(raw))
		if len(m.From) != 1 || m.From[0].Name != tc.want {
			t.Errorf("From %s: %s, want name %q", tc.word, formatAddrs(m.From), tc.want)
		}
		if m.Subject != tc.want || m.Header.Get("Subject") != tc.want {
			t.Errorf("Subject %s: %q (Get %q), want %q", tc.word, m.Subject, m.Header.Get("Subject"), tc.want)
		}
		if !utf8.ValidString(m.Subject) {
			t.Errorf("Subject %s: %q is not UTF-8", tc.word, m.Subject)
		}
	}
}
