package mailmsg_test

import (
	"strings"
	"testing"

	"mailassist/mailmsg"
)

const fpBase = "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: lunch\r\nDate: Mon, 2 Jun 2025 10:00:00 +0000\r\n\r\nShall we meet at noon?\r\n"

func TestFingerprintIgnoresWhatTheReceivingSideAdds(t *testing.T) {
	want := mailmsg.Fingerprint([]byte(fpBase))
	for name, raw := range map[string]string{
		"trace fields":                    "Return-Path: <bob@example.org>\r\nDelivered-To: alice@example.org\r\nReceived: from mx.example.org by imap.example.org;\r\n\tMon, 2 Jun 2025 10:00:01 +0000\r\n" + fpBase,
		"verdicts":                        "X-Spam-Status: No, score=-1.0\r\nX-Virus-Scanned: clamav\r\nAuthentication-Results: mx; dkim=pass\r\nARC-Seal: i=1; cv=none\r\nX-Rspamd-Score: 0.1\r\n" + fpBase,
		"status fields of an mbox server": "From bob@example.org Mon Jun  2 10:00:00 2025\r\n" + strings.Replace(fpBase, "\r\n\r\n", "\r\nStatus: RO\r\nX-UID: 12\r\nX-Keywords: $Junk\r\n\r\n", 1),
		"bare LF line ends":               strings.ReplaceAll(fpBase, "\r\n", "\n"),
		"refolded subject":                strings.Replace(fpBase, "Subject: lunch", "Subject:\r\n  lunch", 1),
		"a trailing newline":              fpBase + "\r\n",
	} {
		if got := mailmsg.Fingerprint([]byte(raw)); got != want {
			t.Errorf("%s: fingerprint %s, want %s", name, got, want)
		}
	}
	for name, raw := range map[string]string{
		"another body":    strings.Replace(fpBase, "noon", "one", 1),
		"another subject": strings.Replace(fpBase, "lunch", "dinner", 1),
		"another date":    strings.Replace(fpBase, "10:00:00", "10:00:01", 1),
		"another sender":  strings.Replace(fpBase, "bob@", "rob@", 1),
	} {
		if got := mailmsg.Fingerprint([]byte(raw)); got == want {
			t.Errorf("%s: same fingerprint as the original", name)
		}
	}
	if len(want) != 32 {
		t.Errorf("fingerprint %q: want 32 hex digits", want)
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add([]byte(fpBase))
	f.Add([]byte("no header at all"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if mailmsg.Fingerprint(raw) != mailmsg.Fingerprint(raw) {
			t.Fatal("not deterministic")
		}
	})
}
