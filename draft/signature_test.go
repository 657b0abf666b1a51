package draft

import (
	"path/filepath"
	"strings"
	"testing"

	"mailassist/internal/golden"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// The signature goes below the reply and above the quote, as a mail
// client puts it in a reply, behind "-- " when it has a delimiter; the
// reply's text is recovered from the draft without it (what the fate of
// the draft is measured on).
func TestComposeSignature(t *testing.T) {
	orig := fixture(t, "compose/simple.eml")
	tests := []struct {
		name, body, sig string
		want            string // the body's start, up to the attribution
	}{
		{"delimited", "Yes, Friday at 10:00 works for me.", "-- \nDemo User\nExample Org",
			"Yes, Friday at 10:00 works for me.\n\n-- \nDemo User\nExample Org\n\nOn "},
		{"delimiter without its space", "Yes.", "--\nDemo", "Yes.\n\n-- \nDemo\n\nOn "},
		{"sign-off", "Yes.", "Best regards,\nDemo", "Yes.\n\nBest regards,\nDemo\n\nOn "},
		{"blank lines and control characters", "Yes.", "\n\n-- \nDemo\x1b[8m  \n\n", "Yes.\n\n-- \nDemo[8m\n\nOn "},
		{"a delimiter alone is none", "Yes.", "-- ", "Yes.\n\nOn "},
		{"none", "Yes.", "", "Yes.\n\nOn "},
		{"the reply's own signature gives way", "Yes.\n-- \nA model", "-- \nDemo", "Yes.\n\n-- \nDemo\n\nOn "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := demo
			o.Body, o.Signature = tt.body, tt.sig
			raw, err := Compose(orig, o)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(mailmsg.Parse(raw).Text, "\r\n", "\n")
			if !strings.HasPrefix(text, tt.want) {
				t.Fatalf("draft text:\n%s\nwant it to start with:\n%s", text, tt.want)
			}
			if !strings.Contains(text, " wrote:\n> ") {
				t.Errorf("no quote below the signature:\n%s", text)
			}
			reply := strings.TrimSpace(strings.SplitN(tt.want, "\n\n", 2)[0])
			if got := mailtext.Split(text).New; got != reply {
				t.Errorf("the reply read back from the draft is %q, want %q", got, reply)
			}
		})
	}
	o := demo
	o.Signature = "-- \nDemo User\nExample Org"
	raw, err := Compose(orig, o)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "compose", "signature.golden"), raw)
}
