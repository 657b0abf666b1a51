package mailmsg

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
)

// defaultFallback is the charset assumed for 8-bit bytes that are not UTF-8
// and come with no usable charset label: the de-facto default of legacy mail.
const defaultFallback = "windows-1252"

// knownCharsets caches whether go-message can convert a charset label, so
// that unknown labels are looked up once.
var knownCharsets sync.Map // lower-case label -> bool

// isUTF8Label reports whether a charset label needs no conversion.
func isUTF8Label(cs string) bool {
	switch strings.ToLower(cs) {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "us_ascii", "ansi_x3.4-1968":
		return true
	}
	return false
}

// charsetKnown reports whether cs can be converted to UTF-8.
func charsetKnown(cs string) bool {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if isUTF8Label(cs) {
		return true
	}
	if v, ok := knownCharsets.Load(cs); ok {
		return v.(bool)
	}
	_, err := charset.Reader(cs, bytes.NewReader(nil))
	knownCharsets.Store(cs, err == nil)
	return err == nil
}

// appendUTF8 appends b, converted from charset cs to UTF-8, to dst. Bytes
// that claim UTF-8 (or ASCII, or no charset) but are not valid UTF-8 are
// converted from fallback. When cs is unknown, b is appended unchanged
// ("keep the bytes") and known is false.
func appendUTF8(dst, b []byte, cs, fallback string) (out []byte, known bool) {
	if !has8bit(b) && !isWideCharset(cs) {
		return append(dst, b...), true
	}
	if isUTF8Label(cs) {
		if utf8.Valid(b) {
			return append(dst, b...), true
		}
		cs = fallback
		if cs == "" || isUTF8Label(cs) {
			cs = defaultFallback
		}
	}
	cs = strings.ToLower(strings.TrimSpace(cs))
	if !charsetKnown(cs) {
		return append(dst, b...), false
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err != nil {
		return append(dst, b...), false
	}
	w := appendWriter{dst}
	if _, err := io.Copy(&w, r); err != nil && len(w.b) == len(dst) {
		return append(dst, b...), false
	}
	return w.b, true
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// toUTF8 returns b as UTF-8 text, as appendUTF8 does.
func toUTF8(b []byte, cs, fallback string) string {
	if !has8bit(b) && !isWideCharset(cs) {
		return string(b)
	}
	out, _ := appendUTF8(nil, b, cs, fallback)
	return string(out)
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	if isUTF8Label(cs) {
		return r, nil
	}
	return charset.Reader(strings.ToLower(cs), r)
}}

// decodeHeaderValue decodes RFC 2047 encoded words in an unfolded header
// value and converts raw 8-bit bytes from the fallback charset. It never
// fails: undecodable words are kept as they are, and bad is set.
func decodeHeaderValue(v []byte, fallback string) (s string, bad bool) {
	if fallback == "" {
		fallback = defaultFallback
	}
	if bytes.Contains(v, []byte("=?")) {
		dec, err := wordDecoder.DecodeHeader(toUTF8(v, "", fallback))
		if err == nil {
			return dec, false
		}
		bad = true
	}
	return toUTF8(v, "", fallback), bad
}

// isWideCharset reports whether cs encodes ASCII text in other than single
// ASCII bytes (UTF-16 and the like), so 7-bit input still needs converting.
func isWideCharset(cs string) bool {
	cs = strings.ToLower(cs)
	return strings.HasPrefix(cs, "utf-16") || strings.HasPrefix(cs, "utf-32") ||
		strings.HasPrefix(cs, "ucs-") || strings.HasPrefix(cs, "utf-7")
}
