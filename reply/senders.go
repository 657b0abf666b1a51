package reply

import "strings"

// Senders are the reply section's skip_senders and only_senders for one
// account: addresses (boss@example.com), domains (@example.com, with
// their subdomains) and patterns with * (any run of characters).
type Senders struct {
	Skip []string
	Only []string
}

// Allows reports whether mail from addr may get suggestions, and when
// not, the entry (or "only_senders") that says so.
func (s Senders) Allows(addr string) (bool, string) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	for _, e := range s.Skip {
		if senderMatch(e, addr) {
			return false, "skip_senders " + e
		}
	}
	if len(s.Only) == 0 {
		return true, ""
	}
	for _, e := range s.Only {
		if senderMatch(e, addr) {
			return true, ""
		}
	}
	return false, "not in only_senders"
}

// senderMatch reports whether the address addr (lower case) matches the
// entry e.
func senderMatch(e, addr string) bool {
	e = strings.ToLower(strings.TrimSpace(e))
	switch {
	case strings.Contains(e, "*"):
		return glob(e, addr)
	case strings.HasPrefix(e, "@"):
		_, domain, ok := strings.Cut(addr, "@")
		return ok && (domain == e[1:] || strings.HasSuffix(domain, "."+e[1:]))
	default:
		return e == addr
	}
}

// glob matches s against a pattern in which * stands for any run of
// characters (none included) and every other character for itself.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(parts) > 1 && strings.HasSuffix(s, last) || len(parts) == 1 && s == ""
}

// validSender reports whether e is an address, a domain or a pattern.
func validSender(e string) bool {
	if e == "" || strings.ContainsAny(e, " \t<>,;\"") {
		return false
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	if strings.Contains(e, "*") {
		return true
	}
	return strings.Contains(domain, ".") || local == ""
}
