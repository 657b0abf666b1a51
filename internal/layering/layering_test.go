// Package layering holds the test that keeps the packages' imports
// running one way, as HACKING.md draws them.
package layering

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "mailassist/"

// allowed lists, for every package of the module, the module's packages it
// may import (besides the standard library and third-party modules).
// Stages (ingest, spam, reply, escalate, apply) never import each other;
// reply and escalate are siblings over hardness, draft and mailtext; only
// cmd and test helpers import configs; the bottom packages (setting,
// backoff, mailmsg, mailtext, lang) import nothing of the module.
var allowed = map[string][]string{
	"setting":  {},
	"backoff":  {},
	"mailmsg":  {},
	"mailtext": {},
	"lang":     {},
	"outage":   {},
	"oauth":    {"setting"},
	"imapx":    {"setting", "mailmsg", "oauth"},
	"account":  {"setting", "imapx", "oauth"},
	"llm":      {"setting", "backoff", "outage"},
	"ops":      {"setting"},
	"bus":      {"setting", "backoff", "account", "mailmsg", "ops", "outage"},
	"msgindex": {"bus"},
	"hardness": {"setting", "lang", "mailmsg", "mailtext"},
	"draft":    {"account", "bus", "mailmsg", "mailtext"},
	"ingest":   {"account", "backoff", "bus", "imapx", "mailmsg", "msgindex", "ops", "outage"},
	"apply":    {"account", "bus", "draft", "imapx", "mailmsg", "msgindex", "outage"},
	"spam":     {"account", "bus", "llm", "mailmsg", "mailtext", "setting"},
	"learn":    {"account", "backoff", "bus", "habits", "imapx", "msgindex", "spam"},
	"habits":   {"bus", "draft", "mailmsg", "mailtext"},
	"fate":     {"account", "bus", "draft", "imapx", "mailtext"},
	"reply":    {"account", "bus", "draft", "habits", "hardness", "lang", "llm", "mailmsg", "mailtext", "setting"},
	"escalate": {"account", "bus", "draft", "hardness", "imapx", "lang", "llm", "mailmsg", "mailtext", "msgindex", "setting"},
	"configs":  {"account", "bus", "escalate", "hardness", "imapx", "llm", "ops", "reply", "setting", "spam"},
}

// imapClients are the only packages that may talk IMAP as a client
// (go-imap's imapclient): through imapx, and imapx itself.
var imapClients = []string{"imapx", "ingest", "apply", "escalate", "learn", "fate"}

func TestImportsRunOneWay(t *testing.T) {
	root := filepath.Join("..", "..")
	for pkg, imports := range packageImports(t, root) {
		if strings.HasPrefix(pkg, "cmd/") || strings.HasPrefix(pkg, "internal/") || strings.HasPrefix(pkg, "scripts") {
			continue
		}
		allow, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the layering table: add it here and to HACKING.md", pkg)
			continue
		}
		for _, imp := range imports {
			if dep, ok := strings.CutPrefix(imp, module); ok && !slices.Contains(allow, dep) {
				t.Errorf("%s imports %s, which its layer forbids (see HACKING.md)", pkg, dep)
			}
			if strings.HasPrefix(imp, "github.com/emersion/go-imap/v2/imapclient") && !slices.Contains(imapClients, pkg) {
				t.Errorf("%s talks IMAP (imports imapclient); only %v may", pkg, imapClients)
			}
		}
	}
}

// packageImports returns, for every directory under root holding
// non-test Go files, the import paths of those files.
func packageImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, s := range f.Imports {
			p, _ := strconv.Unquote(s.Path.Value)
			if !slices.Contains(out[rel], p) {
				out[rel] = append(out[rel], p)
			}
		}
		if _, ok := out[rel]; !ok {
			out[rel] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d packages under %s", len(out), root)
	}
	return out
}
