package reply

import (
	"strings"
)

// questionStats describe the questions of a text.
type questionStats struct {
	n         int  // sentences ending in '?'
	yesNo     bool // one is a yes/no question
	open      bool // one is a wh-question
	timeAsked bool // a yes/no question proposes a time
	// when is the time that question proposes, as written ("Thursday at
	// 3pm"), when findTime finds it.
	when string
	// options are the options of the first alternative question
	// ("Tuesday or Wednesday?"), as written.
	options []string
}

// questions finds the questions in text (the new text; lo is it lower
// case). A '?' counts when it ends a word: not inside a URL's query
// string.
func (p *pack) questions(text, lo string) questionStats {
	var q questionStats
	sameLen := len(text) == len(lo) // lower-casing kept the offsets
	for i := 0; i < len(lo); i++ {
		if lo[i] != '?' || (i+1 < len(lo) && !endsQuestion(lo[i+1])) {
			continue
		}
		q.n++
		if q.n > maxQuestionsRead {
			continue // counted; the first ones decided the kinds
		}
		start := sentenceStart(lo, i)
		if g := p.greeting(lo[start:i]); g != "" {
			// "Guten Morgen, hast du morgen Zeit?": the greeting names no time.
			if k := strings.IndexAny(lo[start:i], ",\n"); k >= 0 {
				start += k + 1
			}
		}
		sentence, orig := lo[start:i], lo[start:i]
		if sameLen {
			orig = text[start:i]
		}
		kind := p.questionKind(sentence)
		if q.options == nil && p.hasOr(sentence) {
			if opts := p.options(orig); len(opts) >= 2 {
				if q.options == nil {
					q.options = opts
				}
				continue
			}
			if kind == 0 {
				kind = 'o' // "Pizza, or something else?" asks to choose
			}
		}
		switch kind {
		case 'y':
			q.yesNo = true
			if p.namesTime(sentence) && (hasAnyPhrase(sentence, p.schedule) || hasAnyPhrase(sentence, p.move)) {
				q.timeAsked = true
				if q.when == "" {
					q.when = p.findTime(orig)
				}
			}
		case 'o':
			q.open = true
		}
	}
	q.n += strings.Count(lo, "\uff1f") // the full-width question mark of CJK text
	return q
}

// sentenceStart returns where the sentence ending at i begins: after a
// '.', '!', '?', ';' or ':' followed by white space, or after a blank
// line. A single line break is wrapping, not the end of a sentence.
func sentenceStart(lo string, i int) int {
	for j := i - 1; j >= 0; j-- {
		switch lo[j] {
		case '.', '!', '?', ';', ':':
			if j+1 < i && isSpace(lo[j+1]) {
				return j + 1
			}
		case '\n':
			k := j - 1
			for k >= 0 && (lo[k] == ' ' || lo[k] == '\t' || lo[k] == '\r') {
				k--
			}
			if k < 0 || lo[k] == '\n' {
				return j + 1
			}
		}
	}
	return 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func endsQuestion(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\'' || c == ')' ||
		c == '?' || c == '!' || c == '*' || c == '_'
}

// questionKind classifies a question sentence (lower case): 'y' yes/no,
// 'o' open, 0 unknown. The first word after a greeting and fillers
// decides: a yes/no opener ("could", "kannst") or a question word
// ("when", "wann"); a question word as the second word counts too ("¿En
// qué sala…?", "Und wann…?"). In a verb-first language a question with
// neither is a yes/no question ("Tu viens ?", "Passt es dir?").
func (p *pack) questionKind(s string) byte {
	// Skip a greeting up to its comma ("hi carol, could you…").
	if g := p.greeting(s); g != "" {
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[i+1:]
		}
	}
	var kind byte
	n := 0
	forEachWord(s, func(w []byte) {
		if n == 2 || kind != 0 {
			return
		}
		if n == 0 && p.fillers[string(w)] {
			return
		}
		n++
		switch {
		case p.whWords[string(w)]:
			kind = 'o'
		case n == 1 && p.openers[string(w)]:
			kind = 'y'
		}
	})
	if kind == 0 && n > 0 && p.verbFirst {
		kind = 'y'
	}
	return kind
}

// hasOr reports whether the sentence joins two things with an "or" of the
// language.
func (p *pack) hasOr(lo string) bool {
	found := false
	forEachWord(lo, func(w []byte) { found = found || p.or[string(w)] })
	return found
}

// greeting returns the first line of lo when it is a salutation ("hi
// carol,"), else "".
func (p *pack) greeting(lo string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(lo, " \t\r\n"), "\n")
	line = strings.TrimSpace(line)
	for _, g := range p.greetings {
		if strings.HasPrefix(line, g) && (len(line) == len(g) || !isLetter(line[len(g)])) {
			if len(line) > 60 {
				line = line[:60]
			}
			return line
		}
	}
	return ""
}

// namesTime reports whether lo names a day or a time of day.
func (p *pack) namesTime(lo string) bool {
	return hasAnyPhrase(lo, p.days) || hasClockTime(lo) ||
		strings.ContainsAny(lo, "0123456789") && p.findTime(lo) != "" // "15 Uhr", "15h"
}

// maxQuestionsRead is how many questions of a text questions reads for
// their kind; the rest are only counted.
const maxQuestionsRead = 8
