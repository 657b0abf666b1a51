package mailmsg

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"
)

// diffShared parses raw with opts, with and without ShareRaw, and
// describes how the messages differ ("" when they do not).
func diffShared(raw []byte, opts Options) string {
	copied := ParseWith(raw, opts)
	opts.ShareRaw = true
	shared := ParseWith(raw, opts)
	for _, f := range copied.Header.Fields() {
		if a, b := copied.Header.Decode(f), shared.Header.Decode(f); a != b {
			return fmt.Sprintf("%s: %q copied, %q shared", f.Name, a, b)
		}
	}
	shared.Header.share = false
	if !reflect.DeepEqual(copied, shared) {
		return fmt.Sprintf("with ShareRaw:\n%#v\nwithout:\n%#v", shared, copied)
	}
	return ""
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: message/rfc822\n\n--x--"))
	f.Add([]byte("Subject: =?x-unknown?q?abc?= =?utf-8?b?!!?=\n\n<html><a href=\"javascript:x\">"))
	f.Add([]byte("From: =?utf-8?q?=FF?= <a@b.c>\r\nTo: =?utf8?q?=FF?= <x@example.com>\r\nSubject: =?utf-8?q?a=E2=82?=\r\n\r\n"))
	f.Add([]byte("From: Ann\v<a@b.c>\r\nCc: \xff\xfe <c@d.e>\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := ParseWith(raw, Options{MaxText: 4096})
		if len(m.Text) > 4096 {
			t.Fatalf("Text has %d bytes, over the cap", len(m.Text))
		}
		if len(m.Parts) == 0 {
			t.Fatal("no parts: the message itself is always a part")
		}
		// Whatever the bytes of raw, decoded text is UTF-8.
		for _, list := range [][]Address{m.From, m.ReplyTo, m.To, m.Cc} {
			for _, a := range list {
				if !utf8.ValidString(a.Name) {
					t.Errorf("address name %q not UTF-8", a.Name)
				}
			}
		}
		if !utf8.ValidString(m.Subject) {
			t.Errorf("Subject %q not UTF-8", m.Subject)
		}
		for _, f := range m.Header.Fields() {
			if v := m.Header.Decode(f); !utf8.ValidString(v) {
				t.Errorf("%s: decoded value %q not UTF-8", f.Name, v)
			}
		}
		for _, u := range m.URLs {
			_ = URLHost(u)
		}
		// Sharing raw's memory changes no value.
		if diff := diffShared(raw, Options{MaxText: 4096}); diff != "" {
			t.Error(diff)
		}
	})
}
