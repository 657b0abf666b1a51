package mailtext

import (
	"embed"
	"io/fs"
	"slices"
	"strings"
)

// MaxAskLen bounds one sentence that Asks returns, in bytes; longer ones
// are cut by Clip.
const MaxAskLen = 300

// The phrases that ask the reader to do or answer
// something, or set a deadline, in asks/<code>.txt, one file per language
// (see asks/en.txt for the format).
//
//go:embed asks/*.txt
var askFS embed.FS

// askPhrases reads every phrase of asks/*.txt, each once.
func askPhrases() []string {
	files, err := fs.Glob(askFS, "asks/*.txt")
	if err != nil || len(files) == 0 {
		panic("mailtext: no ask phrases") // the embedded files are broken; the tests catch it
	}
	var out []string
	for _, f := range files {
		data, err := fs.ReadFile(askFS, f)
		if err != nil {
			panic("mailtext: " + err.Error())
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.ToLower(strings.TrimSpace(line))
			if line != "" && !strings.HasPrefix(line, "#") && !slices.Contains(out, line) {
				out = append(out, line)
			}
		}
	}
	return out
}

// askPhrase is a compiled phrase of asks/*.txt.
type askPhrase struct {
	words [][]string // alternatives per word
	not   []string   // prefixes of next words that void the phrase
}

// askIndex maps every alternative of a phrase's first word to the
// phrases.
var askIndex = func() map[string][]askPhrase {
	idx := make(map[string][]askPhrase)
	for _, p := range askPhrases() {
		var ph askPhrase
		for _, w := range strings.Fields(p) {
			if not, ok := strings.CutPrefix(w, "!"); ok {
				ph.not = append(ph.not, not)
				continue
			}
			// Word boundaries as in the text: "pourriez-vous" is two words.
			for _, part := range strings.Split(strings.ReplaceAll(w, "-", " "), " ") {
				ph.words = append(ph.words, strings.Split(part, "|"))
			}
		}
		for _, first := range ph.words[0] {
			idx[first] = append(idx[first], ph)
		}
	}
	return idx
}()

// IsAsk reports whether sentence asks the reader something: it ends with
// a question mark (also '？' and '؟', or opens with Spanish '¿'), or it
// holds an ask phrase of asks/*.txt: a request ("please", "could you",
// "bitte", "könnten Sie", "pourriez-vous", "merci de", "podría", "por
// favor", "potresti", "per favore", "poderia", "kunt u", "zou je", …) or
// a deadline ("by Friday", "no later than", "bis spätestens", "au plus
// tard", …).
func IsAsk(sentence string) bool {
	t := strings.TrimRight(sentence, " \t\r\n)\"']*_")
	for _, c := range wideClosers {
		t = strings.TrimSuffix(t, c)
	}
	if strings.HasSuffix(t, "?") || strings.HasSuffix(t, "？") || strings.HasSuffix(t, "؟") ||
		strings.Contains(sentence, "¿") {
		return true
	}
	found := false
	scanAsks(sentence, func(string) bool { found = true; return false })
	return found
}

// Asks returns the sentences of text (see Sentences) that ask something
// (see IsAsk), in order, without duplicates, each cut by Clip to
// MaxAskLen bytes; at most limit of them, all when limit <= 0. Pass it
// the new text of a mail (Split), lest it report the asks of the history.
func Asks(text string, limit int) []string {
	var out []string
	for _, s := range Sentences(text) {
		if limit > 0 && len(out) == limit {
			break
		}
		if !IsAsk(s) {
			continue
		}
		if s = Clip(s, MaxAskLen); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// AskPhrases returns the ask phrases of asks/*.txt found in text, as
// written there, lower case, white space collapsed ("could you", "by
// friday", "pourriez-vous"), in the order they first occur, without
// duplicates.
func AskPhrases(text string) []string {
	var out []string
	scanAsks(text, func(p string) bool {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
		return true
	})
	return out
}

// scanAsks calls found with every ask phrase in s, in order, until it
// returns false.
func scanAsks(s string, found func(phrase string) bool) {
	lo := strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	toks := wordSpans(lo, make([][2]int, 0, 64))
	for i, tk := range toks {
		for _, p := range askIndex[lo[tk[0]:tk[1]]] {
			if n := p.match(lo, toks[i:]); n > 0 && !found(OneLine(lo[tk[0]:toks[i+n-1][1]])) {
				return
			}
		}
	}
}

// match returns how many of toks (the words of lo from the phrase's
// first) the phrase covers, or 0.
func (p askPhrase) match(lo string, toks [][2]int) int {
	if len(toks) < len(p.words) {
		return 0
	}
	for k, alts := range p.words {
		w := lo[toks[k][0]:toks[k][1]]
		if !slices.ContainsFunc(alts, func(a string) bool { return a == w || a == "#" && w[0] >= '0' && w[0] <= '9' }) {
			return 0
		}
	}
	if len(toks) > len(p.words) {
		next := toks[len(p.words)]
		for _, n := range p.not {
			if strings.HasPrefix(lo[next[0]:next[1]], n) {
				return 0
			}
		}
	}
	return len(p.words)
}

// wordSpans appends to spans the start and end of every word of s:
// letters and digits, with apostrophes inside a word ("don't", "s'il").
func wordSpans(s string, spans [][2]int) [][2]int {
	start := -1
	for i, r := range s {
		if isWordRune(r) || r == '\'' && start >= 0 {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			spans = append(spans, trimApostrophe(s, start, i))
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, trimApostrophe(s, start, len(s)))
	}
	return spans
}

func trimApostrophe(s string, start, end int) [2]int {
	for end > start+1 && s[end-1] == '\'' {
		end--
	}
	return [2]int{start, end}
}
