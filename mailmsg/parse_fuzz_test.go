package mailmsg

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

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
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := ParseWith(raw, Options{MaxText: 4096})
		if len(m.Text) > 4096 {
			t.Fatalf("Text has %d bytes, over the cap", len(m.Text))
		}
		if len(m.Parts) == 0 {
			t.Fatal("no parts: the message itself is always a part")
		}
		for _, a := range append(append([]Address{}, m.From...), m.To...) {
			if !utf8.ValidString(a.Name) && utf8.Valid(raw) {
				t.Errorf("address name %q not UTF-8", a.Name)
			}
		}
		_ = m.Header.Get("From")
		for _, u := range m.URLs {
			_ = URLHost(u)
		}
	})
}
