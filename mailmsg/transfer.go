package mailmsg

import (
	"encoding/base64"
	"strings"
)

// appendDecoded appends body decoded from the transfer encoding cte to dst,
// reading at most maxIn input bytes. Decoding is lenient and never fails:
// base64 skips characters outside its alphabet, quoted-printable keeps an
// '=' that starts no valid escape. ok is false for an unknown encoding,
// whose bytes are appended unchanged.
func appendDecoded(dst, body []byte, cte string, maxIn int) (out []byte, ok bool) {
	if len(body) > maxIn {
		body = body[:maxIn]
	}
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary", "none":
		return append(dst, body...), true
	case "base64":
		return appendBase64(dst, body), true
	case "quoted-printable":
		return appendQP(dst, body), true
	default:
		return append(dst, body...), false
	}
}

// decodedSize estimates the decoded size of a body without decoding it.
func decodedSize(body []byte, cte string) int {
	if strings.EqualFold(strings.TrimSpace(cte), "base64") {
		n := 0
		for _, c := range body {
			if c > ' ' && c != '=' {
				n++
			}
		}
		return n * 3 / 4
	}
	return len(body)
}

var b64index = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// appendBase64 decodes base64 leniently: white space and stray characters
// are skipped, decoding stops at the first '=' padding.
func appendBase64(dst, src []byte) []byte {
	if n := base64.StdEncoding.DecodedLen(len(src)); cap(dst)-len(dst) < n {
		grown := make([]byte, len(dst), len(dst)+n)
		copy(grown, dst)
		dst = grown
	}
	var acc uint32
	bits := 0
	for _, c := range src {
		if c == '=' {
			break
		}
		v := b64index[c]
		if v == 0xff {
			continue
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			dst = append(dst, byte(acc>>uint(bits)))
		}
	}
	return dst
}

// appendQP decodes quoted-printable leniently.
func appendQP(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '=' {
			dst = append(dst, c)
			continue
		}
		// soft line break: '=' then optional white space then a line end
		j := i + 1
		for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
		if j < len(src) && (src[j] == '\r' || src[j] == '\n') {
			if src[j] == '\r' && j+1 < len(src) && src[j+1] == '\n' {
				j++
			}
			i = j
			continue
		}
		if j == len(src) {
			return dst
		}
		if i+2 < len(src) {
			h, ok1 := unhex(src[i+1])
			l, ok2 := unhex(src[i+2])
			if ok1 && ok2 {
				dst = append(dst, h<<4|l)
				i += 2
				continue
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
