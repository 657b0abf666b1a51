package lang

import (
	"unicode"
	"unicode/utf8"
)

// scriptScanMax bounds how much text Script reads.
const scriptScanMax = 4 << 10

// scripts are the non-Latin scripts Script names, in the order of its
// counters.
var scripts = [...]string{"cyrillic", "greek", "arabic", "hebrew", "cjk", "hangul", "thai"}

// Script returns the dominant non-Latin script of text ("cyrillic",
// "greek", "arabic", "hebrew", "cjk", "hangul", "thai") when its letters
// outnumber Latin ones, else "". It reads at most the first 4 KiB.
func Script(text string) string {
	if len(text) > scriptScanMax {
		text = text[:scriptScanMax]
	}
	var latin int
	var other [len(scripts)]int
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if 'a' <= c|0x20 && c|0x20 <= 'z' {
				latin++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
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
		return scripts[best]
	}
	return ""
}
