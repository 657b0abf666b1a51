package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records what Check reports. Check calls
// only Helper, Name and Errorf; the embedded nil TB panics on anything else.
type recorder struct {
	testing.TB
	name   string
	errors []string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestDiffLines(t *testing.T) {
	for _, tc := range []struct {
		name, want, got, diff string
	}{
		{"equal", "a\nb\n", "a\nb\n", ""},
		{"changed line", "a\nb\nc\n", "a\nB\nc\n", "line 2 (want 4 lines, got 4):\n  want \"b\"\n   got \"B\""},
		{"trailing space", "a\n", "a \n", "line 1 (want 2 lines, got 2):\n  want \"a\"\n   got \"a \""},
		{"carriage return", "a\nb", "a\r\nb", "line 1 (want 2 lines, got 2):\n  want \"a\"\n   got \"a\\r\""},
		{"extra line", "a\n", "a\nb\n", "line 2 (want 2 lines, got 3):\n  want \"\"\n   got \"b\""},
		{"missing final newline", "a\n", "a", "line 2 (want 2 lines, got 1):\n  want \"\"\n   got (end of file)"},
		{"empty want", "", "a", "line 1 (want 1 lines, got 1):\n  want \"\"\n   got \"a\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := diffLines(tc.want, tc.got); got != tc.diff {
				t.Errorf("diffLines(%q, %q) =\n%s\nwant\n%s", tc.want, tc.got, got, tc.diff)
			}
		})
	}
}

func TestCheckMatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{name: "TestPrompt"}
	Check(r, path, []byte("hello\n"))
	CheckString(r, path, "hello\n")
	if len(r.errors) != 0 {
		t.Errorf("matching output reported: %q", r.errors)
	}
}

func TestCheckMismatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("hello\nworld\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{name: "TestPrompt/untrusted"}
	CheckString(r, path, "hello\nthere\n")
	if len(r.errors) != 1 {
		t.Fatalf("got %d errors, want 1: %q", len(r.errors), r.errors)
	}
	want := path + " differs from what the test produced " +
		"(to accept: go test ./internal/golden/ -run '^TestPrompt$/^untrusted$' -update)\n" +
		"line 2 (want 3 lines, got 3):\n  want \"world\"\n   got \"there\""
	if r.errors[0] != want {
		t.Errorf("error is\n%s\nwant\n%s", r.errors[0], want)
	}
}

func TestCheckMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.golden")
	r := &recorder{name: "TestPrompt"}
	CheckString(r, path, "hello\n")
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "to create it: go test ./internal/golden/ -run '^TestPrompt$' -update") {
		t.Errorf("missing golden file reported as %q", r.errors)
	}
}

func TestCheckUpdate(t *testing.T) {
	old := *Update
	*Update = true
	t.Cleanup(func() { *Update = old })

	path := filepath.Join(t.TempDir(), "new", "dir", "out.golden")
	r := &recorder{name: "TestPrompt"}
	CheckString(r, path, "hello\n")
	if len(r.errors) != 0 {
		t.Fatalf("update reported: %q", r.errors)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "hello\n" {
		t.Errorf("after update the file holds %q, %v; want %q", b, err, "hello\n")
	}
}

func TestRunPattern(t *testing.T) {
	for name, want := range map[string]string{
		"TestPrompt":              "'^TestPrompt$'",
		"TestCompose/plain":       "'^TestCompose$/^plain$'",
		"TestCompose/it's_a.b(1)": `'^TestCompose$/^it'\''s_a\.b\(1\)$'`,
		"TestScore/#00":           "'^TestScore$/^#00$'",
	} {
		if got := shellQuote(runPattern(name)); got != want {
			t.Errorf("pattern for %q = %s, want %s", name, got, want)
		}
	}
}
