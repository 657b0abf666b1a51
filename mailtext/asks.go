package mailtext

import (
	"slices"
	"strings"
)

// MaxAskLen bounds one sentence that Asks returns, in bytes; longer ones
// are cut by Clip.
const MaxAskLen = 300

// askVocabulary holds the phrases that ask the reader to do or answer
// something, or set a deadline, by language. A phrase is lower-case words
// matched as whole words; a word may list alternatives ("monday|friday");
// "#" matches a number; a trailing "!x" means the phrase does not count
// when the next word begins with x ("merci de !votre": "merci de votre
// aide" thanks, "merci de confirmer" asks).
var askVocabulary = []struct {
	lang    string
	phrases []string
}{
	{"en", []string{
		"please !find", "pls", "plz", "kindly", "could you", "can you", "would you", "will you",
		"would it be possible", "is it possible", "would you mind", "are you able", "are you available",
		"are you free", "do you have", "do you know", "can we", "could we", "shall we", "can i", "could i", "may i",
		"let me know", "let us know", "get back to me", "what do you think", "your thoughts", "your feedback",
		"your opinion", "rsvp", "any update", "any news", "i need", "we need", "need you to", "i'd like",
		"i would like", "we'd like", "we would like", "make sure", "remember to", "don't forget", "do not forget",
		"waiting for your", "awaiting your", "deadline", "no later than", "due on", "due by",
		"by the end of", "by end of", "by eod|cob|tomorrow|tonight|#", "by the #",
		"by monday|tuesday|wednesday|thursday|friday|saturday|sunday", "by next week|month",
	}},
	{"de", []string{
		"bitte !schön !sehr !gern", "könnten sie", "können sie", "könntest du", "kannst du", "würden sie",
		"würdest du", "wären sie", "wärst du", "wäre es möglich", "ist es möglich", "lassen sie mich wissen",
		"lass mich wissen", "geben sie mir bescheid", "gib mir bescheid", "sag mir bescheid", "sagen sie mir",
		"ich brauche", "wir brauchen", "ich benötige", "wir benötigen", "ich hätte gern|gerne", "wir hätten gern|gerne",
		"denken sie daran", "denk daran", "nicht vergessen", "bis spätestens", "spätestens", "frist",
		"bis morgen|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|#", "bis zum #", "bis ende",
	}},
	{"fr", []string{
		"s'il vous plaît|plait", "s'il te plaît|plait", "svp", "stp", "merci de !votre !vos !ton !ta !tes !l' !la !le !ce !cette",
		"pourriez vous", "pouvez vous", "pourrais tu", "peux tu", "auriez vous", "voudriez vous", "veuillez",
		"je voudrais", "nous voudrions", "j'aimerais", "nous aimerions", "tenez moi au courant",
		"faites moi savoir", "dites moi", "j'ai besoin", "nous avons besoin", "n'oubliez pas", "n'oublie pas",
		"au plus tard", "date limite", "avant le #", "d'ici demain|lundi|mardi|mercredi|jeudi|vendredi|#",
	}},
	{"es", []string{
		"por favor", "podría !ser", "podrías !ser", "podrían !ser", "puedes", "pueden", "le agradecería",
		"te agradecería", "les agradecería", "necesito", "necesitamos", "me gustaría", "nos gustaría",
		"avísame", "avíseme", "avísenme", "no olvides", "no olvide", "a más tardar", "fecha límite",
		"antes del #", "para mañana",
	}},
	{"it", []string{
		"per favore", "per cortesia", "potresti", "potreste", "potrebbe !essere", "puoi", "potete",
		"mi serve", "ci serve", "ho bisogno", "abbiamo bisogno", "vorrei", "vorremmo", "fammi sapere",
		"fatemi sapere", "mi faccia sapere", "ricordati di", "non dimenticare", "entro il #",
		"entro domani|lunedì|martedì|mercoledì|giovedì|venerdì|#", "scadenza",
	}},
	{"pt", []string{
		"poderia !ser", "poderiam !ser", "poderias", "podes", "você pode", "vocês podem", "pode me|nos",
		"gostaria", "gostaríamos", "preciso", "precisamos", "me avise", "avise me", "me informe",
		"informe me", "não se esqueça", "não esqueça", "o mais tardar", "prazo", "até amanhã|#",
	}},
	{"nl", []string{
		"alsjeblieft", "alstublieft", "graag !gedaan", "kunt u", "kun je", "kan je", "kunnen jullie",
		"zou u", "zou je", "zouden jullie", "wilt u", "wil je", "willen jullie", "laat me weten",
		"laat het me weten", "laat u mij weten", "laat u het weten", "vergeet niet", "niet vergeten",
		"uiterlijk", "vóór #",
	}},
	{"sv, no, da, pl, fi", []string{
		"kan du", "skulle du", "vänligen", "snälla", "kunne du", "vær så snill", "venligst",
		"proszę", "czy możesz", "czy mógłbyś", "czy mogłabyś", "voisitko", "voisitteko", "voitko", "voitteko",
	}},
}

// askPhrase is a compiled phrase of askVocabulary.
type askPhrase struct {
	words [][]string // alternatives per word
	not   []string   // prefixes of next words that void the phrase
}

// askIndex maps every alternative of a phrase's first word to the
// phrases.
var askIndex = func() map[string][]askPhrase {
	idx := make(map[string][]askPhrase)
	for _, v := range askVocabulary {
		for _, p := range v.phrases {
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
	}
	return idx
}()

// IsAsk reports whether sentence asks the reader something: it ends with
// a question mark (also '？' and '؟', or opens with Spanish '¿'), or it
// holds an ask phrase of askVocabulary: a request ("please", "could you",
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

// AskPhrases returns the ask phrases of askVocabulary found in text, as
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
