// Package golden compares test output with golden files, and rewrites the
// files when the tests run with -update.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Update is the -update flag: when set, Check writes got to the golden file
// instead of comparing. A test binary that imports this package must not
// define its own -update flag.
var Update = flag.Bool("update", false, "rewrite golden files")

// Check compares got with the file at path (relative to the package
// directory, where go test runs). With -update it writes got to path
// instead, creating missing directories. A mismatch, a missing file or a
// failed write is reported with t.Errorf, so one test can check several
// files; the message shows the first differing line and the command that
// accepts got.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Errorf("golden: %v", err)
			return
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Errorf("golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("golden: %v (to create it: %s)", err, acceptCommand(t.Name()))
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what the test produced (to accept: %s)\n%s",
			path, acceptCommand(t.Name()), diffLines(string(want), string(got)))
	}
}

// CheckString is Check for text.
func CheckString(t testing.TB, path, got string) {
	t.Helper()
	Check(t, path, []byte(got))
}

// diffLines shows the first line where got differs from want, quoted so
// that trailing spaces and carriage returns show, and the line counts. It
// returns "" when they are equal.
func diffLines(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	return fmt.Sprintf("line %d (want %d lines, got %d):\n  want %s\n   got %s",
		i+1, len(w), len(g), lineAt(w, i), lineAt(g, i))
}

func lineAt(lines []string, i int) string {
	if i >= len(lines) {
		return "(end of file)"
	}
	return fmt.Sprintf("%q", lines[i])
}

// acceptCommand returns the go test command that reruns just the test
// named name with -update, from the module root.
func acceptCommand(name string) string {
	return "go test " + packageArg() + " -run " + shellQuote(runPattern(name)) + " -update"
}

// runPattern returns the -run pattern that matches the test name (as
// t.Name gives it, subtests after slashes) and nothing else, so that
// -update rewrites no other test's files.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// packageArg returns the working directory, where go test runs a
// package's tests, as a path relative to the module root ("./escalate/"),
// or "." when no go.mod is found above it.
func packageArg() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "./"
			}
			return "./" + filepath.ToSlash(rel) + "/"
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
