package hardness

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// A term is a word or phrase of a vocabulary. Strong terms (strength 2)
// fire their reason alone; weak ones (1) need a second distinct term of
// the same vocabulary. A trailing '*' matches any word ending ("complain*"
// matches complain, complained, complaining).
type term struct {
	text     string
	strength int
}

// Vocabularies, English only. Other languages are a known gap: a German
// or French complaint scores only on its non-vocabulary signals (length,
// thread, participants, VIP, rules, the small model's signals).
//
// The lists favour phrases over single words: single words like "legal",
// "price" or "critical" are everyday words on technical mailing lists and
// in newsletters, so they are weak; phrases that only a complaint, a legal
// matter or a payment dispute uses are strong.
var vocabularies = map[string][]term{
	ReasonComplaint: {
		{"formal complaint", 2}, {"file a complaint", 2}, {"lodge a complaint", 2}, {"make a complaint", 2},
		{"this is unacceptable", 2}, {"completely unacceptable", 2}, {"totally unacceptable", 2},
		{"speak to your manager", 2}, {"speak to a manager", 2}, {"speak to someone in charge", 2},
		{"want my money back", 2}, {"demand a refund", 2}, {"full refund", 2},
		{"still waiting for", 2}, {"still not working", 2}, {"still have not", 2}, {"still haven't", 2},
		{"no one has responded", 2}, {"nobody has responded", 2}, {"third time", 2}, {"several times now", 2},
		{"poor service", 2}, {"terrible service", 2}, {"awful service", 2}, {"bad service", 2},
		{"cancel my subscription", 2}, {"cancel my account", 2}, {"close my account", 2},
		{"complain*", 1}, {"complaint", 1}, {"unacceptable", 1}, {"not happy", 1}, {"unhappy", 1},
		{"dissatisfied", 1}, {"never received", 1}, {"not received", 1}, {"misled", 1},
		{"let down", 1}, {"broken promise*", 1}, {"no reply from you", 1},
	},
	ReasonLegal: {
		{"lawsuit", 2}, {"legal action", 2}, {"legal proceedings", 2}, {"take you to court", 2},
		{"my lawyer", 2}, {"our lawyer*", 2}, {"my attorney", 2}, {"our attorney*", 2}, {"my solicitor", 2}, {"our solicitor*", 2},
		{"cease and desist", 2}, {"subpoena*", 2}, {"litigation", 2}, {"breach of contract", 2},
		{"small claims", 2}, {"court order", 2}, {"sue you", 2}, {"will sue", 2}, {"data subject access request", 2},
		{"gdpr request", 2}, {"right to erasure", 2}, {"notice of termination", 2}, {"indemnif*", 2},
		{"lawyer*", 1}, {"attorney*", 1}, {"solicitor*", 1}, {"legal", 1}, {"contract", 1}, {"liability", 1},
		{"liable", 1}, {"gdpr", 1}, {"data protection", 1}, {"compliance", 1}, {"regulator", 1},
		{"ombudsman", 1}, {"infring*", 1}, {"court", 1}, {"non-disclosure", 1}, {"nda", 1}, {"terminate the agreement", 1},
	},
	ReasonUrgent: {
		{"urgent", 2}, {"urgently", 2}, {"asap", 2}, {"as soon as possible", 2}, {"emergency", 2},
		{"time sensitive", 2}, {"time-sensitive", 2}, {"final notice", 2}, {"final reminder", 2},
		{"immediately", 1}, {"right away", 1}, {"deadline", 1}, {"by end of day", 1}, {"by the end of the day", 1},
		{"eod", 1}, {"by tomorrow", 1}, {"today please", 1}, {"critical", 1},
		{"high priority", 1}, {"top priority", 1}, {"at your earliest convenience", 1}, {"without delay", 1},
	},
	ReasonMoney: {
		{"overdue invoice", 2}, {"unpaid invoice", 2}, {"outstanding balance", 2}, {"outstanding amount", 2},
		{"late payment", 2}, {"chargeback", 2}, {"charged twice", 2}, {"double charged", 2}, {"wire transfer", 2},
		{"bank transfer", 2}, {"payment reminder", 2}, {"debt collect*", 2}, {"refund of", 2},
		{"invoice*", 1}, {"payment*", 1}, {"refund*", 1}, {"billing", 1}, {"billed", 1}, {"charged", 1},
		{"reimburse*", 1}, {"price quote", 1}, {"budget", 1}, {"salary", 1}, {"fee", 1}, {"fees", 1},
		{"price", 1}, {"pricing", 1}, {"cost", 1}, {"costs", 1}, {"overdue", 1}, {"deposit", 1},
	},
	ReasonNegativeTone: {
		{"disappointed", 1}, {"disappointing", 1}, {"frustrated", 1}, {"frustrating", 1}, {"angry", 1},
		{"furious", 1}, {"upset", 1}, {"annoyed", 1}, {"terrible", 1}, {"horrible", 1}, {"awful", 1},
		{"worst", 1}, {"ridiculous", 1}, {"outrageous", 1}, {"appalling", 1}, {"disgusting", 1},
		{"incompetent", 1}, {"useless", 1}, {"pathetic", 1}, {"fed up", 1}, {"sick of", 1}, {"shocked", 1},
		{"unprofessional", 1}, {"rude", 1}, {"waste of time", 1}, {"not acceptable", 1}, {"how dare", 2},
	},
}

// Money amounts also count as a weak money term: "$1,200", "€50", "300 EUR".
var amountRE = regexp.MustCompile(`(?i)[$€£¥]\s?\d|\b\d[\d,.]*\s?(usd|eur|gbp|dollars|euros|pounds)\b`)

// vocabScanMax bounds how much of each message's text the vocabularies read.
const vocabScanMax = 32 << 10

// normalizeWords lower-cases s and reduces it to words separated by single
// spaces.
// Apostrophes (straight or curly) stay inside words; hyphens stay too.
func normalizeWords(s string) string {
	if len(s) > vocabScanMax {
		s = s[:vocabScanMax]
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		case (r == '\'' || r == '’' || r == '-') && !space:
			if r == '’' {
				r = '\''
			}
			b.WriteRune(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// wordIndex is a text's words with where each occurs, and which words a
// longer term already claimed, so that "complaint" inside "formal
// complaint" does not count again as a weak term.
type wordIndex struct {
	words []string
	pos   map[string][]int
	used  []bool
}

func newWordIndex(norm string) *wordIndex {
	ix := &wordIndex{words: strings.Fields(norm), pos: map[string][]int{}}
	for i, w := range ix.words {
		ix.pos[w] = append(ix.pos[w], i)
	}
	ix.used = make([]bool, len(ix.words))
	return ix
}

// reset forgets which words were claimed.
func (ix *wordIndex) reset() { clear(ix.used) }

// match reports whether the term occurs in words not yet claimed, and
// claims every such occurrence.
func (ix *wordIndex) match(t term) bool {
	parts := strings.Fields(t.text)
	first := parts[0]
	var starts []int
	if stem, ok := strings.CutSuffix(first, "*"); ok && len(parts) == 1 {
		for w, ps := range ix.pos {
			if strings.HasPrefix(w, stem) {
				starts = append(starts, ps...)
			}
		}
	} else {
		starts = ix.pos[first]
	}
	hit := false
	for _, p := range starts {
		if p+len(parts) > len(ix.words) || !ix.matchAt(p, parts) {
			continue
		}
		if ix.negated(p) {
			continue // "not urgent", "no legal issue"
		}
		for i := range parts {
			ix.used[p+i] = true
		}
		hit = true
	}
	return hit
}

// negators turn the term that follows (within two words) around.
var negators = map[string]bool{
	"not": true, "no": true, "never": true, "without": true, "nothing": true,
	"isn't": true, "aren't": true, "wasn't": true, "don't": true, "doesn't": true, "didn't": true,
}

// negated reports whether one of the two words before p is a negator.
func (ix *wordIndex) negated(p int) bool {
	for i := max(0, p-2); i < p; i++ {
		if negators[ix.words[i]] {
			return true
		}
	}
	return false
}

func (ix *wordIndex) matchAt(p int, parts []string) bool {
	for i, part := range parts {
		w := ix.words[p+i]
		if ix.used[p+i] {
			return false
		}
		if stem, ok := strings.CutSuffix(part, "*"); ok {
			if !strings.HasPrefix(w, stem) {
				return false
			}
		} else if w != part {
			return false
		}
	}
	return true
}

// matchVocabulary returns the distinct terms of vocab found in the text
// and their summed strength. Longer terms are tried first and claim their
// words.
func matchVocabulary(ix *wordIndex, vocab []term) (found []string, strength int) {
	ix.reset()
	for _, t := range vocab {
		if ix.match(t) {
			found = append(found, t.text)
			strength += t.strength
		}
	}
	return found, strength
}

// Vocabularies are tried longest term first (then strongest first).
func init() {
	for _, v := range vocabularies {
		slices.SortStableFunc(v, func(a, b term) int {
			if la, lb := len(strings.Fields(a.text)), len(strings.Fields(b.text)); la != lb {
				return lb - la
			}
			return b.strength - a.strength
		})
	}
}

// Shouting: this many words of at least shoutMinLen letters written in
// capitals count as one weak negative-tone cue; so does "!!".
const (
	shoutWords  = 3
	shoutMinLen = 5
)

// toneCues counts the negative-tone cues that are not words.
func toneCues(text string) (cues []string) {
	if len(text) > vocabScanMax {
		text = text[:vocabScanMax]
	}
	if strings.Contains(text, "!!") {
		cues = append(cues, `"!!"`)
	}
	n := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(w) >= shoutMinLen && strings.ToUpper(w) == w && strings.ToLower(w) != w {
			n++
		}
	}
	if n >= shoutWords {
		cues = append(cues, "shouting")
	}
	return cues
}
