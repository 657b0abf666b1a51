package mailmsg

// Differential fuzz targets: the hand-written fast paths must agree with
// the standard library wherever the standard library accepts the input.
// Where mailmsg differs on purpose (ParseDate follows RFC 5322 where
// time.Parse does not; display names are valid UTF-8 where the mime package
// copies a "utf-8" encoded word's bytes unchecked), the target corrects the
// standard library's answer by a precise rule next to it rather than
// skipping.

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	xunicode "golang.org/x/text/encoding/unicode"
)

func FuzzDiffAddressList(f *testing.F) {
	for _, s := range []string{
		"a@example.com",
		"Ann Lee <ann@example.com>, bob@example.org",
		"ann@example.com,bob@example.org",
		"<ann@example.com>",
		"Ann<ann@example.com>",
		`"Ann Lee" <ann@example.com>`,
		`"Doe, Jane" <jane@example.com>, bob@example.org`,
		`"Ann  Lee" <ann@example.com>`,
		`" Ann" <ann@example.com>`,
		`"" <ann@example.com>`,
		`"a\"b" <ab@example.com>`,
		"Ann  Lee <ann@example.com>",
		"Ann\tLee <ann@example.com>",
		"O'Brien <o.brien@example.ie>",
		"J. Doe <j.doe@example.com>",
		"Ann <ann@example.com>,",
		"Bad List <bad@example.com>, ,, x <y@example.net>",
		"a..b@example.com",
		".a@example.com",
		"a.@example.com",
		"a@example..com",
		"a@-example-.com",
		"a@[192.0.2.1]",
		"a+tag@sub.example.co.uk",
		"!#$%&'*+-/=?^_`{|}~@example.com",
		"undisclosed-recipients:;",
		"friends: ann@example.com, bob@example.org;",
		"ann@example.com (Ann Lee)",
		"Ann (the boss) <ann@example.com>",
		"=?utf-8?q?J=C3=BCrgen?= <j@example.de>",
		"=?UTF-8?B?SsO8cmdlbg==?= <j@example.de>",
		"=?iso-8859-1?q?J=FCrgen?= <j@example.de>",
		"=?us-ascii?q?Ann?= <ann@example.com>",
		"=?windows-1252?q?=80uro?= <e@example.com>",
		"=?koi8-r?b?8NLJ18XU?= <p@example.ru>",
		"x=?utf-8?q?y?= <x@example.com>",
		"Ann\r\n Lee <ann@example.com>",
		"Jürgen <j@example.de>",
		"j@exämple.de",
		"Ann <ann@example.com> <x@example.com>",
		"Ann <ann@example.com",
		"Ann <<ann@example.com>>",
		"Ann <ann@example.com>x",
		"Ann Lee <Ann.Lee@Example.COM>",
		"a@b",
		"a@b,",
		",a@b",
		// Only space and tab are white space; other spaces are text.
		"\f0@0",
		"0\n<0@0>",
		"Ann <ann@example.com>\r\n, bob@example.org",
		"Ann\v<a@b.c>",
		"Ann\u00a0<ann@example.com>",
		"\u00a0ann@example.com",
		"ann@example.com\u2003",
		// Names are valid UTF-8.
		"=?utf8?q?=FF?= <x@example.com>",
		"=?utf-8?q?=FF?= <x@example.com>",
		"=?ascii?q?a=E9?= <x@example.com>",
		"=?utf-8?q?caf=C3?= =?utf-8?q?=A9?= <x@example.com>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := ParseAddressList(v)

		// The fast path is a shortcut of the full parser: where it
		// answers, the full parser must give the same answer.
		if fast, fastOK := parseSimpleList(v); fastOK {
			full, err := addressParser.ParseList(v)
			if err != nil {
				t.Fatalf("parseSimpleList(%q) = %s, but net/mail rejects it: %v", v, formatAddrs(fast), err)
			}
			if diff := diffAddrs(fast, full); diff != "" {
				t.Fatalf("parseSimpleList(%q) disagrees with net/mail: %s", v, diff)
			}
		}

		oracle := "net/mail"
		want, err := mail.ParseAddressList(v)
		if err != nil {
			// net/mail decodes only UTF-8, US-ASCII and ISO-8859-1
			// encoded words; go-message's parser is net/mail's with the
			// charset tables mailmsg claims to share.
			oracle = "go-message/mail"
			if want, err = gomail.ParseAddressList(v); err != nil {
				return
			}
		}
		for _, a := range want {
			a.Name = replaceInvalidUTF8(a.Name)
		}
		if !ok {
			t.Fatalf("ParseAddressList(%q) fell back to scanning (%s), but %s parses it", v, formatAddrs(got), oracle)
		}
		if diff := diffAddrs(got, want); diff != "" {
			t.Fatalf("ParseAddressList(%q) disagrees with %s: %s", v, oracle, diff)
		}
	})
}

// replaceInvalidUTF8 corrects the standard library's display name: the mime package
// copies the bytes of a "utf-8" encoded word unchecked, mailmsg replaces
// ill-formed UTF-8 as x/text's decoder (and so go-message) does.
func replaceInvalidUTF8(s string) string {
	out, err := xunicode.UTF8.NewDecoder().String(s)
	if err != nil {
		panic(err) // the decoder replaces, never fails
	}
	return out
}

// diffAddrs compares mailmsg's addresses with net/mail's: Addr without
// regard to case, the decoded Name exactly. It returns "" when they agree.
func diffAddrs(got []Address, want []*mail.Address) string {
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = strings.EqualFold(got[i].Addr, want[i].Address) && got[i].Name == want[i].Name
	}
	if same {
		return ""
	}
	w := make([]Address, len(want))
	for i, a := range want {
		w[i] = Address{Name: a.Name, Addr: a.Address}
	}
	return "got " + formatAddrs(got) + ", want " + formatAddrs(w)
}

// formatAddrs shows addresses with every byte visible: [{"Name" "addr"} …].
func formatAddrs(as []Address) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range as {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("{" + strconv.Quote(a.Name) + " " + strconv.Quote(a.Addr) + "}")
	}
	b.WriteByte(']')
	return b.String()
}

func FuzzDiffDate(f *testing.F) {
	for _, s := range []string{
		"Tue, 3 Sep 2002 10:00:00 +0200",
		"Tue, 03 Sep 2002 10:00:00 +0200",
		"3 Sep 2002 10:00:00 +0200",
		"Tue,  3 Sep 2002 10:00 +0200",
		"Tue, 3 Sep 2002 10:00:00 +0200 (CEST)",
		"Tue, 3 Sep 2002 10:00:00 -0000",
		"Tue, 3 Sep 2002 10:00:00 +2400",
		"Tue, 3 Sep 2002 10:00:00 GMT",
		"Tue, 3 Sep 2002 10:00:00 UT",
		"Tue, 3 Sep 2002 10:00:00 UTC",
		"Tue, 3 Sep 2002 10:00:00 Z",
		"Tue, 3 Sep 2002 10:00:00 EST",
		"Tue, 3 Sep 2002 10:00:00 PDT (PDT)",
		"Tue, 3 Sep 2002 10:00:00 CEST",
		"Tue, 3 Sep 2002 10:00:00 GMT+3",
		"Tue, 3 Sep 02 10:00:00 +0200",
		"Tue, 3 Sep 49 10:00:00 +0200",
		"Tue, 3 Sep 50 10:00:00 +0200",
		"Tue, 3 Sep 68 10:00:00 +0200",
		"Tue, 3 Sep 69 10:00:00 +0200",
		"Tue, 3 Sep 99 10:00:00 +0200",
		"Tue, 3 Sep 102 10:00:00 +0200",
		"Tue, 3 sep 2002 10:00:00 +0200",
		"Tue, 3 SEP 2002 10:00:00 +0200",
		"Tue, 3 Sep 2002 23:59:60 +0000",
		"Tue, 31 Feb 2002 10:00:00 +0000",
		"Tue, 0 Sep 2002 10:00:00 +0000",
		"Tue, 3 Sep 2002 24:00:00 +0000",
		"Tue, 3 Sep 2002 1:2:3 +0000",
		"Tue, 3 Sep 2002\r\n 10:00:00 +0200",
		"Tue,\t3 Sep 2002 10:00:00 +0200",
		"Tue, 3 Sep 2002 10:00:00 +0200 (a (nested) comment)",
		"Tue, 3 Sep 2002 10:00:00 +0200 (unclosed",
		"Tue, 3 Sep 2002 10:00:00 +02000",
		"Foo, 3 Sep 2002 10:00:00 +0200",
		"Tue Sep 3 10:00:00 2002",
		"2002-09-03 10:00:00 +0200",
		"2002-09-03T10:00:00+02:00",
		"1 Sep 00 0:00 UT000 ",
		"yesterday",
		"",
		"1 Sep 00 0:00 CDT0000",
		"Fri, 1 Sep 2000\r\n 00:00:00 EDT",
		"1 Sep 55 00:00 +0000 x",
		"Tue, 3 Sep 2 10:00:00 +0200",
		"Tue, 3 Sep 2002 10:00:00 +0260",
		"Tue, 3 Sep 2002 10:00:00 +0060",
		"1 Sep 00 0:00 AAT00\n0", // net/mail keeps a bare LF, which its zone heuristic counts
	} {
		f.Add(s)
	}
	// net/mail reads zone names through time.Local (time.Parse does), which
	// ParseDate does not: pin it to UTC, where an unknown name is +0000, so
	// that the oracle is the same on every machine.
	saved := time.Local
	time.Local = time.UTC
	f.Cleanup(func() { time.Local = saved })
	f.Fuzz(func(t *testing.T, v string) {
		// ParseDate trims v first, and so does the comparison: net/mail's
		// zone heuristic depends on trailing white space ("1 Sep 00 0:00
		// UT000 " parses, "1 Sep 00 0:00 UT000" does not).
		v = strings.TrimSpace(v)
		want, err := mail.ParseDate(v)
		if err != nil {
			return
		}
		want = rfc5322Date(v, want)
		if fast, ok := parseDateFast(v); ok && !fast.Equal(want) {
			t.Fatalf("parseDateFast(%q) = %v, want %v", v, fast, want)
		}
		if got := ParseDate(v); !got.Equal(want) {
			t.Fatalf("ParseDate(%q) = %v, want %v", v, got, want)
		}
	})
}

// obsZones are the zone names of RFC 5322 4.3 with their offsets in hours.
var obsZones = map[string]int{"EDT": -4, "EST": -5, "CDT": -5, "CST": -6, "MDT": -6, "MST": -7, "PDT": -7, "PST": -8}

// rfc5322Date corrects net/mail's reading of v where ParseDate follows
// RFC 5322 4.3 on purpose and net/mail does not:
//   - obs-zone names (EST, PDT, …) have fixed offsets; time.Parse looks
//     the abbreviation up in time.Local and uses offset 0 when it is
//     unknown there.
//   - two-digit years 50–99 are 1950–1999; time.Parse pivots at 69, so it
//     reads 50–68 as 2050–2068.
func rfc5322Date(v string, t time.Time) time.Time {
	if name, _ := t.Zone(); obsZones[name] != 0 {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(),
			time.FixedZone(name, obsZones[name]*3600))
	}
	if y := t.Year(); y >= 2050 && y <= 2068 && twoDigitYear(v) {
		t = t.AddDate(-100, 0, 0)
	}
	return t
}

// twoDigitYear reports whether the year of the date v, which net/mail
// parsed, is written with two digits: the field after the month name.
func twoDigitYear(v string) bool {
	f := strings.Fields(strings.ReplaceAll(v, "\r\n", "")) // as net/mail unfolds
	for i := 0; i+1 < len(f); i++ {
		if _, ok := months[strings.ToLower(f[i])]; ok {
			return len(f[i+1]) == 2
		}
	}
	return false
}

func FuzzDiffBase64(f *testing.F) {
	for _, s := range []string{
		"",
		"QQ==",
		"QUI=",
		"QUJD",
		"SGVsbG8sIHdvcmxkIQ==",
		"SGVsbG8s\r\nIHdvcmxk\r\nIQ==\r\n",
		"SGVsbG8s\nIHdvcmxkIQ==\n",
		"  SGVs bG8s\tIHdv cmxk IQ==  ",
		"SGVsbG8sIHdvcmxkIQ",
		"SGVsbG8sIHdvcmxkIQ=",
		"QR==",
		"QUJ=",
		"QQ==QQ==",
		"QQ==\r\n--boundary--\r\n",
		"+/+/",
		"-_-_",
		"Q\x00Q==",
		"Q!Q@==",
		"=QQ==",
		"QUJDRA",
		"Q",
		"//79/A==",
		"0J/RgNC40LLQtdGCLCDQvNC40YAh\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		prefix := []byte("prefix")
		got := appendBase64(prefix[:len(prefix):len(prefix)], src)
		if !bytes.HasPrefix(got, prefix) {
			t.Fatalf("appendBase64(%q, %q) = %q: lost what was in dst", prefix, src, got)
		}
		got = got[len(prefix):]

		// Strict: a body that is valid base64 once white space is
		// removed decodes exactly as encoding/base64 decodes it.
		stripped := keepBytes(src, func(c byte) bool { return c != ' ' && c != '\t' && c != '\r' && c != '\n' })
		if want, err := base64.StdEncoding.DecodeString(string(stripped)); err == nil && !bytes.Equal(got, want) {
			t.Fatalf("appendBase64(%q) = %q, encoding/base64 says %q", src, got, want)
		}

		// Lenient: anything else decodes as the alphabet characters
		// before the first '=', with an incomplete last quantum's whole
		// bytes kept.
		alpha := keepBytes(src[:indexOrLen(src, '=')], func(c byte) bool { return b64index[c] != 0xff })
		if len(alpha)%4 == 1 {
			alpha = alpha[:len(alpha)-1] // six bits make no byte
		}
		want, err := base64.RawStdEncoding.DecodeString(string(alpha))
		if err != nil {
			t.Fatalf("model decode of %q: %v", alpha, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendBase64(%q) = %q, want %q (alphabet characters before '=')", src, got, want)
		}
	})
}

// keepBytes returns the bytes of b for which keep is true.
func keepBytes(b []byte, keep func(byte) bool) []byte {
	var out []byte
	for _, c := range b {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func indexOrLen(b []byte, c byte) int {
	if i := bytes.IndexByte(b, c); i >= 0 {
		return i
	}
	return len(b)
}

func FuzzDiffQuotedPrintable(f *testing.F) {
	for _, s := range []string{
		"",
		"plain text",
		"caf=C3=A9",
		"caf=c3=a9",
		"a=3Db",
		"soft=\r\nbreak",
		"soft=\nbreak",
		"soft=  \r\nbreak",
		"soft= \t\nbreak",
		"ends with =",
		"=",
		"a=4",
		"a=4\n",
		"a=ZZb",
		"a==3D",
		"=\r",
		"a=\rb",
		"line one\r\nline two\r\n",
		"line one\nline two\n",
		"tab\there",
		"\xe9t\xe9 raw 8-bit",
		"50=25 off=21=21=21",
		"=E2=82=AC",
		"a\rb",
		"<a href=3D\"http://example.com/?a=3Db\">x</a>=\r\n",
		"----=_Part_0_123.456\r\n",
		// RFC 2045 6.7(3): trailing white space is deleted.
		" ",
		"a \r\nb",
		"\r",
		"a=20 \r\n",
		"a \t=\r\nb",
		"= \r0", // a lone CR ends no line: the '=' is literal
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Every input is decoded, also those the standard library
		// rejects: appendQP must not panic, and decodes to no more bytes
		// than it was given.
		prefix := []byte("prefix")
		got := appendQP(prefix[:len(prefix):len(prefix)], src)
		if !bytes.HasPrefix(got, prefix) {
			t.Fatalf("appendQP(%q, %q) = %q: lost what was in dst", prefix, src, got)
		}
		if got = got[len(prefix):]; len(got) > len(src) {
			t.Fatalf("appendQP(%q) = %q: longer than its input", src, got)
		}
		want, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(src)))
		if err != nil {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("appendQP(%q) = %q, mime/quotedprintable says %q", src, got, want)
		}
	})
}
