package configs

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParse checks that Parse never panics, that every failure is an
// *Error with at least one problem, and that a config it accepts survives
// a round trip through yaml.Marshal unchanged.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("mailassist.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(example),
		"",
		"accounts:\n  - name: a\n    address: a@example.com\n    imap: {host: localhost, tls: none, password_file: /pw}\n",
		"log: [1]\nstream: {max_bytes: 10XB, inline_max: 1.5KiB}\nhttp: {listen: ''}\n",
		"a: &x [*x]\n",
		"base: &b {host: h}\naccounts: [{imap: {<<: *b, port: x}}]\n",
		"log:\n  level: info\n   format: text\n",
		"---\n---\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data)
		if err != nil {
			var cerr *Error
			if !errors.As(err, &cerr) || len(cerr.Problems) == 0 || cfg != nil {
				t.Fatalf("Parse = %v, %v; want a nil config and an *Error with problems", cfg, err)
			}
			return
		}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(%q))): %v\n%s", data, err, out)
		}
		if out2, _ := yaml.Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("round trip of %q changed the config:\n%s\n%s", data, out, out2)
		}
	})
}
