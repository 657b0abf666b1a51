package hardness

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"mailassist/lang"
)

// A term is a word or phrase of a vocabulary. Strong terms (strength 2)
// fire their reason alone; weak ones (1) need a second distinct term of
// the same vocabulary. A trailing '*' matches any word ending ("complain*"
// matches complain, complained, complaining).
type term struct {
	text     string
	strength int
}

// The vocabularies live in vocab/<code>.txt, one file per language (see
// vocab/en.txt for the format); adding a language is adding a file.
//
//go:embed vocab/*.txt
var vocabFS embed.FS

// vocabulary is one language's terms by reason, its negators and its
// currency words.
type vocabulary struct {
	terms    map[string][]term
	negators map[string]bool
	currency []string
}

// contentVocab are the reasons a vocabulary file may hold.
var contentVocab = []string{ReasonComplaint, ReasonLegal, ReasonUrgent, ReasonMoney, ReasonNegativeTone}

// vocabularies are the languages' vocabularies, by code.
var vocabularies = mustLoadVocabularies(vocabFS)

func mustLoadVocabularies(fsys fs.FS) map[lang.Code]*vocabulary {
	vs, err := loadVocabularies(fsys)
	if err != nil {
		panic("hardness: " + err.Error()) // the embedded files are broken; the tests catch it
	}
	return vs
}

func loadVocabularies(fsys fs.FS) (map[lang.Code]*vocabulary, error) {
	files, err := fs.Glob(fsys, "vocab/*.txt")
	if err != nil {
		return nil, err
	}
	out := map[lang.Code]*vocabulary{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		v, err := parseVocabulary(f, string(data))
		if err != nil {
			return nil, err
		}
		out[lang.Code(strings.TrimSuffix(path.Base(f), ".txt"))] = v
	}
	return out, nil
}

// parseVocabulary reads one vocabulary file: [reason] sections of
// "strength term" lines, [negators] and [currency] of one word a line.
func parseVocabulary(file, data string) (*vocabulary, error) {
	v := &vocabulary{terms: map[string][]term{}, negators: map[string]bool{}}
	section := ""
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", file, n+1)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			if !slices.Contains(contentVocab, section) && section != "negators" && section != "currency" {
				return nil, fmt.Errorf("%s: unknown section [%s]", where, section)
			}
			continue
		}
		word := strings.ToLower(line)
		switch section {
		case "":
			return nil, fmt.Errorf("%s: %q outside a section", where, line)
		case "negators":
			v.negators[word] = true
		case "currency":
			v.currency = append(v.currency, word)
		default:
			st, text, ok := strings.Cut(word, " ")
			text = strings.TrimSpace(text)
			if !ok || (st != "1" && st != "2") || text == "" {
				return nil, fmt.Errorf("%s: %q is not \"1 term\" or \"2 term\"", where, line)
			}
			v.terms[section] = append(v.terms[section], term{text, int(st[0] - '0')})
		}
	}
	return v, nil
}

// merged is the union of some languages' vocabularies, each reason's
// terms sorted for matchVocabulary.
type merged struct {
	terms    map[string][]term
	negators map[string]bool
}

// mergedCache holds the merged vocabularies by their languages' codes.
var mergedCache sync.Map

// vocabFor returns the union of the vocabularies of langs (sorted codes
// without duplicates).
func vocabFor(langs []lang.Code) *merged {
	key := fmt.Sprint(langs)
	if m, ok := mergedCache.Load(key); ok {
		return m.(*merged)
	}
	m := &merged{terms: map[string][]term{}, negators: map[string]bool{}}
	for _, c := range langs {
		v := vocabularies[c]
		if v == nil {
			continue
		}
		for r, ts := range v.terms {
			m.terms[r] = append(m.terms[r], ts...)
		}
		for w := range v.negators {
			m.negators[w] = true
		}
	}
	for _, ts := range m.terms {
		// Longer terms first (then stronger), so that they claim their words.
		slices.SortStableFunc(ts, func(a, b term) int {
			if la, lb := len(strings.Fields(a.text)), len(strings.Fields(b.text)); la != lb {
				return lb - la
			}
			return b.strength - a.strength
		})
	}
	mergedCache.Store(key, m)
	return m
}

// VocabularyLanguages returns the languages with a vocabulary, sorted.
func VocabularyLanguages() []lang.Code {
	var out []lang.Code
	for c := range vocabularies {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Money amounts also count as a weak money term: "$1,200", "€50", "300 EUR",
// "300 euros", with the currency words of every vocabulary.
var amountRE = func() *regexp.Regexp {
	var words []string
	for _, v := range vocabularies {
		for _, w := range v.currency {
			if !slices.Contains(words, w) {
				words = append(words, regexp.QuoteMeta(w))
			}
		}
	}
	slices.Sort(words)
	return regexp.MustCompile(`(?i)[$€£¥]\s?\d|\b\d[\d,.]*\s?(` + strings.Join(words, "|") + `)\b`)
}()

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
	words    []string
	pos      map[string][]int
	used     []bool
	negators map[string]bool
}

func newWordIndex(norm string, negators map[string]bool) *wordIndex {
	ix := &wordIndex{words: strings.Fields(norm), pos: map[string][]int{}, negators: negators}
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

// negated reports whether one of the two words before p is a negator
// ("not urgent", "nicht dringend").
func (ix *wordIndex) negated(p int) bool {
	for i := max(0, p-2); i < p; i++ {
		if ix.negators[ix.words[i]] {
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
