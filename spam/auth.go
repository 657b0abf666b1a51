package spam

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/publicsuffix"

	"mailassist/mailmsg"
)

// AuthResult is a sender-authentication result: "pass", "fail",
// "softfail", "neutral", "none", "temperror", "permerror", "policy", or
// "" when nothing was recorded.
type AuthResult string

// Auth is what is known of a message's sender authentication: the
// results the user's own provider recorded in its Authentication-Results
// field (the one field that is trusted; see trustedAuthResults), and the
// message's own DKIM signatures when they were verified
// (Config.VerifyDKIM).
type Auth struct {
	// Trusted is true when a trusted Authentication-Results field (or a
	// DKIM verification) was found: without it nothing is known.
	Trusted bool
	SPF     AuthResult
	DKIM    AuthResult // the best result over the signatures
	DMARC   AuthResult
	// SPFDomain is the domain SPF checked (smtp.mailfrom, or the HELO).
	SPFDomain string
	// DKIMDomains are the d= domains of the signatures that passed.
	DKIMDomains []string
	// FromDomain is the domain of the From address, lower-case.
	FromDomain string
}

// AlignedDKIM reports whether a passing DKIM signature's domain has the
// From domain's organizational domain (DMARC's relaxed alignment).
func (a *Auth) AlignedDKIM() bool {
	org := orgDomain(a.FromDomain)
	if org == "" {
		return false
	}
	for _, d := range a.DKIMDomains {
		if orgDomain(d) == org {
			return true
		}
	}
	return false
}

// AlignedSPF reports whether SPF passed for a domain aligned with From.
func (a *Auth) AlignedSPF() bool {
	return a.SPF == "pass" && a.FromDomain != "" && orgDomain(a.SPFDomain) == orgDomain(a.FromDomain)
}

// Authenticated reports whether the From domain is authenticated: DMARC
// passed, or DKIM or SPF passed for a domain aligned with From.
func (a *Auth) Authenticated() bool {
	return a.DMARC == "pass" || a.AlignedDKIM() || a.AlignedSPF()
}

// Failed reports whether the message fails sender authentication: DMARC
// failed; or, without a DMARC result, SPF failed (hard or soft) or a DKIM
// signature failed, and nothing aligned with From passed.
func (a *Auth) Failed() bool {
	if a.DMARC == "fail" {
		return true
	}
	if a.DMARC == "pass" || a.AlignedDKIM() || a.AlignedSPF() {
		return false
	}
	return a.SPF == "fail" || a.SPF == "softfail" || a.DKIM == "fail"
}

// orgDomain returns the organizational domain (the public suffix plus one
// label) of a domain, or the domain itself when it has none.
func orgDomain(d string) string {
	d = strings.ToLower(strings.Trim(d, ". "))
	if d == "" {
		return ""
	}
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return org
	}
	return d
}

// authFrom reads the sender authentication of a message: the trusted
// Authentication-Results fields (those above the first external hop,
// externalField; see trustedAuthResults) and, when dkim is not nil, the
// message's own DKIM verification, which then overrides the recorded
// DKIM result.
func authFrom(m *mailmsg.Message, externalField int, mb *Mailbox, dkim []DKIMVerification) Auth {
	var a Auth
	if len(m.From) > 0 {
		// a copy: the message's strings may be views of its raw bytes,
		// and a Result does not keep those
		a.FromDomain = strings.Clone(strings.ToLower(m.From[0].Domain()))
	}
	for _, v := range trustedAuthResults(m.Header.Fields(), externalField, mb) {
		_, results, _ := authres.Parse(v) // keep what parsed before an error
		a.Trusted = true
		for _, r := range results {
			a.add(r)
		}
	}
	if dkim != nil {
		a.Trusted = true
		a.DKIM, a.DKIMDomains = "", nil
		if len(dkim) == 0 {
			a.DKIM = "none"
		}
		for _, v := range dkim {
			if v.Result == "pass" {
				a.DKIMDomains = append(a.DKIMDomains, strings.ToLower(v.Domain))
			}
			a.DKIM = better(a.DKIM, v.Result)
		}
	}
	return a
}

func (a *Auth) add(r authres.Result) {
	switch r := r.(type) {
	case *authres.SPFResult:
		a.SPF = better(a.SPF, AuthResult(r.Value))
		if r.Value == authres.ResultPass || a.SPFDomain == "" {
			a.SPFDomain = domainOf(r.From)
			if a.SPFDomain == "" {
				a.SPFDomain = strings.ToLower(r.Helo)
			}
		}
	case *authres.DKIMResult:
		a.DKIM = better(a.DKIM, AuthResult(r.Value))
		if r.Value == authres.ResultPass {
			d := strings.ToLower(r.Domain)
			if d == "" {
				d = domainOf(r.Identifier)
			}
			if d != "" {
				a.DKIMDomains = append(a.DKIMDomains, d)
			}
		}
	case *authres.DMARCResult:
		a.DMARC = better(a.DMARC, AuthResult(r.Value))
	}
}

// domainOf returns the domain of an address or "@domain", lower-case.
func domainOf(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	return strings.ToLower(strings.Trim(s, "<> "))
}

// better returns the more favourable of two results for the sender: a
// pass anywhere is a pass (one good signature is enough).
func better(a, b AuthResult) AuthResult {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

func rank(r AuthResult) int {
	switch r {
	case "pass":
		return 6
	case "neutral", "policy":
		return 4
	case "none":
		return 3
	case "temperror", "permerror":
		return 2
	case "softfail":
		return 1
	case "fail", "hardfail":
		return 0
	}
	return -1
}

// trustedAuthResults returns the values of the Authentication-Results
// fields to trust. The rule: a field counts only when it lies above the
// first external Received hop (externalField, the index of that field;
// -1 when there is none), that is, when the receiving side added it — a
// sender can put any Authentication-Results in its message, but only
// below the Received field of the hop that took it in. Of those, with
// Mailbox.AuthservIDs set, every field whose authserv-id is listed
// counts; without it, only the topmost (the last one added, by the
// user's own provider).
func trustedAuthResults(fields []mailmsg.Field, externalField int, mb *Mailbox) []string {
	var ids []string
	if mb != nil {
		ids = mb.AuthservIDs
	}
	var out []string
	for i, fl := range fields {
		if externalField >= 0 && i > externalField {
			break
		}
		if fl.Name != "Authentication-Results" {
			continue
		}
		v := fl.Raw()
		if len(ids) == 0 {
			return []string{v}
		}
		id, _, _ := strings.Cut(strings.TrimSpace(v), ";")
		id, _, _ = strings.Cut(strings.TrimSpace(id), " ")
		for _, want := range ids {
			if strings.EqualFold(id, want) {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// authFeatures adds the authentication signals of a.
func (f *featurizer) authFeatures(a *Auth) {
	if !a.Trusted {
		return
	}
	if a.SPF != "" {
		f.signal("auth-spf-" + normResult(a.SPF))
	}
	if a.DKIM != "" {
		f.signal("auth-dkim-" + normResult(a.DKIM))
	}
	if a.DMARC != "" {
		f.signal("auth-dmarc-" + normResult(a.DMARC))
	}
	switch {
	case a.AlignedDKIM():
		f.signal("auth-dkim-aligned")
	case len(a.DKIMDomains) > 0:
		f.signal("auth-dkim-unaligned")
	}
	if !a.Authenticated() {
		f.signal("auth-from-unauthenticated")
	}
}

// normResult folds the rarer results into the common ones.
func normResult(r AuthResult) string {
	switch r {
	case "pass", "fail", "softfail", "none":
		return string(r)
	case "hardfail":
		return "fail"
	case "temperror", "permerror":
		return "error"
	}
	return "neutral"
}
