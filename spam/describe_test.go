package spam

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{
		"b:our":                    `text word "our"`,
		"b:for you":                `text word "for you"`,
		"tz:+0100":                 "time zone +0100",
		"ncc:1":                    "Cc recipients: 1",
		"rcv:none":                 "no sending server recorded (sent from inside, or no Received header)",
		"sig:phish-url-ip":         "phishing sign: a link to an IP address",
		"h:x-mailer:outlook":       `x-mailer header word "outlook"`,
		"hn:in-reply-to":           "has a in-reply-to header",
		"weird":                    "weird",
		"zz:unknown-kind":          "zz:unknown-kind",
		"sig:some-future-signal-x": "signal some-future-signal-x",
	} {
		if got := Describe(in); got != want {
			t.Errorf("Describe(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every signal has a description, and every description a signal.
func TestEverySignalIsDescribed(t *testing.T) {
	for name := range signalPriors {
		if _, ok := signalNames[name]; !ok {
			t.Errorf("signal %s has no description in describe.go", name)
		}
	}
	for name := range signalNames {
		if _, ok := signalPriors[name]; !ok {
			t.Errorf("describe.go names %s, which is not a signal", name)
		}
	}
}

// Every kind of feature the featurizer writes is described: the kinds of
// the features of the test fixtures, classified by the shipped model.
func TestEveryFeatureKindIsDescribed(t *testing.T) {
	f := getFeaturizer()
	defer putFeaturizer(f)
	for _, name := range []string{"ham-list.eml", "ham-personal.eml", "spam-419.eml", "spam-html.eml", "spam-koi8r.eml"} {
		f.reset()
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f.extract(parse(raw))
		for i := range f.feats {
			feat := f.name(i)
			kind, _, _ := strings.Cut(feat, ":")
			if _, ok := featureKinds[kind]; !ok {
				t.Errorf("feature kind %q (from %s) has no description", kind, feat)
			}
		}
	}
}
