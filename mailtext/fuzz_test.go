package mailtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Whatever the body, Split, NewText, Signature, Asks, Truncate and Clip
// do not panic, keep valid UTF-8 valid, never grow the text, and the fast
// path agrees with Split.
func FuzzSplit(f *testing.F) {
	for _, body := range corpus(f) {
		f.Add(body)
	}
	for _, s := range []string{
		"", "\n", "-- ", "--", ">", "a\n-- \nsig", "Thanks,\nBob", "From: x\nSent: y\n",
		"-----Original Message-----", "x\n________________________________\nFrom: a\nSent: b",
		"Yes.\n\nOn Mon, 4 Mar 2024, Bob wrote:\n> ok?", "On x wrote:\n-- \n?",
		"On Tue, 3 Sep 2002, Alice\nwrote:", "a\nwt., 5 mar 2024 <\nb@c>:\nx",
		"Could you call Dr. Smith, e.g. at 3 p.m.?", "é?\x00.!?", "\xff\xfe\xc3", "日本語。？！",
		"No. 5. 5. März", "merci de", "« oui ! »", "2024年3月5日 <a@b>：\n本文",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid := utf8.ValidString(s)
		p := Split(s)
		fast := NewText(s)
		for name, out := range map[string]string{"New": p.New, "Quoted": p.Quoted, "Signature": p.Signature, "NewText": fast} {
			if valid && !utf8.ValidString(out) {
				t.Fatalf("%s is not valid UTF-8: %q", name, out)
			}
		}
		if len(p.New) > len(s) || len(fast) > len(s) {
			t.Fatalf("new text grew: New %d, NewText %d > %d bytes", len(p.New), len(fast), len(s))
		}
		if len(fast) > NewTextMax {
			t.Fatalf("NewText of %d bytes", len(fast))
		}
		if len(s) <= NewTextMax && fast != p.New {
			t.Fatalf("NewText %q differs from Split's %q", fast, p.New)
		}
		for _, l := range strings.Split(p.New, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), ">") {
				t.Fatalf("quoted line %q in the new text", l)
			}
		}
		if body, sig := Signature(s); len(body)+len(sig) > len(s) {
			t.Fatalf("Signature grew the text: %d + %d > %d", len(body), len(sig), len(s))
		}
		asks := Asks(p.New, 3)
		if len(asks) > 3 {
			t.Fatalf("%d asks", len(asks))
		}
		for _, a := range asks {
			if len(a) > MaxAskLen || valid && !utf8.ValidString(a) {
				t.Fatalf("ask %q", a)
			}
		}
		for _, n := range []int{-1, 0, 1, 2, 3, 4, 7, len(s) / 3, len(s) / 2, len(s) - 1} {
			tr := Truncate(s, n)
			if len(tr) > max(n, 0)+len(Marker) || valid && !utf8.ValidString(tr) {
				t.Fatalf("Truncate(%q, %d) = %q", s, n, tr)
			}
			c := Clip(s, n)
			if len(c) > max(n, 0) || valid && !utf8.ValidString(c) {
				t.Fatalf("Clip(%q, %d) = %q", s, n, c)
			}
		}
	})
}
