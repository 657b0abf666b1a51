package setting

import "fmt"

// Problems is where a config section reports what is wrong with it. Paths
// are relative to the section ("action", "imap.tls", "watch[1]"); the
// config loader that made the Problems prefixes them and finds each one's
// line in the file. The zero value drops every problem.
type Problems struct {
	prefix string
	sink   Sink
}

// Sink receives the problems of every section, with full paths such as
// "accounts[0].imap.tls", and says which paths the file wrote.
type Sink interface {
	Problem(path, msg string)
	Written(path string) bool
}

// WarningSink is a Sink that also takes warnings: settings that are valid
// but unsafe (TLS not verified, a secret file others can read). A sink
// without it drops them.
type WarningSink interface {
	Warning(path, msg string)
}

// Warn reports a warning at field: valid, but unsafe. `config check` and
// the commands print warnings and go on; with --strict they refuse.
func (p Problems) Warn(field, format string, args ...any) {
	if ws, ok := p.sink.(WarningSink); ok {
		ws.Warning(p.Path(field), fmt.Sprintf(format, args...))
	}
}

// NewProblems returns Problems that report to sink under prefix ("" for
// the top of the file).
func NewProblems(sink Sink, prefix string) Problems {
	return Problems{prefix: prefix, sink: sink}
}

// Add reports a problem at field ("" for the section itself).
func (p Problems) Add(field, format string, args ...any) {
	if p.sink != nil {
		p.sink.Problem(p.Path(field), fmt.Sprintf(format, args...))
	}
}

// In returns the Problems of the sub-section at field.
func (p Problems) In(field string) Problems {
	return Problems{prefix: p.Path(field), sink: p.sink}
}

// Written reports whether the file itself sets field (rather than leaving
// it to its default).
func (p Problems) Written(field string) bool {
	return p.sink != nil && p.sink.Written(p.Path(field))
}

// Path is the full path of field.
func (p Problems) Path(field string) string {
	switch {
	case field == "":
		return p.prefix
	case p.prefix == "" || field[0] == '[':
		return p.prefix + field
	default:
		return p.prefix + "." + field
	}
}
