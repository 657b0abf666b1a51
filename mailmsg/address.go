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
	Name string // display name, decoded; may be empty
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
func ParseAddressList(v string) (addrs []Address, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	if list, err := addressParser.ParseList(v); err == nil {
		addrs = make([]Address, 0, len(list))
		for _, a := range list {
			addrs = append(addrs, Address{Name: a.Name, Addr: a.Address})
		}
		return addrs, true
	}
	return scanAddresses(v), false
}

// scanAddresses finds every local@domain in s, taking the text before an
// angle-bracketed address (up to the previous comma) as its name.
func scanAddresses(s string) []Address {
	var addrs []Address
	prevEnd := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '@' {
			continue
		}
		start := i
		for start > 0 && isAddrByte(s[start-1]) {
			start--
		}
		end := i + 1
		for end < len(s) && isDomainByte(s[end]) {
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
