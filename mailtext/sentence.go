package mailtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations are words usually followed by a period inside a
// sentence, lower case without their last period.
var abbreviations = setOf(
	// en
	"e.g", "i.e", "a.m", "p.m", "etc", "mr", "mrs", "ms", "dr", "vs", "approx", "inc", "ltd", "jr", "sr",
	"st", "p.s", "cf", "fig", "dept", "est",
	// de
	"z.b", "bzw", "ca", "usw", "evtl", "ggf", "inkl", "zzgl", "bspw", "vgl", "u.a", "d.h", "s.o", "s.u",
	"str", "prof", "hr", "fr", "dipl", "ing", "tel",
	// fr
	"mme", "mlle", "env", "p.ex", "c.-à-d", "c.à.d",
	// es, pt
	"sra", "srta", "dra", "ud", "uds", "aprox", "pág", "av", "ex",
	// it
	"sig", "sig.ra", "dott", "dott.ssa", "avv", "ecc", "pag", "geom",
	// nl
	"dhr", "mevr", "bijv", "o.a", "m.b.t", "t.a.v", "m.a.w",
)

// numberAbbreviations are abbreviations of "number", a period after
// them ends nothing when a number follows ("No. 5", "Nr. 12", "núm. 3");
// "The answer is no. Please call" is a sentence end.
var numberAbbreviations = setOf("no", "nr", "núm", "nº", "n")

// months are the month names that follow a day written as an ordinal,
// "5. März", in German, the Scandinavian languages and Finnish, lower
// case; a period after the day ends nothing.
var months = setOf(
	"januar", "jänner", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
	"oktober", "november", "dezember", "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept",
	"okt", "nov", "dez", "januari", "februari", "mars", "maj", "augusti", "oktober", "desember",
	"december", "marts", "tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta",
	"kesäkuuta", "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta",
)

// Sentences splits text into sentences: at '.', '!' or '?' followed by
// white space (not after an abbreviation, an initial, "No." before a
// number or a day before its month, "5. März"), after the full stops of
// CJK, Arabic and Devanagari text, at blank lines and before list items
// ("- ", "* ", "• ", "1. ", "2) "), whose markers are dropped. The lines
// of a paragraph are joined with single spaces. Fragments without a
// letter are dropped; sentences are not shortened (Clip them).
func Sentences(text string) []string {
	var out []string
	for _, para := range paragraphs(text) {
		for rest := para; rest != ""; {
			end := sentenceEnd(rest)
			s := strings.TrimSpace(rest[:end])
			rest = rest[end:]
			if hasLetter(s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// paragraphs splits text at blank lines and before list items, joining
// the lines of each with single spaces.
func paragraphs(text string) []string {
	var out, cur []string
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if t == "" {
			flush()
			continue
		}
		if n := listMarker(t); n > 0 {
			flush()
			t = strings.TrimSpace(t[n:])
		}
		cur = append(cur, OneLine(t))
	}
	flush()
	return out
}

// listMarker returns the length of the list-item marker that t begins
// with ("- ", "* ", "• ", "1. ", "12) "), or 0.
func listMarker(t string) int {
	for _, m := range []string{"- ", "* ", "• "} {
		if strings.HasPrefix(t, m) {
			return len(m)
		}
	}
	i := 0
	for i < len(t) && i < 2 && '0' <= t[i] && t[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(t) && (t[i] == '.' || t[i] == ')') && (t[i+1] == ' ' || t[i+1] == '\t') {
		return i + 2
	}
	return 0
}

// wideStops end a sentence without white space after them.
var wideStops = []string{"。", "？", "！", "؟", "।"}

// closers may follow the end of a sentence: ".)", "?\"", "!»".
const asciiClosers = ".!?)\"']"

var wideClosers = []string{"”", "’", "»", "」", "』", "）"}

// frenchClosers close a French quotation after a space: « oui ! »
var frenchClosers = []string{" »", "\u00a0»", "\u202f»"}

// sentenceEnd returns the end of the first sentence in s.
func sentenceEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			if n := prefixLen(s[i:], wideStops); n > 0 {
				return skipClosers(s, i+n)
			}
			continue
		}
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := skipClosers(s, i)
		if j < len(s) && s[j] != ' ' {
			i = j - 1
			continue
		}
		if c == '.' && j < len(s) && notAnEnd(s[:i], strings.TrimLeft(s[j:], " ")) {
			i = j - 1
			continue
		}
		return j
	}
	return len(s)
}

// skipClosers returns the index after the run of sentence punctuation and
// closing quotes or brackets that starts at i.
func skipClosers(s string, i int) int {
	for i < len(s) {
		if strings.IndexByte(asciiClosers, s[i]) >= 0 {
			i++
		} else if n := prefixLen(s[i:], wideClosers); n > 0 {
			i += n
		} else if n := prefixLen(s[i:], frenchClosers); n > 0 {
			i += n
		} else if n := prefixLen(s[i:], wideStops); n > 0 {
			i += n
		} else {
			break
		}
	}
	return i
}

func prefixLen(s string, ps []string) int {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return len(p)
		}
	}
	return 0
}

// notAnEnd reports whether a period between before and after (the text
// after it, from its next word) is inside a sentence: after an
// abbreviation or an initial, after "No." before a number, after a day
// before its month.
func notAnEnd(before, after string) bool {
	orig := before[strings.LastIndexAny(before, " (")+1:]
	w := strings.ToLower(orig)
	next, _, _ := strings.Cut(after, " ")
	first, _ := utf8.DecodeRuneInString(next)
	next = strings.ToLower(strings.TrimRight(next, ".,;:"))
	switch {
	case abbreviations[w]:
		return true
	case numberAbbreviations[w]:
		return '0' <= first && first <= '9'
	case w != "" && len(w) <= 2 && strings.Trim(w, "0123456789") == "":
		return months[next] || unicode.IsLower(first) // "am 5. März", "vom 5. bis 7. Mai"
	}
	r, n := utf8.DecodeRuneInString(orig)
	return n > 0 && n == len(orig) && unicode.IsUpper(r) // an initial: "J. Smith"
}

// hasLetter reports whether s has a letter (any non-ASCII character
// counts as one).
func hasLetter(s string) bool {
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r >= utf8.RuneSelf {
			return true
		}
	}
	return false
}
