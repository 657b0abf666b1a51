package spam

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailassist/internal/golden"
)

// explainSignals is what `spam classify --explain` says of a message's
// authentication and signals, without the weights (which change with
// every retraining).
func explainSignals(raw []byte, c Context) string {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.env = c
	f.extract(parse(raw))
	var b strings.Builder
	a := f.auth
	fmt.Fprintf(&b, "auth: trusted=%v spf=%q dkim=%q dmarc=%q from=%q dkim-domains=%q authenticated=%v failed=%v\n",
		a.Trusted, a.SPF, a.DKIM, a.DMARC, a.FromDomain, a.DKIMDomains, a.Authenticated(), a.Failed())
	for i := f.sig; i < f.body; i++ {
		fmt.Fprintln(&b, f.name(i))
	}
	return b.String()
}

// TestSignalsGolden pins, for one message per phishing and
// authentication signal, the signals it fires and the authentication read
// from its trusted Authentication-Results.
func TestSignalsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/signals/*.eml")
	if len(files) < 10 {
		t.Fatalf("found %d signal fixtures", len(files))
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, strings.TrimSuffix(file, ".eml")+".golden", []byte(explainSignals(raw, Context{})))
	}
}

// TestSignalsSeen checks that each signal the docs promise fires on its
// fixture (so a golden file rewritten with -update cannot lose one
// silently).
func TestSignalsSeen(t *testing.T) {
	want := map[string][]string{
		"auth-pass":           {"sig:auth-dmarc-pass", "sig:auth-dkim-aligned"},
		"auth-dmarc-fail":     {"sig:auth-dmarc-fail", "sig:auth-spf-fail", "sig:auth-from-unauthenticated"},
		"brand-name":          {"sig:phish-brand-name"},
		"link-mismatch":       {"sig:phish-link-mismatch"},
		"url-ip-shortener":    {"sig:phish-url-ip", "sig:phish-url-shortener"},
		"url-punycode-mixed":  {"sig:phish-url-punycode", "sig:phish-url-mixed-script"},
		"html-form":           {"sig:phish-html-form", "sig:phish-password-field"},
		"attachments":         {"sig:phish-attach-exec", "sig:phish-attach-macro", "sig:phish-attach-archive"},
		"reply-to-free":       {"sig:phish-reply-to-other", "sig:phish-reply-to-free", "sig:phish-name-address", "sig:auth-dkim-unaligned"},
		"forged-auth-results": nil,
	}
	for name, sigs := range want {
		raw, err := os.ReadFile("testdata/signals/" + name + ".eml")
		if err != nil {
			t.Fatal(err)
		}
		got := explainSignals(raw, Context{})
		for _, s := range sigs {
			if !strings.Contains(got, s+"\n") {
				t.Errorf("%s: no %s in\n%s", name, s, got)
			}
		}
		if name == "forged-auth-results" && !strings.HasPrefix(got, "auth: trusted=false") {
			t.Errorf("an Authentication-Results below the external hop was trusted:\n%s", got)
		}
	}
	// With the receiving side's authserv-id configured, a field with another id is not trusted.
	raw, _ := os.ReadFile("testdata/signals/auth-pass.eml")
	if got := explainSignals(raw, Context{Mailbox: &Mailbox{AuthservIDs: []string{"other.example"}}}); !strings.HasPrefix(got, "auth: trusted=false") {
		t.Errorf("an Authentication-Results of another authserv-id was trusted:\n%s", got)
	}
	if got := explainSignals(raw, Context{Mailbox: &Mailbox{AuthservIDs: []string{"MX.provider.example"}}}); !strings.HasPrefix(got, "auth: trusted=true") {
		t.Errorf("the configured authserv-id was not trusted:\n%s", got)
	}
}

// TestSignalsQuiet checks that ordinary mail fires no phishing signal.
func TestSignalsQuiet(t *testing.T) {
	for _, file := range []string{"testdata/ham-personal.eml", "testdata/ham-list.eml"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := explainSignals(raw, Context{}); strings.Contains(got, "sig:phish") {
			t.Errorf("%s fired a phishing signal:\n%s", file, got)
		}
	}
}
