package reply

import (
	"unicode"
	"unicode/utf8"

	"mailassist/lang"
)

// guessLang returns the language of s as package lang detects it ("en",
// "de", …), the name of its script when that is not Latin ("cyrillic",
// "cjk", …; see lang.Script), or "" when it cannot tell. Validate
// compares a suggestion's guess with the email's.
func guessLang(s string) string {
	if sc := lang.Script(s); sc != "" {
		return sc
	}
	if c := lang.Detect(s); c.Known() {
		return string(c)
	}
	return ""
}

// languageName names a guessLang result for the prompt, or "".
func languageName(code string) string { return lang.Name(lang.Code(code)) }

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
