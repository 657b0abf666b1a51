package configs

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestExampleShowsEveryKey checks that mailassist.yaml, the documentation
// of the file format, shows every key (in one of its accounts, and in
// the first item of other lists of mappings such as escalate.rules).
func TestExampleShowsEveryKey(t *testing.T) {
	data, err := os.ReadFile("mailassist.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	tr := newTree(&doc)
	var walk func(path, typ string)
	walk = func(path, typ string) {
		for _, f := range schema[typ] {
			p := join(path, f.key)
			if f.key == "accounts" || f.child != "" && tr.has(p+"[0]") { // a list of mappings: look in its first item
				p += "[0]"
			}
			if !tr.has(p) && !inAnyAccount(tr, p) {
				t.Errorf("mailassist.yaml does not show %s", p)
			}
			walk(p, f.child)
		}
	}
	walk("", "configs.Config")
	if len(schema["configs.Config"]) == 0 {
		t.Fatal("empty schema")
	}
}

// inAnyAccount reports whether the key at path, under accounts[0], is
// shown in another account.
func inAnyAccount(tr *tree, path string) bool {
	for i := 1; tr.has(fmt.Sprintf("accounts[%d]", i)); i++ {
		if tr.has(strings.Replace(path, "accounts[0]", fmt.Sprintf("accounts[%d]", i), 1)) {
			return true
		}
	}
	return false
}

func TestUnder(t *testing.T) {
	tests := []struct {
		path, parent string
		want         bool
	}{
		{"accounts[0].imap", "", true},
		{"accounts[0].imap", "accounts[0].imap", true},
		{"accounts[0].imap.tls", "accounts[0].imap", true},
		{"accounts[0].imap", "accounts[0]", true},
		{"accounts[10].imap", "accounts[1]", false},
		{"accounts[0].imaps", "accounts[0].imap", false},
		{"log", "accounts", false},
	}
	for _, tt := range tests {
		if got := under(tt.path, tt.parent); got != tt.want {
			t.Errorf("under(%q, %q) = %v, want %v", tt.path, tt.parent, got, tt.want)
		}
	}
}
