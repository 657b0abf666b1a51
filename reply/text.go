package reply

import (
	"strings"
	"unicode/utf8"
)

// newTextMax bounds the new text the trigger and the built-in generator
// read: a question worth answering is near the top.
const newTextMax = 8 << 10

// splitQuoted splits a message's body text into the sender's new text and
// the quoted history. The new text is every line before the first
// attribution ("On … wrote:"), Outlook separator ("-----Original
// Message-----", "From: … / Sent: …", a line of underscores) or signature
// delimiter ("-- "), minus lines quoted with '>'; lines after a signature
// delimiter are dropped. The history is the quoted lines and everything
// after the attribution. The new text is capped at newTextMax bytes.
func splitQuoted(text string) (fresh, quoted string) {
	return split(text, true)
}

// newText returns the new text of splitQuoted alone, reading no further
// than needed.
func newText(text string) string {
	fresh, _ := split(text, false)
	return fresh
}

func split(text string, wantHistory bool) (fresh, quoted string) {
	var nb, qb strings.Builder
	rest := text
	inHistory, signature := false, false
	for rest != "" {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		line = strings.TrimRight(line, "\r")
		if !wantHistory && (inHistory || signature || nb.Len() >= newTextMax) {
			break
		}
		if inHistory {
			qb.WriteString(line)
			qb.WriteByte('\n')
			continue
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, ">"):
			if wantHistory {
				qb.WriteString(line)
				qb.WriteByte('\n')
			}
			continue
		case line == "-- " || line == "--":
			signature = true
			continue
		case isAttribution(trimmed, rest):
			dropAttributionStart(&nb)
			inHistory = true
			if wantHistory {
				qb.WriteString(line)
				qb.WriteByte('\n')
			}
			continue
		}
		if !signature && nb.Len() < newTextMax {
			if room := newTextMax - nb.Len(); len(line) > room {
				line = truncateBytes(line, room)
			}
			nb.WriteString(line)
			nb.WriteByte('\n')
		}
	}
	return strings.TrimSpace(nb.String()), strings.TrimSpace(qb.String())
}

// attributionEnds are how quoting clients end the line that introduces
// the quoted message, in the languages guessLang knows.
var attributionEnds = []string{
	"wrote:", "writes:", "schrieb:", "a écrit :", "a écrit:", "escribió:", "scrisse:",
	"ha scritto:", "schreef:", "escreveu:", "skrev:", "napisał:", "kirjoitti:",
}

// isAttribution reports whether line (trimmed) begins the quoted history.
// rest is the text after it.
func isAttribution(line, rest string) bool {
	if line == "" || len(line) > 300 {
		return false
	}
	lower := strings.ToLower(line)
	for _, end := range attributionEnds {
		if strings.HasSuffix(lower, end) {
			return true
		}
	}
	switch {
	case strings.HasPrefix(lower, "-----original message-----"),
		strings.HasPrefix(lower, "----- original message -----"),
		strings.HasPrefix(lower, "-------- original message --------"),
		strings.HasPrefix(lower, "-----ursprüngliche nachricht-----"):
		return true
	case len(line) >= 20 && strings.Trim(line, "_") == "":
		// Outlook's separator, and the footer mailing lists append.
		return true
	case strings.HasPrefix(lower, "from:") || strings.HasPrefix(lower, "von:"):
		// Outlook's header block: "From: …" then "Sent: …" (or "Date:").
		next, _, _ := strings.Cut(strings.TrimLeft(rest, " \t\r\n"), "\n")
		next = strings.ToLower(next)
		return strings.HasPrefix(next, "sent:") || strings.HasPrefix(next, "date:") ||
			strings.HasPrefix(next, "gesendet:")
	}
	return false
}

// dropAttributionStart removes the last line of b when it starts an
// attribution wrapped over two lines ("On Tue, 3 Sep 2002, Alice" then
// "wrote:").
func dropAttributionStart(b *strings.Builder) {
	s := strings.TrimRight(b.String(), "\n")
	i := strings.LastIndexByte(s, '\n')
	last := s[i+1:]
	if strings.HasPrefix(last, "On ") || strings.HasPrefix(last, "Am ") || strings.HasPrefix(last, "Le ") {
		b.Reset()
		if i >= 0 {
			b.WriteString(s[:i+1])
		}
	}
}

// words counts the words of s (runs of letters or digits).
func words(s string) int {
	n := 0
	forEachWord(s, func([]byte) { n++ })
	return n
}

// truncateBytes cuts s to about max bytes at a word boundary and marks
// the cut with " […]". It returns s when it fits.
func truncateBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	cut := s[:max]
	if i := strings.LastIndexAny(cut, " \n\t"); i > max/2 {
		cut = cut[:i]
	}
	// Never split a UTF-8 sequence.
	for range utf8.UTFMax {
		if r, n := utf8.DecodeLastRuneInString(cut); r != utf8.RuneError || n != 1 {
			break
		}
		cut = cut[:len(cut)-1]
	}
	return strings.TrimRight(cut, " \n\t") + " […]"
}
