package mailmsg

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// defaultFallback is the charset assumed for 8-bit bytes that are not UTF-8
// and come with no usable charset label: the de-facto default of legacy mail.
const defaultFallback = "windows-1252"

// encodings caches the decoder of each charset label seen: lower-case
// label -> encoding.Encoding, or nil when neither x/text's indexes nor
// go-message's charset package know the label.
var encodings sync.Map

// lookupEncoding returns the encoding named by a lower-case charset label,
// looked up as go-message's charset package does (IANA names, "cs"
// aliases, WHATWG labels); nil when unknown.
func lookupEncoding(cs string) encoding.Encoding {
	if v, ok := encodings.Load(cs); ok {
		enc, _ := v.(encoding.Encoding)
		return enc
	}
	enc, _ := ianaindex.MIME.Encoding(cs)
	if enc == nil {
		enc, _ = ianaindex.MIME.Encoding("cs" + cs)
	}
	if enc == nil {
		enc, _ = htmlindex.Get(cs)
	}
	if enc == nil {
		if _, err := charset.Reader(cs, bytes.NewReader(nil)); err == nil {
			enc = readerEncoding(cs) // known to go-message's quirks table only
		}
	}
	encodings.Store(cs, enc)
	return enc
}

// readerEncoding marks a charset that only charset.Reader can decode.
type readerEncoding string

func (readerEncoding) NewDecoder() *encoding.Decoder { return nil }
func (readerEncoding) NewEncoder() *encoding.Encoder { return nil }

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
	return isUTF8Label(cs) || lookupEncoding(cs) != nil
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
	enc := lookupEncoding(cs)
	if enc == nil {
		return append(dst, b...), false
	}
	if name, ok := enc.(readerEncoding); ok {
		r, err := charset.Reader(string(name), bytes.NewReader(b))
		if err != nil {
			return append(dst, b...), false
		}
		out, err := io.ReadAll(r)
		if err != nil && len(out) == 0 {
			return append(dst, b...), false
		}
		return append(dst, out...), true
	}
	out, _, err := transform.Append(enc.NewDecoder(), dst, b)
	if err != nil && len(out) == len(dst) {
		return append(dst, b...), false
	}
	return out, true
}

// toUTF8 returns b as UTF-8 text, as appendUTF8 does. With share, text
// that needs no conversion is b itself, not a copy: b must not change
// afterwards.
func toUTF8(b []byte, cs, fallback string, share bool) string {
	if !has8bit(b) && !isWideCharset(cs) {
		if share {
			return unsafeString(b)
		}
		return string(b)
	}
	out, _ := appendUTF8(nil, b, cs, fallback)
	return string(out)
}

// wordDecoder decodes RFC 2047 encoded words with the cached decoders.
var wordDecoder = &mime.WordDecoder{CharsetReader: wordCharsetReader}

// wordCharsetReader converts the text of an encoded word to UTF-8. The mime
// package converts "utf-8", "us-ascii" and "iso-8859-1" itself; the other
// names of UTF-8 and ASCII ("utf8", "ascii", "ansi_x3.4-1968", ...) come
// here and are decoded strictly, as go-message does: what is not UTF-8
// (or not ASCII) becomes U+FFFD. Unlike a body, an encoded word names its
// charset explicitly, so no fallback charset is guessed.
func wordCharsetReader(cs string, r io.Reader) (io.Reader, error) {
	cs = strings.ToLower(cs)
	if isUTF8Label(cs) {
		if strings.HasPrefix(cs, "utf") {
			cs = "utf-8"
		} else {
			cs = "us-ascii"
		}
		return lookupEncoding(cs).NewDecoder().Reader(r), nil
	}
	if lookupEncoding(cs) == nil {
		return nil, fmt.Errorf("unknown charset %q", cs)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	out, _ := appendUTF8(nil, b, cs, "")
	return bytes.NewReader(out), nil
}

// decodeHeaderValue decodes RFC 2047 encoded words in an unfolded header
// value and converts raw 8-bit bytes from the fallback charset. It never
// fails: undecodable words are kept as they are, and bad is set. The result
// is valid UTF-8; see validUTF8. With share, the result may be v itself
// (see toUTF8).
func decodeHeaderValue(v []byte, fallback string, share bool) (s string, bad bool) {
	if fallback == "" {
		fallback = defaultFallback
	}
	if bytes.Contains(v, []byte("=?")) {
		dec, err := wordDecoder.DecodeHeader(toUTF8(v, "", fallback, share))
		if err == nil {
			return validUTF8(dec), false
		}
		bad = true
	}
	return validUTF8(toUTF8(v, "", fallback, share)), bad
}

// unsafeString views b as a string without copying; b must not change
// while the string is in use.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// validUTF8 returns s with each ill-formed UTF-8 sequence (maximal subpart,
// as x/text and go-message decode) replaced by U+FFFD. The mime package
// copies the bytes of a "utf-8" encoded word unchecked; this is where they
// are made valid, after adjacent words are joined, so that a character
// split across two words survives.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := unicode.UTF8.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD") // not reached: the decoder replaces, never fails
	}
	return out
}

// isWideCharset reports whether cs encodes ASCII text in other than single
// ASCII bytes (UTF-16 and the like), so 7-bit input still needs converting.
func isWideCharset(cs string) bool {
	cs = strings.ToLower(cs)
	return strings.HasPrefix(cs, "utf-16") || strings.HasPrefix(cs, "utf-32") ||
		strings.HasPrefix(cs, "ucs-") || strings.HasPrefix(cs, "utf-7")
}
