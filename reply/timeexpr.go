package reply

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Times, dates and the options of an alternative question, found in one
// question sentence as written, so that a suggestion can echo them
// ("Thursday at 3pm works for me.").

// maxEcho bounds what a suggestion echoes of the mail, in bytes.
const maxEcho = 48

// token is one word of a sentence as written, its punctuation trimmed.
type token struct {
	text  string // as written
	lo    string // lower case
	comma bool   // a comma followed it
	kind  byte   // see classify
}

// Token kinds.
const (
	tOther  byte = iota
	tDay         // a weekday or a day word ("tomorrow", "nächste Woche")
	tClock       // a time of day ("3pm", "15:00", "15h", "15 Uhr")
	tDate        // "12.3.", "12/03", "3 March"
	tJoin        // a word inside a time expression ("at", "um", "à las")
	tUnit        // "pm", "Uhr", "uur" after an hour
	tNumber      // a bare number
)

// tokens splits a sentence into words as written.
func tokens(s string) []token {
	var out []token
	for _, f := range strings.Fields(s) {
		f = strings.TrimLeft(f, "¿¡(\"'«“")
		t := strings.TrimRight(f, ",;:!?)\"'»”")
		comma := strings.HasSuffix(strings.TrimRight(f, "!?)\"'»”"), ",")
		t = strings.TrimSuffix(t, ".") // "12." keeps its own dot below
		if t == "" {
			continue
		}
		out = append(out, token{text: t, lo: strings.ToLower(t), comma: comma})
	}
	return out
}

// classify sets the kind of every token for the pack's language.
func (p *pack) classify(ts []token) {
	for i := range ts {
		ts[i].kind = tOther
	}
	// Day phrases, longest first ("next week", "la semaine prochaine").
	for i := 0; i < len(ts); i++ {
		for _, ws := range p.dayIndex[ts[i].lo] {
			if i+len(ws) > len(ts) {
				continue
			}
			match := true
			for k, w := range ws {
				if ts[i+k].lo != w {
					match = false
					break
				}
			}
			if match {
				for k := range ws {
					ts[i+k].kind = tDay
				}
				i += len(ws) - 1
				break
			}
		}
	}
	for i := range ts {
		t := &ts[i]
		if t.kind != tOther {
			continue
		}
		switch {
		case isClock(t.lo, p.clockUnits):
			t.kind = tClock
		case isDate(t.lo):
			t.kind = tDate
		case isNumber(t.lo):
			t.kind = tNumber
		case p.clockUnits[strings.TrimSuffix(t.lo, ".")] || p.clockUnits[t.lo]:
			t.kind = tUnit
		case p.timeJoins[t.lo]:
			t.kind = tJoin
		case p.monthSet[t.lo]:
			t.kind = tDate
		}
	}
	// A number is an hour next to a unit or after a join ("15 Uhr", "at
	// 3", "alle 15"), a day next to a month ("3 March"); a unit is one
	// only after a number.
	for i := range ts {
		switch ts[i].kind {
		case tNumber:
			switch {
			case i+1 < len(ts) && ts[i+1].kind == tUnit, i > 0 && ts[i-1].kind == tJoin:
				ts[i].kind = tClock
			case i+1 < len(ts) && ts[i+1].kind == tDate && p.monthSet[ts[i+1].lo],
				i > 0 && ts[i-1].kind == tDate && p.monthSet[ts[i-1].lo]:
				ts[i].kind = tDate
			}
		case tUnit:
			if i == 0 || (ts[i-1].kind != tNumber && ts[i-1].kind != tClock) {
				ts[i].kind = tOther
			} else {
				ts[i-1].kind = tClock
			}
		}
	}
}

// inTime reports whether a token of kind k may be part of a time expression.
func inTime(k byte) bool { return k != tOther && k != tNumber }

// anchor reports whether a token of kind k makes a time expression.
func anchor(k byte) bool { return k == tDay || k == tClock || k == tDate }

// span returns the time expression ts[i:j] trimmed of joins at both ends,
// as written, or "" when it holds no day, time or date.
func span(ts []token) string {
	for len(ts) > 0 && !anchor(ts[0].kind) && ts[0].kind != tUnit {
		ts = ts[1:]
	}
	for len(ts) > 0 && !anchor(ts[len(ts)-1].kind) && ts[len(ts)-1].kind != tUnit {
		ts = ts[:len(ts)-1]
	}
	has := false
	words := make([]string, 0, len(ts))
	for _, t := range ts {
		has = has || anchor(t.kind)
		words = append(words, t.text)
	}
	s := strings.Join(words, " ")
	if !has || len(s) > maxEcho {
		return ""
	}
	return s
}

// findTime returns the first time expression of sentence, as written
// ("Thursday at 3pm", "Donnerstag um 15 Uhr", "jueves a las 15:00"), or "".
func (p *pack) findTime(sentence string) string {
	ts := tokens(sentence)
	p.classify(ts)
	for i := 0; i < len(ts); i++ {
		if !inTime(ts[i].kind) {
			continue
		}
		j := i
		for j < len(ts) && inTime(ts[j].kind) && (j == i || !ts[j-1].comma) {
			j++
		}
		if s := span(ts[i:j]); s != "" {
			return s
		}
		i = j
	}
	return ""
}

// maxOptions is how many options of an alternative question are echoed.
const maxOptions = 3

// maxOptionWords bounds an option that is not a time ("Zoom", "the blue
// one"), and maxPlainWords the question that offers such options.
const (
	maxOptionWords = 3
	maxPlainWords  = 7
)

// options returns the options of an alternative question, as written: the
// time expressions joined by the language's "or" ("Tuesday or
// Wednesday?", "Monday, Tuesday or Friday?"), or, in a question that is
// nothing but its options ("Zoom or Teams?"), the short phrases around
// the "or". It returns nil when the sentence asks no such choice.
func (p *pack) options(sentence string) []string {
	ts := tokens(sentence)
	if g := p.greeting(strings.ToLower(sentence)); g != "" {
		for k, t := range ts {
			if t.comma {
				ts = ts[k+1:]
				break
			}
		}
	}
	p.classify(ts)
	at := -1
	for k, t := range ts {
		if p.or[t.lo] {
			at = k
			break
		}
	}
	if at <= 0 || at == len(ts)-1 {
		return nil
	}
	// Time options: runs of time tokens on both sides of "or", the left
	// one split at commas.
	right := ts[at+1:]
	end := 0
	for end < len(right) && inTime(right[end].kind) && (end == 0 || !right[end-1].comma) {
		end++
	}
	last := span(right[:end])
	left := ts[:at]
	begin := len(left)
	for begin > 0 && inTime(left[begin-1].kind) {
		begin--
	}
	var opts []string
	if last != "" {
		run := left[begin:]
		for len(run) > 0 {
			k := 0
			for k < len(run) && !run[k].comma {
				k++
			}
			k = min(k+1, len(run))
			if s := span(run[:k]); s != "" {
				opts = append(opts, s)
			}
			run = run[k:]
		}
		if len(opts) > 0 {
			return capOptions(append(opts, last))
		}
	}
	// Plain options: the whole question is "A or B" (or "A, B or C").
	if !p.plainOptions || len(ts) > maxPlainWords {
		return nil
	}
	var cur []string
	for k, t := range ts {
		if k == at {
			opts = append(opts, strings.Join(cur, " "))
			cur = nil
			continue
		}
		if k == 0 && p.fillers[t.lo] {
			continue
		}
		cur = append(cur, t.text)
		if t.comma && k < at {
			opts = append(opts, strings.Join(cur, " "))
			cur = nil
		}
	}
	opts = append(opts, strings.Join(cur, " "))
	for _, o := range opts {
		ws := strings.Fields(o)
		if len(ws) == 0 || len(ws) > maxOptionWords || len(o) > maxEcho || !plainOption(o) {
			return nil
		}
		if first := strings.ToLower(ws[0]); p.openers[first] || p.whWords[first] || p.fillers[first] {
			return nil // "Kommst du oder nicht?" asks something else
		}
	}
	return capOptions(opts)
}

// plainOption reports whether o is words only: letters, digits, spaces
// and a few signs inside words.
func plainOption(o string) bool {
	for _, r := range o {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -'’.:/", r) {
			return false
		}
	}
	return true
}

func capOptions(opts []string) []string {
	if len(opts) > maxOptions {
		opts = opts[:maxOptions]
	}
	return opts
}

// isClock reports whether w is a time of day by its own form: "15:00",
// "10.30" (not a date), "3pm", "15h", "15h30", "15uhr".
func isClock(w string, units map[string]bool) bool {
	i := 0
	for i < len(w) && i < 2 && isDigit(w[i]) {
		i++
	}
	if i == 0 || i < len(w) && isDigit(w[i]) {
		return false
	}
	hour := atoi(w[:i])
	rest := w[i:]
	if rest == "" || hour > 24 {
		return false
	}
	if len(rest) == 3 && (rest[0] == ':' || rest[0] == '.') && isDigit(rest[1]) && isDigit(rest[2]) {
		return rest[0] == ':' || atoi(rest[1:]) < 60
	}
	if rest[0] == 'h' && (len(rest) == 1 || len(rest) == 3 && isDigit(rest[1]) && isDigit(rest[2])) {
		return true
	}
	return units[rest] && rest != "h" || rest == "am" || rest == "pm"
}

// isDate reports whether w is a numeric date: "12.3.", "12.03.2026",
// "12/3", "2026-03-12".
func isDate(w string) bool {
	parts := strings.FieldsFunc(w, func(r rune) bool { return r == '.' || r == '/' || r == '-' })
	if len(parts) < 2 || len(parts) > 3 || strings.Count(w, ":") > 0 {
		return false
	}
	for _, p := range parts {
		if !isNumber(p) || len(p) > 4 {
			return false
		}
	}
	// "10.30" is a time; a date has a day and a month of at most 12.
	if len(parts) == 2 && strings.Contains(w, ".") && !strings.HasSuffix(w, ".") {
		return false
	}
	return true
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isDigit(w[i]) {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 4; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
