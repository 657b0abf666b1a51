package escalate

import (
	"fmt"
	"mailassist/hardness"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Summary bounds.
const (
	maxSentenceLen  = 300 // bytes of one sentence quoted in a summary
	defaultMaxAsks  = 5
	leadSentences   = 2 // sentences quoted from the newest message when it asks nothing
	maxSummaryNames = 4 // participants named in the summary's first line
)

// askRE matches sentences that ask something of the reader: requests,
// and deadlines. Questions are found by their question mark.
var askRE = regexp.MustCompile(`(?i)\b(please|pls|kindly|could you|can you|would you|will you|would it be possible|` +
	`let me know|let us know|i need|we need|i'd like|i would like|we'd like|we would like|need you to|` +
	`make sure|remember to|don't forget|do not forget|waiting for your|awaiting your|` +
	`deadline|no later than|due (on|by)|by (the )?(end of|eod|cob|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|next week|\d))`)

// Extractive summarizes the thread for a human with its own sentences:
// a line naming the thread's size and people, then the sentences that
// carry asks (questions, requests, deadlines), newest message first, each
// attributed to its sender. When no message asks anything, the first
// sentences of the newest message stand in. At most maxAsks sentences are
// taken (default 5 when maxAsks <= 0), each cut to 300 bytes. asks are the
// same sentences without attribution.
func Extractive(t *hardness.Thread, maxAsks int) (summary string, asks []string) {
	if t == nil || len(t.Messages) == 0 {
		return "", nil
	}
	if maxAsks <= 0 {
		maxAsks = defaultMaxAsks
	}
	var lines []string
	for i := len(t.Messages) - 1; i >= 0 && len(asks) < maxAsks; i-- {
		m := t.Messages[i]
		for _, s := range sentences(m.Text) {
			if len(asks) == maxAsks {
				break
			}
			if isAsk(s) && !slices.Contains(asks, s) {
				asks = append(asks, s)
				lines = append(lines, senderName(m)+": "+s)
			}
		}
	}
	if len(lines) == 0 {
		newest := t.Newest()
		for i, s := range sentences(newest.Text) {
			if i == min(leadSentences, maxAsks) {
				break
			}
			lines = append(lines, senderName(newest)+": "+s)
		}
	}
	return strings.Join(append([]string{threadLine(t)}, lines...), "\n"), asks
}

// threadLine describes the thread: "Thread of 6 messages between Alice,
// Bob and 2 more; latest from Alice on 2024-03-05: <subject>".
func threadLine(t *hardness.Thread) string {
	var names []string
	for i := len(t.Messages) - 1; i >= 0; i-- {
		if n := senderName(t.Messages[i]); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	who := strings.Join(names[:min(len(names), maxSummaryNames)], ", ")
	if len(names) > maxSummaryNames {
		who += fmt.Sprintf(" and %d more", len(names)-maxSummaryNames)
	}
	newest := t.Newest()
	var b strings.Builder
	if n := t.Length(); n > 1 {
		fmt.Fprintf(&b, "Thread of %d messages between %s; latest from %s", n, who, senderName(newest))
	} else {
		fmt.Fprintf(&b, "Message from %s", senderName(newest))
	}
	if !newest.Date.IsZero() {
		b.WriteString(" on " + newest.Date.Format("2006-01-02"))
	}
	if newest.Subject != "" {
		b.WriteString(": " + clip(oneLine(newest.Subject), maxSentenceLen))
	}
	return b.String()
}

func senderName(m hardness.ThreadMessage) string {
	switch {
	case m.From.Name != "":
		return oneLine(m.From.Name)
	case m.From.Addr != "":
		return m.From.Addr
	}
	return "unknown sender"
}

func isAsk(s string) bool {
	return strings.HasSuffix(s, "?") || askRE.MatchString(s)
}

// sentences splits text into sentences: at '.', '!' or '?' followed by
// white space, and at blank lines and list items. Lines are joined with
// spaces within a paragraph. Fragments without a letter are dropped.
func sentences(text string) []string {
	var out []string
	for _, para := range paragraphs(text) {
		rest := para
		for rest != "" {
			end := sentenceEnd(rest)
			s := strings.TrimSpace(rest[:end])
			rest = rest[end:]
			if hasLetter(s) {
				out = append(out, clip(s, maxSentenceLen))
			}
		}
	}
	return out
}

// paragraphs splits text at blank lines and before list items ("- ",
// "* ", "1. "), joining the lines of each with single spaces.
func paragraphs(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
			flush()
			continue
		case listItemRE.MatchString(t):
			flush()
			t = listItemRE.ReplaceAllString(t, "")
		}
		cur = append(cur, strings.Join(strings.Fields(t), " "))
	}
	flush()
	return out
}

var listItemRE = regexp.MustCompile(`^([-*•]|\d{1,2}[.)])\s+`)

// sentenceEnd returns the end of the first sentence in s: after the run
// of '.', '!' or '?' that is followed by a space and not part of a
// common abbreviation, or len(s).
func sentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i
		for j < len(s) && strings.IndexByte(".!?)\"'", s[j]) >= 0 {
			j++
		}
		if j < len(s) && s[j] != ' ' {
			i = j - 1
			continue
		}
		if s[i] == '.' && isAbbreviation(s[:i]) {
			i = j - 1
			continue
		}
		return j
	}
	return len(s)
}

// isAbbreviation reports whether s ends with a word that is usually
// followed by a period inside a sentence.
func isAbbreviation(s string) bool {
	w := s[strings.LastIndexByte(s, ' ')+1:]
	switch strings.ToLower(w) {
	case "e.g", "i.e", "a.m", "p.m", "etc", "mr", "mrs", "ms", "dr", "vs", "no", "approx", "inc", "ltd", "jr", "sr", "st", "p.s":
		return true
	}
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && unicode.IsUpper(r) // an initial
}

func hasLetter(s string) bool {
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r > 0x7f {
			return true
		}
	}
	return false
}

// clip cuts s to at most n bytes on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// oneLine collapses white space, including line breaks, to single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
