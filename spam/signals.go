package spam

// Signals are named features that stand for one well-understood fact of
// a message — its sender authentication, or a structure phishing uses —
// rather than a word. They differ from the other features in two ways:
//
//   - their weight is not scaled by the number of features of the
//     message, so a signal counts as much in a long message as in a short
//     one;
//   - they start from a prior weight (signalPriors, in log-odds of spam)
//     that training and online learning then adjust. A signal that the
//     training corpus never shows — the public corpus is from 2002–2003
//     and has no Authentication-Results, for one — keeps its prior.
//
// The priors are set by hand from what these signals mean, in the manner
// of SpamAssassin's rule scores, and kept moderate: no one signal makes an
// otherwise clean message spam. Every signal a message fires is listed by
// name in Result.Signals (and by `spam classify --explain`).

// signalPriors are the starting weights of the signals (log-odds).
var signalPriors = map[string]float32{
	// sender authentication, as the user's provider recorded it
	"auth-dmarc-pass":           -0.8,
	"auth-dmarc-fail":           2.5,
	"auth-dmarc-none":           0.2,
	"auth-dkim-pass":            -0.2,
	"auth-dkim-fail":            0.6,
	"auth-dkim-none":            0.2,
	"auth-dkim-aligned":         -0.6,
	"auth-dkim-unaligned":       0.1,
	"auth-spf-pass":             -0.2,
	"auth-spf-fail":             1.2,
	"auth-spf-softfail":         0.6,
	"auth-spf-none":             0.3,
	"auth-from-unauthenticated": 0.5,
	// phishing structure
	"phish-brand-name":       2.0, // display name of a brand, From another domain
	"phish-name-address":     1.0, // display name holds an address of another domain
	"phish-link-mismatch":    1.8, // link text shows one domain, href goes to another
	"phish-url-ip":           1.5, // a link to an IP literal
	"phish-url-punycode":     1.0, // an xn-- host
	"phish-url-mixed-script": 2.0, // a host label mixing scripts (Latin with Cyrillic...)
	"phish-url-shortener":    0.8,
	"phish-html-form":        1.2,
	"phish-password-field":   2.0,
	"phish-attach-exec":      3.0, // .exe, .scr, .js, .iso, ...
	"phish-attach-macro":     1.5, // .docm, .xlsm, ...
	"phish-attach-archive":   0.6, // .zip, .rar, .7z, ...
	"phish-reply-to-other":   0.6, // Reply-To of another domain, not a list
	"phish-reply-to-free":    1.0, // ... and a free-mail one, From is not
}

// signal records a named signal of the message (once).
func (f *featurizer) signal(name string) {
	for _, s := range f.sigs {
		if s == name {
			return
		}
	}
	f.sigs = append(f.sigs, name)
}

// addSignals appends the recorded signals as features of the signal
// group.
func (f *featurizer) addSignals() {
	f.sig = len(f.feats)
	for _, s := range f.sigs {
		f.addString("sig:", s)
	}
}

// setPriors writes the signal priors into a weight table.
func setPriors(w []float32, bits uint8) {
	for name, p := range signalPriors {
		w[slot(signalHash(name), bits)] = p
	}
}

func signalHash(name string) uint64 {
	return mix(hashString(hashString(fnvOffset, "sig:"), name))
}
