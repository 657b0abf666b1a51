package spam

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"

	"mailassist/mailmsg"
)

// Mailbox describes the receiving side of the mailbox a message was
// delivered to, so that the features describe the message and not the
// mailbox: the Received hops of the user's own provider are the same for
// every message, and only the first hop that came from outside says
// something about the sender. The zero value relies on the heuristics of
// firstExternalHop alone.
type Mailbox struct {
	// ReceivingDomains are registered domains of the hosts of the
	// receiving side (the provider's MX and internal relays, a fetchmail
	// host): hops from them are internal. Lower-case.
	ReceivingDomains []string
	// AuthservIDs are the authserv-ids of the Authentication-Results
	// fields to trust. Empty: trust the topmost one that the receiving
	// side added (see trustedAuthResults).
	AuthservIDs []string
	// IgnoreHeaders are more header fields to strip before featurizing:
	// names, or prefixes ending in "*" ("X-Acme-Scan-*").
	IgnoreHeaders []string
}

// Context is what the caller knows of a message beyond its bytes: the
// mailbox it was delivered to and, when they were verified, its DKIM
// signatures. The zero value knows nothing more.
type Context struct {
	Mailbox *Mailbox
	// DKIM is the verification of the message's DKIM signatures
	// (VerifyDKIM); nil when they were not verified.
	DKIM []DKIMVerification
}

// hop is one Received field, parsed when the walk reaches it.
type hop struct {
	field  int    // index in the header's fields
	raw    string // the field's value; it aliases the message
	parsed bool
	from   string // the host name the sender gave (HELO) or the server saw, lower-case
	rdns   string // the reverse DNS name in the comment, lower-case
	ip     netip.Addr
	by     string // the receiving host, lower-case
	with   string // the protocol, lower-case ("esmtp", "pop3")
	text   string // the field up to " by " (the sending side's part)
}

// parse reads the parts of the Received field that the features use
// (once). The strings it keeps may alias buf, which it appends to: they
// are good until buf is reset.
func (h *hop) parse(buf *[]byte) {
	if h.parsed {
		return
	}
	h.parsed = true
	v := h.raw
	ascii, folded, upper := scanReceived(v)
	var lower string
	if ascii && (folded || upper) {
		// One copy, unfolded and lower-cased in place: v is read only
		// through h.text, whose words are lower-cased anyway (and for
		// ASCII, lower-casing keeps every offset).
		start := len(*buf)
		if folded {
			*buf = appendUnfolded(*buf, v)
		} else {
			*buf = append(*buf, v...)
		}
		b := (*buf)[start:]
		for i, c := range b {
			b[i] = foldByte(c)
		}
		v = unsafeString(b)
		lower = v
	} else {
		if folded {
			start := len(*buf)
			*buf = appendUnfolded(*buf, v)
			v = unsafeString((*buf)[start:])
		}
		lower = lowerInto(buf, v)
	}
	fromPart := lower
	if i := strings.Index(lower, " by "); i >= 0 {
		fromPart = lower[:i]
		h.by = fieldWord(lower[i:], "by ")
	} else if strings.HasPrefix(lower, "by ") {
		fromPart = ""
		h.by = fieldWord(lower, "by ")
	}
	h.text = v[:len(fromPart)]
	if strings.HasPrefix(fromPart, "from ") {
		h.from = fieldWord(fromPart, "from ")
		// "(rdns.example.com [1.2.3.4])", "(HELO x) (1.2.3.4)", "([1.2.3.4] helo=x)"
		if i := strings.IndexByte(fromPart, '('); i >= 0 {
			c := strings.TrimLeft(fromPart[i+1:], " ")
			if w, _, _ := strings.Cut(c, " "); w != "" && w[0] != '[' && !strings.HasPrefix(w, "helo") &&
				!strings.HasPrefix(w, "ident") && strings.Contains(w, ".") && !strings.ContainsAny(w, "@[]") {
				h.rdns = strings.TrimRight(w, ")")
			}
		}
		h.ip = firstIP(fromPart)
	}
	if i := strings.Index(lower, " with "); i >= 0 {
		h.with = fieldWord(lower[i:], "with ")
	}
}

// scanReceived reports whether s is ASCII, has the line breaks or tabs of
// a folded field, and has upper-case letters.
func scanReceived(s string) (ascii, folded, upper bool) {
	var seen uint8
	for i := 0; i < len(s); i++ {
		seen |= receivedClass[s[i]]
	}
	return seen&4 == 0, seen&2 != 0, seen&1 != 0
}

// receivedClass marks upper-case letters 1, CR, LF and tab 2, and bytes
// beyond ASCII 4.
var receivedClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 1
	}
	t['\r'], t['\n'], t['\t'] = 2, 2, 2
	for c := 0x80; c < 0x100; c++ {
		t[c] = 4
	}
	return t
}()

// appendUnfolded appends s with its white space runs (unicode.IsSpace)
// as single spaces and none at the ends:
// strings.Join(strings.Fields(s), " ") without allocating.
func appendUnfolded(b []byte, s string) []byte {
	start := len(b)
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiSpace[c] {
				space = true
				i++
				continue
			}
			j := i + 1 // a run of ASCII that is not space, copied at once
			for j < len(s) && s[j] < utf8.RuneSelf && !asciiSpace[s[j]] {
				j++
			}
			if space && len(b) > start {
				b = append(b, ' ')
			}
			space = false
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			space = true
		} else {
			if space && len(b) > start {
				b = append(b, ' ')
			}
			space = false
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// lowerInto returns strings.ToLower(s), appending to *buf instead of
// allocating when s is ASCII.
func lowerInto(buf *[]byte, s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s
	}
	start := len(*buf)
	*buf = append(*buf, s...)
	b := (*buf)[start:]
	for i, c := range b {
		b[i] = foldByte(c)
	}
	return unsafeString(b)
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// firstIP returns the first IP address in brackets or parentheses.
func firstIP(s string) netip.Addr {
	for i := 0; i < len(s); i++ {
		if s[i] != '[' && s[i] != '(' {
			continue
		}
		j := i + 1
		for j < len(s) && (isHexDigit(s[j]) || s[j] == '.' || s[j] == ':') {
			j++
		}
		cand := strings.TrimPrefix(s[i+1:j], "ipv6:")
		if len(cand) < 2 || !strings.ContainsAny(cand, ".:") || !maybeIPv4(cand) {
			continue // not an address: spare ParseAddr's error
		}
		if a, err := netip.ParseAddr(cand); err == nil {
			return a
		}
	}
	return netip.Addr{}
}

// maybeIPv4 is false for a candidate that netip.ParseAddr would read as
// IPv4 (a '.' before any ':') and reject for not being four decimal
// fields; true for the rest.
func maybeIPv4(s string) bool {
	i := strings.IndexAny(s, ".:")
	if i < 0 || s[i] == ':' {
		return true // IPv6, or nothing ParseAddr takes: it decides
	}
	dots := 0
	for j := 0; j < len(s); j++ {
		switch c := s[j]; {
		case c == '.':
			dots++
		case c < '0' || c > '9':
			return false
		}
	}
	return dots == 3
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// internalProtocols are hops inside the receiving side: fetching from the
// provider, local delivery.
var internalProtocols = map[string]bool{
	"pop3": true, "imap": true, "lmtp": true, "local": true, "lmtpa": true, "lmtps": true,
	"imap4": true, "pop": true,
}

// receivingSide tracks the domains known to belong to the receiving side
// while the Received chain is walked from the top.
type receivingSide struct {
	domains [8]string
	n       int
	config  []string
}

func (r *receivingSide) add(d string) {
	if d == "" || r.has(d) || r.n == len(r.domains) {
		return
	}
	r.domains[r.n] = d
	r.n++
}

func (r *receivingSide) has(d string) bool {
	if d == "" {
		return false
	}
	for _, k := range r.domains[:r.n] {
		if k == d {
			return true
		}
	}
	for _, k := range r.config {
		if k == d {
			return true
		}
	}
	return false
}

// firstExternalHop walks the Received fields from the top (the newest,
// added last by the receiving side) and returns the index, among rs, of
// the first hop whose sending host is outside the receiving side: the
// hop at which the user's provider received the message from the
// outside. A hop is internal when its sender is a loopback or private
// address or a host without a domain, when it fetched or delivered
// locally (POP3, IMAP, LMTP), or when its sender's domain belongs to the
// receiving side: the configured domains, the domain of the topmost
// hop's receiving host, and those of receiving hosts of internal hops.
// It returns -1 when every hop is internal.
func firstExternalHop(rs []hop, mb *Mailbox, buf *[]byte) int {
	side := receivingSide{}
	if mb != nil {
		side.config = mb.ReceivingDomains
	}
	for i := range rs {
		rs[i].parse(buf)
		h := &rs[i]
		if i == 0 {
			side.add(regDomain(h.by))
		}
		if internalProtocols[h.with] {
			side.add(regDomain(h.from))
			side.add(regDomain(h.rdns))
			continue
		}
		if h.internal(&side) {
			side.add(regDomain(h.by))
			continue
		}
		return i
	}
	return -1
}

// internal reports whether the hop's sender is inside the receiving side.
func (h *hop) internal(side *receivingSide) bool {
	if h.ip.IsValid() && (h.ip.IsLoopback() || h.ip.IsPrivate() || h.ip.IsLinkLocalUnicast()) {
		return true
	}
	if h.from == "" && !h.ip.IsValid() {
		return true // "by host with local" and the like
	}
	if h.from == "localhost" || h.rdns == "localhost" {
		return true
	}
	if side.has(regDomain(h.rdns)) || (h.rdns == "" && side.has(regDomain(h.from))) {
		return true
	}
	return !h.ip.IsValid() && !strings.Contains(h.from, ".")
}

// receivedHops returns the message's Received fields, newest first, up to
// maxHops (parsed as firstExternalHop reaches them).
func receivedHops(fields []mailmsg.Field, buf []hop) []hop {
	for i, fl := range fields {
		if fl.Name != "Received" {
			continue
		}
		if len(buf) == maxHops {
			break
		}
		buf = append(buf, hop{field: i, raw: unsafeString(fl.RawBytes())})
	}
	return buf
}

const maxHops = 30

// externalHop adds the features of the first external hop (see
// firstExternalHop): its sender's domain, whether it had reverse DNS,
// whether the HELO name was an address literal or a bare word, the
// protocol, and the words of its sending part (never of the receiving
// host, which is the same for every message of a mailbox); and the
// number of hops before it reached the receiving side. It returns the
// field index of that hop, or -1.
func (f *featurizer) externalHop(rs []hop, mb *Mailbox) int {
	i := firstExternalHop(rs, mb, &f.hopText)
	if i < 0 {
		f.addString("rcv:", "none")
		return -1
	}
	h := rs[i]
	f.addString("rcvn:", bucket(len(rs)-i-1))
	name := h.rdns
	if name == "" {
		name = h.from
	}
	f.addString("rcvf:", regDomain(name))
	switch {
	case h.rdns == "" && h.ip.IsValid():
		f.addString("rcv:", "nordns")
	case h.rdns != "" && h.from != "" && regDomain(h.rdns) != regDomain(h.from):
		f.addString("rcv:", "helo-differs")
	}
	switch {
	case strings.HasPrefix(h.from, "[") || isNumericHost(h.from):
		f.addString("rcv:", "helo-ip")
	case h.from != "" && !strings.Contains(h.from, "."):
		f.addString("rcv:", "helo-bare")
	}
	if h.with != "" {
		f.addString("rcvp:", h.with)
	}
	f.words(h.text, "rcvw:", false, 20)
	return h.field
}
