package spam

import (
	"fmt"
	"strings"
)

// featureKinds name every feature kind (the prefix before the first ':')
// as a reader understands it; %s is the feature's value.
var featureKinds = map[string]string{
	"s":        "subject word %q",
	"b":        "text word %q",
	"h":        "header %s",
	"hn":       "has a %s header",
	"fn":       "sender name word %q",
	"fd":       "sender domain %s",
	"fl":       "sender address shape %s",
	"rd":       "Reply-To domain %s",
	"sd":       "Sender domain %s",
	"td":       "To domain %s",
	"nto":      "To recipients: %s",
	"ncc":      "Cc recipients: %s",
	"mid":      "Message-ID domain %s",
	"mids":     "Message-ID shape %s",
	"date":     "Date header %s",
	"dates":    "Date header shape %s",
	"tz":       "time zone %s",
	"cst":      "MIME structure %s",
	"np":       "MIME parts: %s",
	"ct":       "a %s part",
	"cs":       "charset %s",
	"ce":       "transfer encoding %s",
	"cd":       "content disposition %s",
	"at":       "a %s attachment",
	"ax":       "an attachment of type .%s",
	"nurl":     "links: %s",
	"u":        "a link to %s",
	"ud":       "a link to the domain %s",
	"mailto":   "a mailto: link %s",
	"p":        "mail problem: %s",
	"len":      "text length class %s",
	"html":     "HTML: %s",
	"subjcaps": "subject capitals: %s",
	"tcaps":    "text capitals: %s",
	"texcl":    "exclamation marks: %s",
	"tdollar":  "money signs: %s",
	"rcv":      "sending server: %s",
	"rcvn":     "relays after the sender: %s",
	"rcvf":     "sending server's domain %s",
	"rcvp":     "sent with %s",
	"rcvw":     "sending server word %q",
	"sig":      "%s",
}

// signalNames describe every named signal (see signalPriors).
var signalNames = map[string]string{
	"auth-dmarc-pass":           "sender authenticated (DMARC pass)",
	"auth-dmarc-fail":           "sender authentication failed (DMARC fail)",
	"auth-dmarc-none":           "the sender's domain publishes no DMARC policy",
	"auth-dkim-pass":            "DKIM signature valid",
	"auth-dkim-fail":            "DKIM signature invalid",
	"auth-dkim-none":            "not DKIM-signed",
	"auth-dkim-aligned":         "DKIM signed by the From domain",
	"auth-dkim-unaligned":       "DKIM signed by another domain than From",
	"auth-spf-pass":             "SPF pass",
	"auth-spf-fail":             "SPF fail",
	"auth-spf-softfail":         "SPF softfail",
	"auth-spf-none":             "no SPF record",
	"auth-from-unauthenticated": "the From domain is not authenticated",
	"phish-brand-name":          "phishing sign: a brand's name with another domain",
	"phish-name-address":        "phishing sign: the display name holds an address of another domain",
	"phish-link-mismatch":       "phishing sign: link text shows one domain, the link goes to another",
	"phish-url-ip":              "phishing sign: a link to an IP address",
	"phish-url-punycode":        "phishing sign: a link to a punycode (xn--) host",
	"phish-url-mixed-script":    "phishing sign: a link host mixing alphabets",
	"phish-url-shortener":       "a link through a URL shortener",
	"phish-html-form":           "phishing sign: an HTML form",
	"phish-password-field":      "phishing sign: a password field",
	"phish-attach-exec":         "an executable attachment",
	"phish-attach-macro":        "an office attachment with macros",
	"phish-attach-archive":      "an archive attachment",
	"phish-reply-to-other":      "replies go to another domain than the sender's",
	"phish-reply-to-free":       "replies go to a free-mail address",
}

// stageSignals are reasons the stage adds, not the model: described, but
// without a prior.
var stageSignals = map[string]string{
	"addresses-an-assistant": "text aimed at an AI assistant (no second opinion asked)",
}

// receivedNames describe the rcv: features of the first external hop.
var receivedNames = map[string]string{
	"none":         "no sending server recorded (sent from inside, or no Received header)",
	"nordns":       "the sending server has no reverse DNS name",
	"helo-differs": "the sending server introduced itself under another name",
	"helo-ip":      "the sending server introduced itself with a bare IP address",
	"helo-bare":    "the sending server introduced itself with a single-label name",
}

// Describe turns a feature as a Reason names it ("b:our", "tz:+0100",
// "sig:phish-url-ip") into words a user understands ("text word "our"",
// "time zone +0100", "phishing sign: a link to an IP address"). An
// unknown kind is returned as it is.
func Describe(feature string) string {
	kind, value, ok := strings.Cut(feature, ":")
	if !ok {
		return feature
	}
	if kind == "sig" {
		if name, ok := signalNames[value]; ok {
			return name
		}
		if name, ok := stageSignals[value]; ok {
			return name
		}
		return "signal " + value
	}
	if kind == "rcv" {
		if s, ok := receivedNames[value]; ok {
			return s
		}
	}
	if kind == "h" { // h:<header>:<word>
		if name, word, ok := strings.Cut(value, ":"); ok {
			return fmt.Sprintf("%s header word %q", name, word)
		}
	}
	format, ok := featureKinds[kind]
	if !ok {
		return feature
	}
	return fmt.Sprintf(format, value)
}
