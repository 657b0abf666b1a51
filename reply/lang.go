package reply

import (
	"unicode"
	"unicode/utf8"
)

// langScanMax bounds how much text the language guess reads.
const langScanMax = 4 << 10

// stopwords are frequent function words that are rare in the other
// languages listed. Each list avoids words shared with English where it
// can ("die" and "in" are common in German but also English words).
var stopwords = map[string][]string{
	"en": {"the", "and", "you", "that", "is", "are", "for", "with", "this", "have", "will", "would",
		"could", "can", "what", "your", "it", "of", "to", "me", "we", "my", "be", "not", "if", "thanks",
		"thank", "yes", "works", "please", "sorry", "i'll", "i'm", "let", "know", "got", "sounds", "good"},
	"de": {"der", "das", "und", "ist", "nicht", "ich", "sie", "mit", "den", "dem", "auf", "für", "ein",
		"eine", "wir", "uns", "bitte", "danke", "können", "kannst", "wäre", "mir", "dir", "ja", "nein",
		"gerne", "auch", "noch", "schon", "hallo", "viele", "grüße", "wie", "oder", "passt", "sind", "habe"},
	"fr": {"le", "la", "les", "et", "est", "je", "vous", "nous", "pour", "avec", "une", "des", "pas",
		"que", "qui", "merci", "oui", "non", "bonjour", "pouvez", "votre", "suis", "ça", "très", "bien",
		"c'est", "du", "au", "sur", "mais"},
	"es": {"el", "los", "las", "y", "es", "que", "para", "con", "una", "por", "gracias", "sí", "hola",
		"puedes", "puede", "usted", "nosotros", "muy", "bien", "está", "pero", "como", "del", "mañana",
		"saludos", "tu", "su"},
	"it": {"il", "lo", "gli", "e", "è", "che", "per", "con", "una", "non", "grazie", "ciao", "sono",
		"puoi", "può", "della", "del", "anche", "ma", "come", "buongiorno", "saluti", "domani", "questo"},
	"nl": {"de", "het", "een", "en", "is", "niet", "ik", "je", "jij", "wij", "voor", "met", "dank",
		"bedankt", "graag", "ja", "nee", "kun", "kunt", "van", "dat", "ook", "maar", "groeten", "morgen"},
	"pt": {"o", "os", "as", "e", "é", "que", "para", "com", "uma", "não", "obrigado", "obrigada", "olá",
		"você", "pode", "muito", "bem", "está", "mas", "como", "do", "da", "amanhã", "sim"},
}

// langCodes are the Latin-script languages guessLang tells apart.
var langCodes = [...]string{"en", "de", "fr", "es", "it", "nl", "pt"}

// stopIndex maps a word to the indexes in langCodes of the languages
// listing it.
var stopIndex = func() map[string][]int {
	idx := make(map[string][]int)
	for i, lang := range langCodes {
		for _, w := range stopwords[lang] {
			idx[w] = append(idx[w], i)
		}
	}
	return idx
}()

// guessLang returns a best guess of the language of s: an ISO 639-1 code
// for Latin-script languages it knows ("en", "de", "fr", "es", "it", "nl",
// "pt"), a script name for other scripts ("cyrillic", "greek", "arabic",
// "hebrew", "cjk", "hangul", "thai"), or "" when it cannot tell. It reads
// at most the first 4 KiB. A Latin-script guess needs at least two
// stopword hits and a lead over the runner-up, so short texts are often "".
func guessLang(s string) string {
	if len(s) > langScanMax {
		s = s[:langScanMax]
	}
	if sc := nonLatinScript(s); sc != "" {
		return sc
	}
	var counts [len(langCodes)]int
	forEachWord(s, func(w []byte) {
		for _, i := range stopIndex[string(w)] {
			counts[i]++
		}
	})
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	second := 0
	for i := range counts {
		if i != best {
			second = max(second, counts[i])
		}
	}
	// Two hits at least, and a clear lead: a third more than the runner-up.
	if counts[best] < 2 || counts[best]*3 < second*4 || counts[best] == second {
		return ""
	}
	return langCodes[best]
}

// nonLatinScript returns the dominant non-Latin script of s when letters
// of that script outnumber Latin letters, else "".
func nonLatinScript(s string) string {
	var latin int
	var other [7]int
	names := [...]string{"cyrillic", "greek", "arabic", "hebrew", "cjk", "hangul", "thai"}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c|0x20 && c|0x20 <= 'z' {
				latin++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case unicode.Is(unicode.Latin, r):
			latin++
		case unicode.Is(unicode.Cyrillic, r):
			other[0]++
		case unicode.Is(unicode.Greek, r):
			other[1]++
		case unicode.Is(unicode.Arabic, r):
			other[2]++
		case unicode.Is(unicode.Hebrew, r):
			other[3]++
		case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			other[4] += 2 // one CJK character carries about a word
		case unicode.Is(unicode.Hangul, r):
			other[5]++
		case unicode.Is(unicode.Thai, r):
			other[6]++
		}
	}
	best := 0
	for i := range other {
		if other[i] > other[best] {
			best = i
		}
	}
	if other[best] > 0 && other[best] > latin {
		return names[best]
	}
	return ""
}

// forEachWord calls f with each word of s lower-cased: runs of letters,
// digits and apostrophes (the typographic one becomes '). The slice is
// only valid during the call; words longer than 64 bytes are skipped.
func forEachWord(s string, f func(w []byte)) {
	var buf [64]byte
	w := buf[:0]
	long := false
	flush := func() {
		if len(w) > 0 && !long {
			f(w)
		}
		w, long = buf[:0], false
	}
	for _, r := range s {
		if !isWordRune(r) {
			flush()
			continue
		}
		if long {
			continue
		}
		switch {
		case r == '’':
			r = '\''
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r >= utf8.RuneSelf:
			r = unicode.ToLower(r)
		}
		if len(w)+utf8.RuneLen(r) > len(buf) {
			long = true
			continue
		}
		w = utf8.AppendRune(w, r)
	}
	flush()
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '\''
	}
	return r == '’' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
