// Package lang tells which language a text is written in, for the few
// European languages whose training texts it embeds, and answers Unknown
// when it cannot tell.
//
// It is built for the new text of one mail (mailtext.NewText): short,
// informal, often a line or two. The model is a naive Bayes over words and
// letter trigrams trained at start-up from corpus/<code>.txt, one plain
// text per language written for it; adding a language is adding a file
// (see docs/reply.md). It reads at most the first MaxWords words and stops
// as soon as one language leads by far, so a call costs a few
// microseconds and allocates nothing.
package lang

import (
	"embed"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code is an ISO 639-1 language code ("en", "de", …) or Unknown.
type Code string

// Unknown is the answer when the text is too short, not in a supported
// language, or not clearly in one of them.
const Unknown Code = "unknown"

// Known reports whether c is a supported language (not Unknown, not "").
func (c Code) Known() bool { return c != "" && c != Unknown }

// names are the English names of the languages this package may know.
// A corpus file whose code is not listed is named by its code.
var names = map[Code]string{
	"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
	"pt": "Portuguese", "nl": "Dutch", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
	"pl": "Polish", "fi": "Finnish", "cs": "Czech", "ro": "Romanian", "ca": "Catalan",
}

// Name returns the English name of c ("German"), or "" for Unknown.
func Name(c Code) string {
	if !c.Known() {
		return ""
	}
	if n, ok := names[c]; ok {
		return n
	}
	return string(c)
}

// Supported returns the languages Detect can answer, sorted.
func Supported() []Code { return slices.Clone(std.codes) }

// Limits of one detection.
const (
	// MaxWords is how many words Detect reads at most.
	MaxWords = 60
	// decided is the lead (in nats) at which Detect stops reading.
	decided = 25.0
	// minLead is the lead the best language needs over the second.
	minLead = 2.0
	// minKnown is the share of the words (in tenths) the best language
	// must know from its training text: below it, the text is more likely
	// in a language that has no corpus (Swedish read as German).
	minKnown = 3
)

// Result is a detection with the evidence behind it.
type Result struct {
	Code Code
	// Best is the most likely language even when Code is Unknown (""
	// when there were no words).
	Best Code
	// Lead is how much more likely Best is than the runner-up, in nats.
	Lead float64
	// Words is how many words were read; Known how many of them Best's
	// training text holds.
	Words, Known int
}

// Detect returns the language of text, or Unknown: for text without
// words, in another script than Latin, whose best language leads by less
// than minLead nats, or whose words are mostly unknown to it.
func Detect(text string) Code { return std.detect(text).Code }

// Explain is Detect with the evidence.
func Explain(text string) Result { return std.detect(text) }

//go:embed corpus/*.txt
var corpusFS embed.FS

var std = mustTrain(corpusFS, "corpus")

// model holds, per language, log probabilities of words and of letter
// trigrams, in flat slices indexed by entry*len(codes)+language.
type model struct {
	codes     []Code
	words     map[string]int32
	wordLP    []float32
	wordSeen  []bool    // the language's text holds the word
	wordFloor []float32 // per language: log P of a word its text lacks
	tris      map[uint64]int32
	triLP     []float32
	triFloor  []float32
}

// Smoothing and mixing of the two parts of the model.
const (
	wordAlpha = 0.1
	triAlpha  = 0.5
	// wordWeight is the prior weight of the word model against the
	// trigram model, in log space.
	logWordWeight = -0.1054 // log 0.9
	logTriWeight  = -2.3026 // log 0.1
)

// mustTrain trains a model from dir/*.txt of fsys. It panics on a broken
// embedded corpus, which the package's tests catch.
func mustTrain(fsys fs.FS, dir string) *model {
	files, err := fs.Glob(fsys, dir+"/*.txt")
	if err != nil || len(files) == 0 {
		panic("lang: no corpus")
	}
	slices.Sort(files)
	m := &model{words: map[string]int32{}, tris: map[uint64]int32{}}
	n := len(files)
	wordCount := map[string][]float64{}
	triCount := map[uint64][]float64{}
	wordTotal := make([]float64, n)
	triTotal := make([]float64, n)
	for li, f := range files {
		m.codes = append(m.codes, Code(strings.TrimSuffix(path.Base(f), ".txt")))
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			panic("lang: " + err.Error())
		}
		forEachWord(string(data), func(w []byte) {
			c := wordCount[string(w)]
			if c == nil {
				c = make([]float64, n)
				wordCount[string(w)] = c
			}
			c[li]++
			wordTotal[li]++
			forEachTrigram(w, func(k uint64) {
				t := triCount[k]
				if t == nil {
					t = make([]float64, n)
					triCount[k] = t
				}
				t[li]++
				triTotal[li]++
			})
		})
	}
	vw, vt := float64(len(wordCount)), float64(len(triCount))
	for li := range n {
		m.wordFloor = append(m.wordFloor, float32(math.Log(wordAlpha/(wordTotal[li]+wordAlpha*vw))))
		m.triFloor = append(m.triFloor, float32(math.Log(triAlpha/(triTotal[li]+triAlpha*vt))))
	}
	for w, c := range wordCount {
		m.words[w] = int32(len(m.wordLP))
		for li := range n {
			m.wordLP = append(m.wordLP, float32(math.Log((c[li]+wordAlpha)/(wordTotal[li]+wordAlpha*vw))))
			m.wordSeen = append(m.wordSeen, c[li] > 0)
		}
	}
	for k, c := range triCount {
		m.tris[k] = int32(len(m.triLP))
		for li := range n {
			m.triLP = append(m.triLP, float32(math.Log((c[li]+triAlpha)/(triTotal[li]+triAlpha*vt))))
		}
	}
	return m
}

// maxLangs bounds the languages of one model, so that a detection keeps
// its sums on the stack.
const maxLangs = 16

// state is one detection under way.
type state struct {
	sum          [maxLangs]float64
	known        [maxLangs]int
	words        int
	latin, other int // letters of the Latin script and of others
	best, second int
}

// done reports whether the detection has read enough.
func (s *state) done() bool {
	return s.words == MaxWords || s.words >= 6 && s.sum[s.best]-s.sum[s.second] >= decided
}

func (m *model) detect(text string) Result {
	var s state
	var buf [48]byte
	for text != "" && !s.done() {
		field := text
		if i := strings.IndexAny(text, " \t\r\n"); i >= 0 {
			field, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if field == "" || strings.Contains(field, "://") || strings.Contains(field, "www.") || strings.Contains(field, "@") {
			continue // a link or an address
		}
		for field != "" && !s.done() {
			var w []byte
			w, field = nextWord(field, buf[:0])
			if len(w) > 0 {
				m.add(&s, w)
			}
		}
	}
	if s.words == 0 || s.other > s.latin {
		return Result{Code: Unknown} // no words, or mostly another script
	}
	n := len(m.codes)
	r := Result{Best: m.codes[s.best], Lead: s.sum[s.best] - s.sum[s.second], Words: s.words, Known: s.known[s.best]}
	if n == 1 {
		r.Lead = math.Inf(1)
	}
	r.Code = r.Best
	if r.Lead < minLead || r.Known*10 < minKnown*s.words {
		r.Code = Unknown
	}
	return r
}

// add scores one word for every language.
func (m *model) add(s *state, w []byte) {
	n := len(m.codes)
	s.words++
	var tri [maxLangs]float64
	var a, b rune // boundary marks
	for i, pos := 0, 0; i <= len(w); pos++ {
		var c rune
		if i < len(w) {
			r, size := utf8.DecodeRune(w[i:])
			c, i = r, i+size
			if isLatin(c) {
				s.latin++
			} else {
				s.other++
			}
		} else {
			i++
		}
		if pos >= 2 {
			if at, ok := m.tris[uint64(a)<<42|uint64(b)<<21|uint64(c)]; ok {
				lp := m.triLP[at : int(at)+n]
				for li := range lp {
					tri[li] += float64(lp[li])
				}
			}
		}
		a, b = b, c
	}
	at, inVocab := m.words[string(w)]
	for li := range n {
		word := float64(m.wordFloor[li])
		if inVocab {
			word = float64(m.wordLP[int(at)+li])
			if m.wordSeen[int(at)+li] {
				s.known[li]++
			}
		}
		s.sum[li] += max(logWordWeight+word, logTriWeight+tri[li])
	}
	s.best, s.second = top2(s.sum[:n])
}

// isLatin reports whether the letter r is of the Latin script: ASCII,
// Latin-1, Latin Extended-A and -B, and Latin Extended Additional.
func isLatin(r rune) bool {
	return r < 0x250 || 0x1e00 <= r && r <= 0x1eff
}

// top2 returns the indexes of the largest and second-largest values.
func top2(s []float64) (best, second int) {
	if len(s) > 1 && s[1] > s[0] {
		best, second = 1, 0
	} else {
		second = min(1, len(s)-1)
	}
	for i := 2; i < len(s); i++ {
		switch {
		case s[i] > s[best]:
			best, second = i, best
		case s[i] > s[second]:
			second = i
		}
	}
	return best, second
}

// forEachTrigram calls f with the key of every letter trigram of the word
// w padded with a boundary mark on each side ("_de_": "_de", "de_"), as
// model.add computes them.
func forEachTrigram(w []byte, f func(k uint64)) {
	var a, b rune
	for i, pos := 0, 0; i <= len(w); pos++ {
		var c rune
		if i < len(w) {
			r, size := utf8.DecodeRune(w[i:])
			c, i = r, i+size
		} else {
			i++
		}
		if pos >= 2 {
			f(uint64(a)<<42 | uint64(b)<<21 | uint64(c))
		}
		a, b = b, c
	}
}

// forEachWord calls f with every word of s, as nextWord splits them.
func forEachWord(s string, f func(w []byte)) {
	var buf [48]byte
	for s != "" {
		var w []byte
		if w, s = nextWord(s, buf[:0]); len(w) > 0 {
			f(w)
		}
	}
}

// nextWord appends to buf the first word of s lower-cased and returns it
// with the rest of s. A word is a run of letters; apostrophes, digits and
// other characters separate words ("l'offre" is "l" and "offre"). A word
// that does not fit in buf (a hash, base64) comes back empty.
func nextWord(s string, buf []byte) (w []byte, rest string) {
	w = buf
	long := false
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		switch {
		case 'a' <= c && c <= 'z':
			r = rune(c)
		case 'A' <= c && c <= 'Z':
			r = rune(c + 'a' - 'A')
		case c < utf8.RuneSelf:
			r = -1
		default:
			r, size = utf8.DecodeRuneInString(s[i:])
			if unicode.IsLetter(r) {
				r = unicode.ToLower(r)
			} else {
				r = -1
			}
		}
		if r < 0 {
			if len(w) > 0 || long {
				if long {
					w = w[:0]
				}
				return w, s[i+size:]
			}
			i += size
			continue
		}
		i += size
		if long || len(w)+utf8.RuneLen(r) > cap(w) {
			long = true
			continue
		}
		w = utf8.AppendRune(w, r)
	}
	if long {
		w = w[:0]
	}
	return w, ""
}
