package mailmsg

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func parseFixture(t *testing.T, name string) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Parse(raw)
}

func hasProblem(m *Message, p string) bool { return slices.Contains(m.Problems, p) }

func TestParseAlternative(t *testing.T) {
	m := parseFixture(t, "alternative-crlf.eml")
	if m.Subject != "Re: Lunch on Friday?" {
		t.Errorf("Subject = %q", m.Subject)
	}
	want := []Address{{"Alice Example", "alice@example.com"}}
	if !slices.Equal(m.From, want) {
		t.Errorf("From = %v", m.From)
	}
	if len(m.To) != 2 || m.To[1].Addr != "carol@example.net" || m.To[0].Name != "Bob" {
		t.Errorf("To = %v", m.To)
	}
	if len(m.Cc) != 1 || m.Cc[0].Name != "Davï" {
		t.Errorf("Cc = %v", m.Cc)
	}
	if len(m.ReplyTo) != 1 || m.ReplyTo[0].Domain() != "example.com" {
		t.Errorf("ReplyTo = %v", m.ReplyTo)
	}
	if m.MessageID != "abc.123@example.com" {
		t.Errorf("MessageID = %q", m.MessageID)
	}
	if !slices.Equal(m.InReplyTo, []string{"prev.1@example.org"}) ||
		!slices.Equal(m.References, []string{"root.0@example.org", "prev.1@example.org"}) {
		t.Errorf("InReplyTo = %v, References = %v", m.InReplyTo, m.References)
	}
	if want := time.Date(2002, 9, 3, 8, 0, 0, 0, time.UTC); !m.Date.Equal(want) {
		t.Errorf("Date = %v", m.Date)
	}
	// The plain part is the text; the HTML part is noted but not used.
	if !strings.Contains(m.Text, "The café at noon?") || strings.Contains(m.Text, "Hello") {
		t.Errorf("Text = %q", m.Text)
	}
	if !m.HTML || !strings.HasPrefix(m.HTMLText, "Hello\u00a0Ann & Bob,") {
		t.Errorf("HTML = %v, HTMLText = %q", m.HTML, m.HTMLText)
	}
	for _, u := range []string{"http://cafe.example.com/menu.html", "https://Example.org/path?q=1", "http://img.example.net/p.gif"} {
		if !slices.Contains(m.URLs, u) {
			t.Errorf("URLs %v lack %s", m.URLs, u)
		}
	}
	types := []string{}
	for _, p := range m.Parts {
		types = append(types, p.ContentType)
	}
	if !slices.Equal(types, []string{"multipart/alternative", "text/plain", "text/html"}) {
		t.Errorf("Parts = %v", m.Parts)
	}
	if m.Parts[2].Encoding != "base64" || m.Parts[1].Charset != "utf-8" {
		t.Errorf("Parts = %+v", m.Parts)
	}
	if got := m.Header.Get("x-mailer"); got != "Example Mail 1.0" {
		t.Errorf("Get(x-mailer) = %q", got)
	}
	if got := m.Header.Values("Received"); len(got) != 1 || !strings.Contains(got[0], "(Postfix) with ESMTP") || strings.ContainsAny(got[0], "\r\n") {
		t.Errorf("Values(Received) = %q", got)
	}
	if raw := m.Header.Raw("Subject"); raw != "Re: Lunch\r\n on Friday?" {
		t.Errorf("Raw(Subject) = %q", raw)
	}
	if len(m.Problems) != 0 {
		t.Errorf("Problems = %v", m.Problems)
	}
}

func TestParseCharsets(t *testing.T) {
	for _, tc := range []struct {
		file, subject, from, text string
	}{
		{"latin1.eml", "Grüße aus München", "André Müller", "Schöne Grüße aus München!"},
		{"cp1252.eml", "Special offer € 100 – “free”", "", "Only € 100 — “don’t miss it”."},
		{"koi8r.eml", "Привет, как дела?", "Иван", "Здравствуйте! Это письмо в кодировке KOI8-R."},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := parseFixture(t, tc.file)
			if m.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.subject)
			}
			if tc.from != "" && (len(m.From) != 1 || m.From[0].Name != tc.from) {
				t.Errorf("From = %v, want name %q", m.From, tc.from)
			}
			if m.Text != tc.text {
				t.Errorf("Text = %q, want %q", m.Text, tc.text)
			}
			if len(m.Problems) != 0 {
				t.Errorf("Problems = %v", m.Problems)
			}
		})
	}
}

func TestParseBrokenBoundary(t *testing.T) {
	m := parseFixture(t, "broken-boundary.eml")
	if m.Text != "The text of a message whose boundary parameter is wrong." {
		t.Errorf("Text = %q", m.Text)
	}
	if !hasProblem(m, "multipart boundary not found") {
		t.Errorf("Problems = %v", m.Problems)
	}
	if len(m.Parts) != 3 || m.Parts[2].ContentType != "application/octet-stream" || m.Parts[2].Filename != "data.bin" || m.Parts[2].Size != 10 {
		t.Errorf("Parts = %+v", m.Parts)
	}
}

func TestParseHTMLOnly(t *testing.T) {
	m := parseFixture(t, "html-only.eml")
	want := "Hello\u00a0Ann & Bob,\nSee our page.\nBuy Viagra now"
	if m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
	if !m.HTML || len(m.URLs) != 2 || m.HTMLText != "" {
		t.Errorf("HTML = %v, URLs = %v", m.HTML, m.URLs)
	}
	if len(m.To) != 0 {
		t.Errorf("To = %v", m.To)
	}
}

func TestParseAttachment(t *testing.T) {
	m := parseFixture(t, "attachment.eml")
	if !strings.HasPrefix(m.Text, "Report attached") || !strings.Contains(m.Text, "Forwarded body text.") {
		t.Errorf("Text = %q", m.Text)
	}
	var pdf Part
	for _, p := range m.Parts {
		if p.ContentType == "application/pdf" {
			pdf = p
		}
	}
	if pdf.Filename != "réport.pdf" || pdf.Disposition != "attachment" || !pdf.IsAttachment() || pdf.Size < 10000 {
		t.Errorf("pdf part = %+v", pdf)
	}
	if !slices.Contains(m.URLs, "http://www.example.net/reports") {
		t.Errorf("URLs = %v", m.URLs)
	}
	if len(m.Parts) != 5 || m.Parts[3].ContentType != "message/rfc822" || m.Parts[4].Depth != 2 {
		t.Errorf("Parts = %+v", m.Parts)
	}
}

func TestParseGarbage(t *testing.T) {
	m := parseFixture(t, "garbage.eml")
	if m.Subject != "café à volonté" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0].Addr != "real@example.org" {
		t.Errorf("To = %v", m.To)
	}
	if len(m.From) != 0 && m.From[0].Addr == "" {
		t.Errorf("From = %v", m.From)
	}
	if !m.Date.IsZero() {
		t.Errorf("Date = %v", m.Date)
	}
	for _, p := range []string{"8-bit header", "NUL byte", "malformed header line", `unknown charset "x-klingon"`, "no date"} {
		if !hasProblem(m, p) {
			t.Errorf("Problems %q lack %q", m.Problems, p)
		}
	}
	// The line that is not a header starts the body; unknown-charset bytes are kept.
	if !strings.HasPrefix(m.Text, "this line is not a header") || !strings.Contains(m.Text, "\xf0\x9f") || strings.Contains(m.Text, "\x00") {
		t.Errorf("Text = %q", m.Text)
	}
	if got := m.Header.Get("X-Weird"); got != "nulbyte" {
		t.Errorf("Get(X-Weird) = %q", got)
	}
}

func TestParseEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name, raw, text string
		problem         string
	}{
		{"empty", "", "", "no header"},
		{"lower-case names", "content-type: text/html\ncontent-transfer-encoding: QUOTED-PRINTABLE\n\n<p>h=69</p>", "hi", ""},
		{"body only", "\nJust a body.\n", "Just a body.", "no header"},
		{"header only", "Subject: hi", "", "no body"},
		{"mbox envelope", "From alice@example.com Tue Sep  3 10:00:00 2002\nSubject: x\n\nbody", "body", ""},
		{"unclosed multipart", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\npart one\n--b\n\npart two", "part one\npart two", "multipart not closed"},
		{"no boundary", "Content-Type: multipart/mixed\n\nplain body", "plain body", "multipart without boundary"},
		{"bad qp", "Content-Transfer-Encoding: quoted-printable\n\n100%=ZZ off =3D deal=\n", "100%=ZZ off = deal", ""},
		{"bad base64", "Content-Transfer-Encoding: base64\n\naGVs*bG8g!d29y\nbGQ=garbage", "hello world", ""},
		{"unknown encoding", "Content-Transfer-Encoding: x-uuencode\n\nbegin", "begin", `unknown transfer encoding "x-uuencode"`},
		{"deep nesting", strings.Repeat("Content-Type: message/rfc822\n\n", 50) + "deep", "", "nesting too deep"},
		{"control character in From", "From: Ann\v<a@b.c>\n\nbody", "body", "malformed from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Parse([]byte(tc.raw))
			if m.Text != tc.text {
				t.Errorf("Text = %q, want %q", m.Text, tc.text)
			}
			if tc.problem != "" && !hasProblem(m, tc.problem) {
				t.Errorf("Problems = %q, want %q", m.Problems, tc.problem)
			}
		})
	}
}

func TestParseCapsText(t *testing.T) {
	raw := "Subject: big\n\n" + strings.Repeat("word ", 100000)
	m := ParseWith([]byte(raw), Options{MaxText: 1000})
	if len(m.Text) > 1000 || !hasProblem(m, "text truncated") {
		t.Errorf("len(Text) = %d, Problems = %v", len(m.Text), m.Problems)
	}
}

func TestParseHuge(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: big\nContent-Type: multipart/mixed; boundary=wrong\n")
	for i := 0; i < 3000; i++ {
		b.WriteString("X-Filler: header field\n")
	}
	b.WriteString("\n--right\nContent-Type: text/plain\n\nhello\n--right\n")
	b.WriteString("Content-Type: application/zip\nContent-Transfer-Encoding: base64\n\n")
	line := strings.Repeat("QUJD", 19) + "\n"
	for b.Len() < 8<<20 {
		b.WriteString(line)
	}
	b.WriteString("--right--\n")
	m := Parse([]byte(b.String()))
	if m.Text != "hello" || m.Header.Len() != maxFields || !hasProblem(m, "too many header fields") {
		t.Errorf("Text %.40q (%d bytes), %d fields, Problems %v", m.Text, len(m.Text), m.Header.Len(), m.Problems)
	}
	if len(m.Parts) != 3 || m.Parts[2].Size < 5<<20 {
		t.Errorf("Parts = %+v", m.Parts)
	}
}

// TestShareRaw: with Options.ShareRaw a message parses to the same values,
// and the text of a plain message and its plain header values are views
// of raw rather than copies.
func TestShareRaw(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diffShared(raw, Options{}); diff != "" {
			t.Errorf("%s: %s", name, diff)
		}
		if diff := diffShared(raw, Options{MaxText: 64}); diff != "" {
			t.Errorf("%s, text capped: %s", name, diff)
		}
	}
	raw := []byte("From: Ann <ann@example.com>\r\nSubject: plain\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n  Hello, World.\r\n")
	m := ParseWith(raw, Options{ShareRaw: true})
	within := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		start := uintptr(unsafe.Pointer(&raw[0]))
		return p >= start && p+uintptr(len(s)) <= start+uintptr(len(raw))
	}
	if m.Text != "Hello, World." || !within(m.Text) {
		t.Errorf("Text %q: want a view of raw", m.Text)
	}
	if m.Subject != "plain" || !within(m.Subject) || len(m.From) != 1 || !within(m.From[0].Addr) {
		t.Errorf("Subject %q, From %v: want views of raw", m.Subject, m.From)
	}
	if m := Parse(raw); within(m.Text) || within(m.Subject) {
		t.Error("without ShareRaw, Text or Subject is a view of raw")
	}
}
