package spam

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// featureNames returns the names of the features of raw.
func featureNames(raw []byte) []string {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.extract(parse(raw))
	names := make([]string, len(f.feats))
	for i := range f.feats {
		names[i] = f.name(i)
	}
	return names
}

func wordNames(text string, pairs bool) []string {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.words(text, "b:", pairs, 100)
	var names []string
	for i := range f.feats {
		names = append(names, f.name(i))
	}
	return names
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Hello, WORLD!", []string{"b:hello", "b:world!"}},
		{"e-mail me at ann@example.org.", []string{"b:e-mail", "b:me", "b:at", "b:ann@example.org"}},
		{"only $100 -- 50% off...", []string{"b:only", "b:$100", "b:50", "b:off"}},
		{"Grüße aus MÜNCHEN", []string{"b:grüße", "b:aus", "b:münchen"}},
		{"Привет МИР", []string{"b:привет", "b:мир"}},
		{"a I x", nil},                         // too short
		{"spam spam SPAM", []string{"b:spam"}}, // once per message
		{"bad \xff\xfe bytes", []string{"b:bad", "b:bytes"}},
		{strings.Repeat("x", 60), []string{"b:" + strings.Repeat("x", maxTokenLen)}},
	} {
		if got := wordNames(tc.text, false); !slices.Equal(got, tc.want) {
			t.Errorf("words(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestWordPairs(t *testing.T) {
	got := wordNames("click here now", true)
	want := []string{"b:click", "b:here", "b:click here", "b:now", "b:here now"}
	if !slices.Equal(got, want) {
		t.Errorf("pairs = %q, want %q", got, want)
	}
}

func TestExtract(t *testing.T) {
	raw, err := os.ReadFile("testdata/spam-html.eml")
	if err != nil {
		t.Fatal(err)
	}
	names := featureNames(raw)
	for _, want := range []string{
		"s:congratulations!!!", "s:free trial", // subject words and pairs
		"b:weight", "b:loss pills", // body text from base64 HTML
		"fd:bulk-sender.biz", "rd:cheap-meds-online.biz", // sender domains
		"hn:x-msmail-priority", "h:x-mailer:outlook", // header names and words
		"u:ip", "u:www.cheap-meds-online.biz", "ud:cheap-meds-online.biz", // URL hosts
		"ct:text/html", "ce:base64", "cs:iso-8859-1", "html:only",
		"rcv:nordns", "rcvf:bulk-sender.biz", "mids:9a9a9a$9a9a9$9a9a9", "tz:+0800",
		"subjcaps:half",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("features lack %q", want)
		}
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			t.Errorf("feature %q twice", n)
		}
		seen[n] = true
	}
}

func TestExtractCharsets(t *testing.T) {
	raw, err := os.ReadFile("testdata/spam-koi8r.eml")
	if err != nil {
		t.Fatal(err)
	}
	names := featureNames(raw)
	for _, want := range []string{"s:семинар", "b:приглашаем", "fn:бизнес", "cs:koi8-r"} {
		if !slices.Contains(names, want) {
			t.Errorf("features lack %q: %q", want, names)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, dir := range []string{"testdata", "../mailmsg/testdata"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
		for _, name := range files {
			raw, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(raw)
		}
	}
	f.Add([]byte("Subject: \xff\xfe\x00 $$$ !!!\n\nwww. http:// <a href=x>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fz := getFeaturizer()
		defer putFeaturizer(fz)
		fz.extract(parse(raw))
		if len(fz.feats) > maxFeatures {
			t.Fatalf("%d features, over the cap", len(fz.feats))
		}
		seen := map[uint64]bool{}
		for i, ft := range fz.feats {
			if seen[ft.h] {
				t.Fatalf("feature %q twice", fz.name(i))
			}
			seen[ft.h] = true
			if n := fz.name(i); !utf8.ValidString(n) {
				t.Fatalf("name %q not UTF-8", n)
			}
		}
		v := fz.vector(16)
		if v.body > len(v.slots) {
			t.Fatalf("body %d past %d slots", v.body, len(v.slots))
		}
	})
}

// TestAppendValidUTF8: names are made valid as strings.ToValidUTF8 makes
// them, for broken sequences of every kind and random bytes.
func TestAppendValidUTF8(t *testing.T) {
	cases := []string{"", "plain", "caf\xc3\xa9", "\xff", "a\xffb", "\xff\xfe\xfd", "a\xc3", "\xc3(", "\xe2\x82", "\xe2\x82\xac",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xef\xbf\xbd", "\xef\xbf\xbd\xff", "\xc0\xaf", "x\x80\x80y\x80"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := string(appendValidUTF8([]byte("p:"), []byte(c), nil)), "p:"+strings.ToValidUTF8(c, "?"); got != want {
			t.Errorf("%q: got %q, want %q", c, got, want)
		}
		for i := range len(c) { // and split in two, anywhere
			if got, want := string(appendValidUTF8(nil, []byte(c[:i]), []byte(c[i:]))), strings.ToValidUTF8(c, "?"); got != want {
				t.Errorf("%q split at %d: got %q, want %q", c, i, got, want)
			}
		}
	}
}
