package spam

import (
	"fmt"
	"strings"

	"mailassist/setting"
)

// Lists are the user's allow and block lists: addresses
// (boss@example.com) and domains (@example.com, which also covers its
// subdomains). They are honoured only for mail whose From domain is
// authenticated (Auth.Authenticated): anyone can write any From.
type Lists struct {
	Allow []string `yaml:"allow"`
	Block []string `yaml:"block"`
}

// ListMatch is what the lists say of a sender.
type ListMatch int

// Results of Lists.Match.
const (
	Unlisted ListMatch = iota
	Allowed
	Blocked
)

// Match says whether addr is allowed or blocked. An address entry beats a
// domain entry, a longer domain a shorter one, and block beats allow at
// the same level.
func (l Lists) Match(addr string) ListMatch {
	addr = strings.ToLower(strings.TrimSpace(addr))
	_, domain, ok := strings.Cut(addr, "@")
	if !ok || addr == "" {
		return Unlisted
	}
	best, bestLen := Unlisted, -1
	try := func(entries []string, res ListMatch) {
		for _, e := range entries {
			e = strings.ToLower(strings.TrimSpace(e))
			n := -1
			switch {
			case !strings.HasPrefix(e, "@"):
				if e == addr {
					n = 1 << 20 // an address beats any domain
				}
			case domain == e[1:] || strings.HasSuffix(domain, "."+e[1:]):
				n = len(e)
			}
			if n > bestLen || n == bestLen && res == Blocked && n >= 0 {
				best, bestLen = res, n
			}
		}
	}
	try(l.Allow, Allowed)
	try(l.Block, Blocked)
	if bestLen < 0 {
		return Unlisted
	}
	return best
}

// validate reports entries that are neither an address nor an @domain.
func (l Lists) validate(p setting.Problems) {
	for name, entries := range map[string][]string{"allow": l.Allow, "block": l.Block} {
		for i, e := range entries {
			local, domain, ok := strings.Cut(e, "@")
			if !ok || domain == "" || strings.ContainsAny(e, " \t<>,;") || strings.Contains(domain, "@") || !strings.Contains(domain, ".") && local != "" {
				p.Add(fmt.Sprintf("%s[%d]", name, i), "%q is not an address (user@example.com) or a domain (@example.com)", e)
			}
		}
	}
}

// ListsFor returns the lists of an account: the section's own, plus the
// account's entries under accounts.
func (c *Config) ListsFor(account string) Lists {
	l := Lists{Allow: c.Allow, Block: c.Block}
	if a, ok := c.PerAccount[account]; ok {
		l.Allow = append(append([]string(nil), l.Allow...), a.Allow...)
		l.Block = append(append([]string(nil), l.Block...), a.Block...)
	}
	return l
}
