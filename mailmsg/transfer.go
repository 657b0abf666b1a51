package mailmsg

import (
	"bytes"
	"encoding/base64"
	"slices"
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

// appendQP decodes quoted-printable leniently. As RFC 2045 6.7(3) asks,
// white space at the end of an encoded line (spaces, tabs, stray CRs) is
// deleted: transport may have added it. Escaped white space ("=20") and
// white space before a soft line break stay. Lines end at LF, as in
// mime/quotedprintable; a lone CR ends none.
func appendQP(dst, src []byte) []byte {
	// No line decodes to more bytes than it has (with its line end), so
	// dst is grown once and written by index: the inner loop makes no
	// calls, and nothing is spilled around them.
	n := len(dst)
	out := slices.Grow(dst, len(src))[:n+len(src)]
	for len(src) > 0 {
		line := src
		lf := bytes.IndexByte(src, '\n')
		if lf >= 0 {
			line, src = src[:lf], src[lf+1:]
		} else {
			src = nil
		}
		keep := n // white space after out[keep] is the line's own, not escaped
		soft := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c != '=' {
				out[n] = c
				n++
				continue
			}
			if i+2 < len(line) {
				if h, l := qpHex[line[i+1]], qpHex[line[i+2]]; h|l < 0x10 {
					out[n] = h<<4 | l
					n++
					i += 2
					keep = n
					continue
				}
			}
			// soft line break: '=' then optional white space then the line
			// end (LF or CRLF), or the end of the input
			j := i + 1
			for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			if j == len(line) || lf >= 0 && j == len(line)-1 && line[j] == '\r' {
				soft = true
				break
			}
			out[n] = c // an '=' that starts no escape is kept
			n++
		}
		if soft {
			continue
		}
		n = trimQPSpace(out, keep, n)
		if lf >= 0 {
			if lf > 0 && line[lf-1] == '\r' {
				out[n] = '\r'
				n++
			}
			out[n] = '\n'
			n++
		}
	}
	return out[:n]
}

// trimQPSpace returns the length of out[:n] without the spaces, tabs and
// CRs at its end, going back no further than keep.
func trimQPSpace(out []byte, keep, n int) int {
	for n > keep && (out[n-1] == ' ' || out[n-1] == '\t' || out[n-1] == '\r') {
		n--
	}
	return n
}

// qpHex maps hexadecimal digits, either case, to their values, and every
// other byte to 0xff.
var qpHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range 16 {
		t["0123456789ABCDEF"[i]] = byte(i)
		t["0123456789abcdef"[i]] = byte(i)
	}
	return t
}()
