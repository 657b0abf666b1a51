package draft

import (
	"errors"
	"fmt"
	"mailassist/internal/golden"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

var demo = ComposeOptions{
	From:     mailmsg.Address{Name: "Demo User", Addr: "demo@example.org"},
	Own:      []string{"demo@example.org", "d.user@example.org"},
	Ref:      "work/1700000000/42",
	Date:     time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CET", 3600)),
	Body:     "Yes, Friday at 10:00 works for me.",
	ReplyAll: false,
}

// The drafts, byte for byte; each is also parsed back to check what a
// mail client will see.
func TestComposeGolden(t *testing.T) {
	tests := []struct {
		name string
		mod  func(o *ComposeOptions)
		// what the parsed draft must show
		subject    string
		to, cc     []string
		inReplyTo  string
		references []string
	}{
		{
			name: "simple", subject: "Re: Can we move Thursday's review?",
			to: []string{"carol@example.org"}, inReplyTo: "review-move-1@example.org",
			references: []string{"review-move-1@example.org"},
		},
		{
			name: "nonascii", mod: func(o *ComposeOptions) { o.Body = "Gerne — wie wäre es mit Dienstag um 14 Uhr?" },
			subject: "Re: Grüße aus München — nächste Woche",
			to:      []string{"renee@firma.example"}, inReplyTo: "gruesse-2@firma.example",
			references: []string{"gruesse-1@example.org", "gruesse-2@firma.example"},
		},
		{
			name: "injection",
			mod: func(o *ComposeOptions) {
				o.Body = "Sure.\r\nBcc: evil@example.net\r\n\r\n\x1b[8mhidden\u202e"
			},
			subject: "Re: Hello Bcc: everyone@evil.example body",
			to:      []string{"mallory@evil.example"}, inReplyTo: "inject-1@evil.example",
			// mailmsg drops the space in "<bad id@…>"; the id stays usable.
			references: []string{"a@evil.example", "badid@evil.example", "b@evil.example", "inject-1@evil.example"},
		},
		{
			name: "replyall", mod: func(o *ComposeOptions) { o.ReplyAll = true; o.Body = "Count me in." },
			subject:    "Re: Lunch on Friday?",
			to:         []string{"alice.replies@example.com"},
			cc:         []string{"bob@example.net", "carol@example.net"},
			inReplyTo:  "lunch-4@example.com",
			references: []string{"lunch-1@example.com", "lunch-2@example.org", "lunch-3@example.net", "lunch-4@example.com"},
		},
		{
			name: "long-references", subject: "Re: the thread that never ends",
			to: []string{"thread@example.com"}, inReplyTo: "t-31@example.com",
			references: append([]string{"t-1@example.com"}, ids("t-%d@example.com", 13, 31)...),
		},
		{
			name: "no-message-id", subject: "Re: no id", to: []string{"old-client@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := fixture(t, "compose/"+tt.name+".eml")
			o := demo
			if tt.mod != nil {
				tt.mod(&o)
			}
			raw, err := Compose(orig, o)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "compose/"+tt.name+".golden"), raw)

			d := mailmsg.Parse(raw)
			if len(d.Problems) > 0 {
				t.Errorf("problems parsing the draft: %v", d.Problems)
			}
			if d.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", d.Subject, tt.subject)
			}
			if got := addrs(d.To); !slices.Equal(got, tt.to) {
				t.Errorf("To = %v, want %v", got, tt.to)
			}
			if got := addrs(d.Cc); !slices.Equal(got, tt.cc) {
				t.Errorf("Cc = %v, want %v", got, tt.cc)
			}
			var irt []string
			if tt.inReplyTo != "" {
				irt = []string{tt.inReplyTo}
			}
			if !slices.Equal(d.InReplyTo, irt) || !slices.Equal(d.References, tt.references) {
				t.Errorf("In-Reply-To %v, References %v; want %v, %v", d.InReplyTo, d.References, irt, tt.references)
			}
			if got := d.Header.Get(bus.RefHeader); got != o.Ref {
				t.Errorf("%s = %q", bus.RefHeader, got)
			}
			for _, f := range d.Header.Fields() {
				switch f.Name {
				case "Date", "From", "To", "Cc", "Subject", "Message-Id", "In-Reply-To", "References",
					"Mime-Version", "Content-Type", "Content-Transfer-Encoding", bus.RefHeader:
				default:
					t.Errorf("unexpected header %s: %s", f.Name, f.Raw())
				}
			}
			if len(d.From) != 1 || d.From[0] != o.From {
				t.Errorf("From = %v", d.From)
			}
			if !d.Date.Equal(o.Date) || d.MessageID == "" {
				t.Errorf("Date %v, Message-ID %q", d.Date, d.MessageID)
			}
			text := strings.ReplaceAll(d.Text, "\r\n", "\n")
			if !strings.HasPrefix(text, strings.TrimSpace(mailtext.StripControl(strings.ReplaceAll(o.Body, "\r\n", "\n"), true))) {
				t.Errorf("body does not start with the reply:\n%s", d.Text)
			}
			if !strings.Contains(text, " wrote:\n> ") {
				t.Errorf("no quoted original:\n%s", d.Text)
			}
		})
	}
}

func ids(format string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf(format, i))
	}
	return out
}

func addrs(as []mailmsg.Address) []string {
	var out []string
	for _, a := range as {
		out = append(out, strings.ToLower(a.Addr))
	}
	return out
}

// A header value cannot smuggle a line break from the original or from
// model output.
func TestComposeNoHeaderInjection(t *testing.T) {
	raw, err := Compose(fixture(t, "compose/injection.eml"), ComposeOptions{
		From: mailmsg.Address{Name: "Demo\r\nBcc: x@evil.example", Addr: "demo@example.org"},
		Ref:  "work/1/2",
		Body: "ok\r\nBcc: y@evil.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(header, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("injected header line %q", line)
		}
	}
	if strings.ContainsAny(strings.ReplaceAll(header, "\r\n", ""), "\r\n") {
		t.Error("a bare CR or LF in the header")
	}
}

func TestComposeStable(t *testing.T) {
	orig := fixture(t, "compose/simple.eml")
	a, _ := Compose(orig, demo)
	b, _ := Compose(orig, demo)
	if string(a) != string(b) {
		t.Error("the same inputs give different drafts")
	}
	o := demo
	o.Ref = "work/1700000000/43"
	c, _ := Compose(orig, o)
	if mailmsg.Parse(c).MessageID == mailmsg.Parse(a).MessageID {
		t.Error("another Ref gives the same Message-ID")
	}
}

func TestComposeErrors(t *testing.T) {
	orig := fixture(t, "compose/simple.eml")
	for name, mod := range map[string]func(*ComposeOptions){
		"no ref":      func(o *ComposeOptions) { o.Ref = "" },
		"ref space":   func(o *ComposeOptions) { o.Ref = "work/1 2" },
		"ref newline": func(o *ComposeOptions) { o.Ref = "work/1\r\nX: y" },
		"no from":     func(o *ComposeOptions) { o.From = mailmsg.Address{} },
		"bad from":    func(o *ComposeOptions) { o.From.Addr = "not an address" },
	} {
		o := demo
		mod(&o)
		if _, err := Compose(orig, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Mail from and to the user alone leaves nobody to reply to.
	self := mailmsg.Parse([]byte("From: demo@example.org\r\nTo: d.user@example.org\r\nSubject: note\r\n\r\nx\r\n"))
	if _, err := Compose(self, demo); !errors.Is(err, ErrNoRecipient) {
		t.Errorf("err = %v, want ErrNoRecipient", err)
	}
	// The user's own sent message: the reply goes to its recipients.
	sent := mailmsg.Parse([]byte("From: demo@example.org\r\nTo: Alex <alex@partner.example>\r\nSubject: Q\r\n\r\nx\r\n"))
	raw, err := Compose(sent, demo)
	if err != nil || addrs(mailmsg.Parse(raw).To)[0] != "alex@partner.example" {
		t.Errorf("reply to own message: %v", err)
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Lunch":                     "Re: Lunch",
		"Re: Lunch":                 "Re: Lunch",
		"RE: Lunch":                 "Re: Lunch",
		"re:Lunch":                  "Re: Lunch",
		"Re[2]: Lunch":              "Re: Lunch",
		"Re(3): Lunch":              "Re: Lunch",
		"Re: RE: Re[2]: Lunch":      "Re: Lunch",
		"AW: Termin":                "Re: Termin",
		"SV: Möte":                  "Re: Möte",
		"Aw: Re: Termin":            "Re: Termin",
		"Fwd: Lunch":                "Re: Fwd: Lunch",
		"Reminder: Lunch":           "Re: Reminder: Lunch",
		"Report: Q3":                "Re: Report: Q3",
		"":                          "Re:",
		"Re:":                       "Re:",
		"Hello\r\nBcc: x@y.example": "Re: Hello Bcc: x@y.example",
		"RE：全角":                     "Re: 全角",
		"  Re:   spaced  out ":      "Re: spaced out",
	} {
		if got := ReplySubject(in); got != want {
			t.Errorf("ReplySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

// A reply-all to more than MaxRecipients addresses goes to the sender
// only; below the cap everyone stays.
func TestComposeRecipientCap(t *testing.T) {
	mail := func(n int, replyTo string) *mailmsg.Message {
		var cc []string
		for i := range n {
			cc = append(cc, fmt.Sprintf("r%d@example.net", i))
		}
		raw := "From: Sender <sender@example.net>\r\nTo: demo@example.org\r\nCc: " + strings.Join(cc, ", ") + "\r\n" +
			replyTo + "Subject: q\r\nMessage-ID: <cap@example.net>\r\n\r\nWhat do you think?\r\n"
		return mailmsg.Parse([]byte(raw))
	}
	tests := []struct {
		name       string
		m          *mailmsg.Message
		max        int
		senderOnly bool
		to         string
		recipients int
	}{
		{"below the cap", mail(5, ""), 0, false, "sender@example.net", 6},
		{"at the cap", mail(19, ""), 0, false, "sender@example.net", 20},
		{"above the cap", mail(20, ""), 0, true, "sender@example.net", 1},
		{"5,000 recipients", mail(5000, ""), 0, true, "sender@example.net", 1},
		{"a lower cap", mail(5, ""), 3, true, "sender@example.net", 1},
		{"no cap", mail(30, ""), -1, false, "sender@example.net", 31},
		{"reply-to honoured", mail(30, "Reply-To: list@example.net\r\n"), 0, true, "list@example.net", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := demo
			o.ReplyAll, o.MaxRecipients = true, tt.max
			d, err := ComposeDraft(tt.m, o)
			if err != nil {
				t.Fatal(err)
			}
			back := mailmsg.Parse(d.Raw)
			if d.SenderOnly != tt.senderOnly || d.Recipients != tt.recipients || len(back.To)+len(back.Cc) != tt.recipients ||
				back.To[0].Addr != tt.to {
				t.Errorf("SenderOnly %v, Recipients %d, To %v, %d Cc", d.SenderOnly, d.Recipients, back.To, len(back.Cc))
			}
			if tt.senderOnly && (len(back.Cc) != 0 || back.Header.Has("Bcc")) {
				t.Errorf("a sender-only draft has Cc %v", back.Cc)
			}
		})
	}
}
