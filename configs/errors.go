package configs

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	Line int    // 1-based line in the file; 0 when unknown
	Path string // field path such as "accounts[0].imap.tls"; empty for the file as a whole
	Msg  string // what is wrong, never containing a secret
}

// Error lists every problem found in one config file. Parse and Load
// return it (as *Error) for syntax, type and validation problems alike.
type Error struct {
	File     string    // the name given to Parse, or the path given to Load
	Problems []Problem // sorted by line; on one line, in the order found
}

// Error prints one problem per line as "file:line: path: msg".
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		if p.Path != "" {
			b.WriteString(p.Path)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Warnings lists what is valid but unsafe in one config file (TLS not
// verified, secrets others can read, endpoints open to the network).
// Check returns it; String prints one "file:line: path: msg" per line.
type Warnings struct {
	File     string
	Problems []Problem
}

func (w *Warnings) String() string { return (&Error{File: w.File, Problems: w.Problems}).Error() }

// problems collects the Problems of one Parse call. Problems reported by
// the YAML decoder mark their path as broken, so that validation does not
// pile a second, misleading complaint about the same (undecoded) value.
type problems struct {
	tree     *tree
	list     []Problem
	warnings []Problem
	broken   []string // paths whose values did not decode
}

// Warning implements setting.WarningSink.
func (ps *problems) Warning(path, msg string) {
	ps.warnings = append(ps.warnings, Problem{Line: ps.tree.line(path), Path: path, Msg: msg})
}

// addAt records a problem at an explicit line.
func (ps *problems) addAt(line int, path, msg string) {
	ps.list = append(ps.list, Problem{Line: line, Path: path, Msg: msg})
}

// add records a validation problem at path, found in the node tree (or at
// its nearest parent when the key is absent). Problems under a broken
// path are dropped: the decoder already complained there.
func (ps *problems) add(path, format string, args ...any) {
	for _, b := range ps.broken {
		if under(path, b) {
			return
		}
	}
	ps.addAt(ps.tree.line(path), path, fmt.Sprintf(format, args...))
}

// Problem implements setting.Sink.
func (ps *problems) Problem(path, msg string) { ps.add(path, "%s", msg) }

// Written implements setting.Sink: whether the file has a key at path.
func (ps *problems) Written(path string) bool { return ps.tree.has(path) }

// markBroken notes that the value at path (and all below it) did not decode.
func (ps *problems) markBroken(path string) {
	ps.broken = append(ps.broken, path)
}

// err returns nil or an *Error holding the problems sorted by line
// (stable, so problems on one line keep the order they were found in).
func (ps *problems) err(file string) error {
	if len(ps.list) == 0 {
		return nil
	}
	sort.SliceStable(ps.list, func(i, j int) bool {
		return ps.list[i].Line < ps.list[j].Line
	})
	return &Error{File: file, Problems: ps.list}
}

// under reports whether path equals parent or lies below it.
func under(path, parent string) bool {
	if parent == "" || path == parent {
		return true
	}
	if !strings.HasPrefix(path, parent) {
		return false
	}
	next := path[len(parent)]
	return next == '.' || next == '['
}
