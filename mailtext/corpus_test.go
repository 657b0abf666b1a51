package mailtext

import (
	"bytes"
	"mailassist/internal/golden"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus returns the bodies of testdata/corpus/*.txt by file name.
func corpus(t testing.TB) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no corpus in testdata/corpus")
	}
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
	}
	return out
}

// render shows what the package makes of one body: the parts of Split
// and the asks of the new text.
func render(body string) []byte {
	p := Split(body)
	var b bytes.Buffer
	section := func(name, text string) {
		b.WriteString("== " + name + "\n")
		if text != "" {
			b.WriteString(text + "\n")
		}
	}
	section("new", p.New)
	section("quoted", p.Quoted)
	section("signature", p.Signature)
	b.WriteString("== asks\n")
	for _, a := range Asks(p.New, 0) {
		b.WriteString("- " + a + "\n")
	}
	return b.Bytes()
}

func TestCorpus(t *testing.T) {
	for path, body := range corpus(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			golden.Check(t, strings.TrimSuffix(path, ".txt")+".golden", render(body))
			if got, want := NewText(body), Split(body).New; got != want {
				t.Errorf("NewText %q differs from Split's %q", got, want)
			}
		})
	}
}
