package reply

import (
	"fmt"
	"strings"
	"unicode"
)

// script is a writing system a mail can be in. Japanese mixes Han and
// Kana, so they count as one ("cjk").
type script string

var scripts = []struct {
	name   script
	tables []*unicode.RangeTable
}{
	{"latin", []*unicode.RangeTable{unicode.Latin}},
	{"cyrillic", []*unicode.RangeTable{unicode.Cyrillic}},
	{"greek", []*unicode.RangeTable{unicode.Greek}},
	{"arabic", []*unicode.RangeTable{unicode.Arabic}},
	{"hebrew", []*unicode.RangeTable{unicode.Hebrew}},
	{"cjk", []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana}},
	{"hangul", []*unicode.RangeTable{unicode.Hangul}},
	{"thai", []*unicode.RangeTable{unicode.Thai}},
	{"devanagari", []*unicode.RangeTable{unicode.Devanagari}},
}

func scriptOf(r rune) script {
	for _, s := range scripts {
		for _, t := range s.tables {
			if unicode.Is(t, r) {
				return s.name
			}
		}
	}
	return "other"
}

// scriptScanMax bounds the text dominantScript reads.
const scriptScanMax = 4 << 10

// dominantScript is the script most letters of s are in ("" without
// letters), reading at most scriptScanMax bytes.
func dominantScript(s string) script {
	if len(s) > scriptScanMax {
		s = s[:scriptScanMax]
	}
	counts := map[script]int{}
	var best script
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		sc := scriptOf(r)
		counts[sc]++
		if best == "" || counts[sc] > counts[best] {
			best = sc
		}
	}
	return best
}

// Shares a suggestion must meet (see checkScript).
const (
	minLetterShare = 0.6  // of its characters other than spaces, digits and common punctuation
	minScriptShare = 0.85 // of its letters, in the mail's script
)

// commonPunct is the punctuation replies are written with.
const commonPunct = ".,;:!?'\"’‘“”«»()-–—…%€$£&/@+#*¿¡、。，！？：；「」『』"

// checkScript returns a problem when text is not mostly letters of the
// mail's script (noise such as `㒰y)n}첥ZmEol-Wrێ{댝:ɺ`), or "".
// Digits and common punctuation are neutral; other symbols count against
// the text. For Latin-script text it also wants words with vowels: a
// word of four or more letters without one is no word of the languages
// mailassist writes.
func checkScript(text string, want script) string {
	var letters, other, inScript int
	for _, r := range text {
		switch {
		case unicode.IsSpace(r) || unicode.IsDigit(r) || strings.ContainsRune(commonPunct, r):
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			if unicode.Is(unicode.Mn, r) {
				continue // combining marks belong to the letter before
			}
			letters++
			if want == "" || scriptOf(r) == want {
				inScript++
			}
		default:
			other++
		}
	}
	if letters == 0 {
		return "no letters"
	}
	if share := float64(letters) / float64(letters+other); share < minLetterShare {
		return fmt.Sprintf("not mostly letters (%.0f%%)", 100*share)
	}
	if share := float64(inScript) / float64(letters); share < minScriptShare {
		return fmt.Sprintf("only %.0f%% of its letters are in the email's script (%s)", 100*share, want)
	}
	if want == "latin" {
		if w := vowelless(text); w != "" {
			return fmt.Sprintf("%q is no word", w)
		}
	}
	return ""
}

// vowelless returns the first word of four or more Latin letters that has
// no vowel, or "".
func vowelless(text string) string {
	var words []string
	for _, f := range strings.Fields(text) {
		if strings.ContainsAny(f, "/@") { // a link or an address: judged elsewhere
			continue
		}
		words = append(words, strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) })...)
	}
	for _, w := range words {
		if len([]rune(w)) < 4 || strings.ToUpper(w) == w { // acronyms: "HTML", "NATO"
			continue
		}
		if !strings.ContainsAny(strings.ToLower(w), "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ") {
			return w
		}
	}
	return ""
}
