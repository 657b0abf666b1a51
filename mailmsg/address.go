package mailmsg

import (
	"net/mail"
	"strings"
)

// addressParser decodes encoded words in display names with the same
// charset tables as the rest of the package (go-message's).
var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// Address is a mailbox: an optional display name and an addr-spec.
type Address struct {
	Name string // display name, decoded to valid UTF-8; may be empty
	Addr string // local@domain as written (domain not case-folded)
}

// Domain returns the part of Addr after the last '@', lower-cased, or "".
func (a Address) Domain() string {
	i := strings.LastIndexByte(a.Addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.Trim(a.Addr[i+1:], " .>"))
}

// String formats the address for display: "Name <addr>" or "addr".
func (a Address) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return a.Name + " <" + a.Addr + ">"
}

// ParseAddressList parses an address list header value (decoded or not). It
// first tries a strict RFC 5322 parse; when that fails it falls back to
// picking out everything that looks like local@domain, with the display
// name in front of it where one can be seen. It never fails; ok is false when
// the fallback was used.
//
// As in RFC 5322 (and net/mail), only space and tab are white space: other
// control characters make a list malformed, and non-ASCII spaces such as
// U+00A0 are kept, in names and in addresses alike. Names are valid UTF-8:
// invalid sequences, as an encoded word may hold, become U+FFFD.
func ParseAddressList(v string) (addrs []Address, ok bool) {
	v = trimWSP(v)
	if v == "" {
		return nil, true
	}
	if addrs, ok := parseSimpleList(v); ok {
		return addrs, true
	}
	if list, err := addressParser.ParseList(v); err == nil {
		addrs = make([]Address, 0, len(list))
		for _, a := range list {
			addrs = append(addrs, Address{Name: validUTF8(a.Name), Addr: a.Address})
		}
		return addrs, true
	}
	addrs = scanAddresses(v)
	for i := range addrs {
		addrs[i].Name = validUTF8(addrs[i].Name)
	}
	return addrs, false
}

// trimWSP trims RFC 5234 white space (space and tab), and nothing else,
// from both ends of s.
func trimWSP(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseSimpleList parses the common simple forms ("a@b.c", "Name
// <a@b.c>", comma-separated) without net/mail's allocations. ok is false
// for anything else (quotes, comments, groups, encoded words, odd
// characters), which goes to the full parser.
func parseSimpleList(v string) (addrs []Address, ok bool) {
	addrs = make([]Address, 0, strings.Count(v, ",")+1)
	for item := range strings.SplitSeq(v, ",") {
		item = trimWSP(item)
		var a Address
		if i := strings.IndexByte(item, '<'); i >= 0 {
			if !strings.HasSuffix(item, ">") {
				return nil, false
			}
			a.Name = trimWSP(item[:i])
			if n := len(a.Name); n >= 2 && a.Name[0] == '"' && a.Name[n-1] == '"' {
				a.Name = a.Name[1 : n-1] // a quoted name: only plain text is taken below
				if a.Name == "" || a.Name[0] == ' ' || a.Name[len(a.Name)-1] == ' ' {
					return nil, false
				}
			}
			a.Addr = item[i+1 : len(item)-1]
			for j := 0; j < len(a.Name); j++ {
				if c := a.Name[j]; !(isAtext(c) || c == ' ') {
					return nil, false
				}
			}
			if strings.Contains(a.Name, "  ") || strings.Contains(a.Name, "=?") {
				return nil, false // net/mail would collapse it
			}
		} else {
			a.Addr = item
		}
		if !simpleAddrSpec(a.Addr) {
			return nil, false
		}
		addrs = append(addrs, a)
	}
	return addrs, len(addrs) > 0
}

// simpleAddrSpec reports whether s is local@domain with a dot-atom local
// part and a plain host name.
func simpleAddrSpec(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") ||
		domain[0] == '.' || domain[len(domain)-1] == '.' || strings.Contains(domain, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; !isAtext(c) && c != '.' {
			return false
		}
	}
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// isAtext reports whether c is an RFC 5322 atext character (ASCII only).
func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// scanAddresses finds every local@domain in s, taking the text before an
// angle-bracketed address (up to the previous comma) as its name. What
// stands in encoded words and quoted strings is display-name text, never
// an address ("=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?= <eve@x>" is
// one address), unless nothing else in s looks like one.
func scanAddresses(s string) []Address {
	if addrs := scanMasked(s, maskDisplayText(s)); len(addrs) > 0 {
		return addrs
	}
	return scanMasked(s, s)
}

// maskDisplayText returns s with the insides of encoded words and quoted
// strings replaced by spaces, so that positions still match s.
func maskDisplayText(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' && j+1 < len(b) {
					b[j] = ' '
					j++
				}
				b[j] = ' '
				j++
			}
			i = j
		case b[i] == '=' && i+1 < len(b) && b[i+1] == '?':
			end := strings.Index(s[i+2:], "?=")
			if end < 0 {
				continue
			}
			end += i + 2
			for j := i; j < end+2; j++ {
				b[j] = ' '
			}
			i = end + 1
		}
	}
	return string(b)
}

// scanMasked finds the addresses of masked, a copy of s with the same
// positions, taking names from s.
func scanMasked(s, masked string) []Address {
	var addrs []Address
	prevEnd := 0
	for i := 0; i < len(masked); i++ {
		if masked[i] != '@' {
			continue
		}
		start := i
		for start > 0 && isAddrByte(masked[start-1]) {
			start--
		}
		end := i + 1
		for end < len(masked) && isDomainByte(masked[end]) {
			end++
		}
		if start == i || end == i+1 {
			continue
		}
		addr := strings.Trim(s[start:end], ".")
		name := ""
		if start > 0 && s[start-1] == '<' {
			name = s[prevEnd : start-1]
			if c := strings.LastIndexAny(name, ",;>"); c >= 0 {
				name = name[c+1:]
			}
			// A guessed name (the list is malformed anyway) loses any
			// white space at its ends, control characters included.
			name = strings.Trim(strings.TrimSpace(name), `"'`)
		}
		addrs = append(addrs, Address{Name: name, Addr: addr})
		prevEnd = end
		i = end - 1
	}
	return addrs
}

func isAddrByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte(".!#$%&'*+-/=?^_`{|}~", c) >= 0 || c >= 0x80
}

func isDomainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == ':' || c >= 0x80
}
