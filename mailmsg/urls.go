package mailmsg

import (
	"bytes"
	"net/url"
	"strings"
	"unsafe"
)

// maxURLs bounds how many URLs one message reports.
const maxURLs = 500

// addURL appends u unless it is empty, already listed or the list is full.
func addURL(urls *[]string, u string) {
	if u == "" || len(*urls) >= maxURLs || len(u) > 2048 {
		return
	}
	for _, have := range *urls {
		if have == u {
			return
		}
	}
	*urls = append(*urls, u)
}

// addURLBytes is addURL(urls, scheme+string(u)), copying u only when it
// is added.
func addURLBytes(urls *[]string, scheme string, u []byte) {
	n := len(scheme) + len(u)
	if n == 0 || len(*urls) >= maxURLs || n > 2048 {
		return
	}
	for _, have := range *urls {
		if len(have) == n && have[:len(scheme)] == scheme && have[len(scheme):] == string(u) {
			return
		}
	}
	*urls = append(*urls, scheme+string(u))
}

// findURLs appends the URLs written in plain text: anything with a scheme
// ("http://", "https://", "ftp://") and bare "www." host names.
func findURLs(text []byte, urls *[]string) {
	for off := 0; off < len(text); {
		i := bytes.Index(text[off:], []byte("://"))
		if i < 0 {
			break
		}
		i += off
		start := i
		for start > 0 && start > i-10 && isSchemeByte(text[start-1]) {
			start--
		}
		end := urlEnd(text, i+3)
		if start < i && end > i+3 {
			addURLBytes(urls, "", trimURL(text[start:end]))
		}
		off = end
		if off <= i {
			off = i + 3
		}
	}
	for off := 0; off < len(text); {
		i := indexFold(text[off:], "www.")
		if i < 0 {
			break
		}
		i += off
		end := urlEnd(text, i)
		if (i == 0 || !isURLByte(text[i-1])) && end > i+4 {
			addURLBytes(urls, "http://", trimURL(text[i:end]))
		}
		off = end
		if off <= i {
			off = i + 4
		}
	}
}

// indexFold returns the index of the ASCII lower-case string s (which
// starts with a letter) in b, ignoring ASCII case, or -1.
func indexFold(b []byte, s string) int {
	lower, upper := s[0], s[0]-('a'-'A')
	for off := 0; off+len(s) <= len(b); {
		i := bytes.IndexByte(b[off:], lower)
		if j := bytes.IndexByte(b[off:], upper); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			return -1
		}
		i += off
		if i+len(s) <= len(b) && strings.EqualFold(unsafe.String(&b[i], len(s)), s) {
			return i
		}
		off = i + 1
	}
	return -1
}

func urlEnd(b []byte, i int) int {
	for i < len(b) && isURLByte(b[i]) {
		i++
	}
	return i
}

func isSchemeByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' && c != '{' && c != '}' && c != '|' && c != '\\' && c != '^'
}

// trimURL drops punctuation that ends a sentence rather than the URL.
func trimURL(b []byte) []byte {
	return bytes.TrimRight(b, ".,;:!?)]")
}

// URLHost returns the lower-cased host name of a URL as found in a message
// ("http://Example.COM:80/x" gives "example.com"), tolerating missing
// schemes and junk; "" when there is none.
func URLHost(u string) string {
	s := u
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else if strings.HasPrefix(strings.ToLower(s), "mailto:") {
		return ""
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return strings.ToLower(s[1:i])
		}
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	if strings.IndexByte(s, '%') >= 0 {
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
	}
	return strings.TrimRight(strings.ToLower(s), ".")
}
