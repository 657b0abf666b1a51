package mailtext

import (
	"strings"
	"unicode/utf8"
)

// Marker is what Truncate puts where it cut: a space and a bracketed
// ellipsis, as quotations mark an omission. It is 6 bytes long.
const Marker = " […]"

// Truncate returns s when it is at most maxBytes long. Otherwise it cuts
// s to at most maxBytes bytes and appends Marker, so the result is at
// most maxBytes+len(Marker) bytes. The cut falls at the last white space
// in the second half of the allowed bytes (a word boundary) or, in text
// without one (CJK, a URL), at the last character boundary; it never
// splits a UTF-8 sequence. White space before the marker is dropped.
// When maxBytes <= 0 the result is "".
func Truncate(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	if maxBytes <= 0 {
		return ""
	}
	cut := strings.TrimRight(s[:cutPoint(s, maxBytes)], " \t\r\n")
	if cut == "" {
		return strings.TrimSpace(Marker)
	}
	return cut + Marker
}

// clipMark is what Clip puts where it cut.
const clipMark = "…"

// Clip returns s cut to at most maxBytes bytes in all, the mark "…"
// included, as one-line summaries need: the same cut as Truncate, with a
// shorter mark that counts against the bound. s is returned when it fits;
// "" when maxBytes <= 0. With room for no more than the mark, s is cut on
// a character boundary without one.
func Clip(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	if maxBytes <= 0 {
		return ""
	}
	room := maxBytes - len(clipMark)
	if room <= 0 {
		return s[:runeStart(s, maxBytes)]
	}
	cut := strings.TrimRight(s[:cutPoint(s, room)], " \t\r\n")
	return cut + clipMark
}

// OneLine collapses runs of white space, line breaks included, to single
// spaces and trims the ends: for a subject or a name in a summary line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cutPoint returns where to cut s (len(s) > n > 0) to keep at most n
// bytes: at a word boundary in the second half, else at a character
// boundary.
func cutPoint(s string, n int) int {
	cut := runeStart(s, n)
	if isSpaceByte(s[cut]) {
		return cut // s[:cut] already ends a word
	}
	if i := strings.LastIndexAny(s[:cut], " \t\r\n"); i > n/2 {
		return i
	}
	return cut
}

// runeStart returns the largest i <= n (n < len(s)) at which a UTF-8
// sequence starts. In invalid text, where no sequence starts within
// utf8.UTFMax bytes, it returns n: there is no sequence to protect.
func runeStart(s string, n int) int {
	for i := n; i > n-utf8.UTFMax; i-- {
		if i == 0 || utf8.RuneStart(s[i]) {
			return i
		}
	}
	return n
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
