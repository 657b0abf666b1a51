package mailtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsControl reports whether r is a control character or an invisible
// format character that can reorder or hide text (bidi overrides,
// zero-width characters, line and paragraph separators), or the
// replacement character of an invalid byte.
func IsControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError
}

// StripControl removes what IsControl matches. With keepLines it keeps
// '\n' and '\t' and turns "\r\n" into "\n"; without, line breaks and
// tabs become spaces.
func StripControl(s string, keepLines bool) string {
	clean := true
	for _, r := range s {
		if IsControl(r) && !(keepLines && (r == '\n' || r == '\t')) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			return r
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case IsControl(r):
			return -1
		}
		return r
	}, s)
}

// CleanLine makes untrusted text one line of at most maxBytes: control
// characters dropped, runs of white space (line breaks too) one space,
// cut by Truncate.
func CleanLine(s string, maxBytes int) string {
	s = strings.Join(strings.Fields(StripControl(s, false)), " ")
	if len(s) > maxBytes {
		s = Truncate(s, maxBytes)
	}
	return s
}
