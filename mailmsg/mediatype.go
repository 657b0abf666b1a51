package mailmsg

import (
	"mime"
	"strings"
)

// mediaParams are the parameters of a Content-Type or Content-Disposition
// value that the walker reads.
type mediaParams struct {
	charset, name, boundary, filename string
}

func paramsOf(m map[string]string) mediaParams {
	return mediaParams{charset: m["charset"], name: m["name"], boundary: m["boundary"], filename: m["filename"]}
}

// set records the value of a parameter named by ASCII key, in any case.
func (p *mediaParams) set(key, value string) {
	switch {
	case strings.EqualFold(key, "charset"):
		p.charset = value
	case strings.EqualFold(key, "name"):
		p.name = value
	case strings.EqualFold(key, "boundary"):
		p.boundary = value
	case strings.EqualFold(key, "filename"):
		p.filename = value
	}
}

// parseMediaType is mime.ParseMediaType for the parameters the walker
// reads. The common simple values ("text/plain; charset=us-ascii",
// `attachment; filename="a.pdf"`) are read without the map and the copies
// mime.ParseMediaType makes; anything else goes to it.
// FuzzDiffMediaType checks that both give the same.
func parseMediaType(v string) (string, mediaParams, error) {
	if t, p, ok := parseSimpleMediaType(v); ok {
		return t, p, nil
	}
	t, m, err := mime.ParseMediaType(v)
	return t, paramsOf(m), err
}

// maxSimpleParams bounds the parameters parseSimpleMediaType reads (it
// compares each name with those before it).
const maxSimpleParams = 8

// parseSimpleMediaType parses v when it is ASCII, a type (or type/subtype)
// token and parameters of token names (without RFC 2231's '*') and token
// or quoted values (without escapes or line breaks), each name once, with
// white space between them and maybe a ';' at the end: exactly what
// mime.ParseMediaType gives for it. ok is false for anything else.
func parseSimpleMediaType(v string) (mediatype string, p mediaParams, ok bool) {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return "", p, false // non-ASCII white space is white space to mime
		}
	}
	base, _, _ := strings.Cut(v, ";")
	rest := v[len(base):] // from the ';', if any
	t := trimASCIISpace(base)
	typ, after := cutToken(t)
	if typ == "" {
		return "", p, false
	}
	if after != "" {
		if after[0] != '/' {
			return "", p, false
		}
		sub, end := cutToken(after[1:])
		if sub == "" || end != "" {
			return "", p, false
		}
	}
	mediatype = strings.ToLower(t)
	var keys [maxSimpleParams]string
	n := 0
	for {
		rest = trimLeftASCIISpace(rest)
		if rest == "" {
			return mediatype, p, true
		}
		if rest[0] != ';' {
			return "", p, false
		}
		rest = trimLeftASCIISpace(rest[1:])
		if rest == "" {
			return mediatype, p, true // a ';' at the end
		}
		key, r := cutToken(rest)
		if key == "" || strings.IndexByte(key, '*') >= 0 || n == len(keys) {
			return "", p, false
		}
		for _, k := range keys[:n] {
			if strings.EqualFold(k, key) {
				return "", p, false // a repeated name: an error, or not, by its value
			}
		}
		keys[n] = key
		n++
		r = trimLeftASCIISpace(r)
		if r == "" || r[0] != '=' {
			return "", p, false
		}
		r = trimLeftASCIISpace(r[1:])
		var value string
		if r != "" && r[0] == '"' {
			end := strings.IndexAny(r[1:], "\"\\\r\n")
			if end < 0 || r[1+end] != '"' {
				return "", p, false
			}
			value, rest = r[1:1+end], r[2+end:]
		} else {
			value, rest = cutToken(r)
			if value == "" {
				return "", p, false
			}
		}
		p.set(key, value)
	}
}

// cutToken splits s after its leading RFC 2045 token characters.
func cutToken(s string) (token, rest string) {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

// isTokenChar reports whether c may stand in an RFC 2045 token: ASCII,
// not a control, space or tspecial.
func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte(`()<>@,;:\"/[]?=`, c) < 0
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func trimLeftASCIISpace(s string) string {
	for len(s) > 0 && isASCIISpace(s[0]) {
		s = s[1:]
	}
	return s
}

func trimASCIISpace(s string) string {
	s = trimLeftASCIISpace(s)
	for len(s) > 0 && isASCIISpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
