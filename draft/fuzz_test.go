package draft

import (
	"strings"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/mailmsg"
)

// Whatever the original and the reply text hold, the draft's header is
// the fields Compose writes and nothing else, and it parses back.
func FuzzCompose(f *testing.F) {
	f.Add("Re: Lunch", "Alice", "alice@example.com", "Yes.", "id@example.com")
	f.Add("=?utf-8?q?x=0D=0ABcc:_a@b.example?=", "=?utf-8?q?M=0D=0AX:_1?=", "m@evil.example", "ok\r\nBcc: x@y.example", "a b@c")
	f.Add("AW: Grüße", "Renée", "r@x.example", "Gerne\x00\x1b\u202e", "<x>@y")
	f.Fuzz(func(t *testing.T, subject, name, addr, body, id string) {
		raw := "From: " + name + " <" + addr + ">\r\nTo: demo@example.org\r\nSubject: " + subject +
			"\r\nMessage-ID: <" + id + ">\r\n\r\nHello?\r\n"
		orig := mailmsg.Parse([]byte(raw))
		draft, err := Compose(orig, ComposeOptions{
			From: mailmsg.Address{Name: "Demo", Addr: "demo@example.org"},
			Body: body, Ref: "a/1/2", Date: time.Unix(0, 0).UTC(),
		})
		if err != nil {
			return // nobody to reply to, or an unusable address: fine
		}
		header, _, ok := strings.Cut(string(draft), "\r\n\r\n")
		if !ok {
			t.Fatal("no end of header")
		}
		allowed := []string{"Date:", "From:", "To:", "Cc:", "Subject:", "Message-ID:", "In-Reply-To:",
			"References:", "MIME-Version:", "Content-Type:", "Content-Transfer-Encoding:", "X-Mailassist-Ref:"}
		for _, line := range strings.Split(header, "\r\n") {
			if strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bare CR or LF in %q", line)
			}
			if line != "" && (line[0] == ' ' || line[0] == '\t') {
				continue
			}
			known := false
			for _, a := range allowed {
				known = known || strings.HasPrefix(line, a)
			}
			if !known {
				t.Fatalf("unexpected header line %q in\n%s", line, header)
			}
		}
		d := mailmsg.Parse(draft)
		if d.Header.Get(bus.RefHeader) != "a/1/2" || !strings.HasPrefix(d.Subject, "Re:") {
			t.Fatalf("parsed back: ref %q, subject %q", d.Header.Get(bus.RefHeader), d.Subject)
		}
	})
}
