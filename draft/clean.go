package draft

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TODO(restructure): these move to mailtext with the rest of the text layer.

// cleanLine makes s one line of at most max bytes: line breaks become
// spaces, control characters are dropped.
func cleanLine(s string, max int) string {
	s = strings.Join(strings.Fields(stripControl(s, false)), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// stripControl removes control and format characters (bidi overrides,
// zero-width characters); with keepLines it keeps '\n' and '\t' and turns
// "\r\n" into "\n".
func stripControl(s string, keepLines bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case keepLines && (r == '\n' || r == '\t'):
			return r
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case isControl(r):
			return -1
		}
		return r
	}, s)
}

// isControl reports whether r is a control character or an invisible
// format character that can reorder or hide text.
func isControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError
}
