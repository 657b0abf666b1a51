package spam

import (
	"net/netip"
	"strings"
	"testing"
)

// TestUnfold checks appendUnfolded and lowerInto against what they
// replace.
func TestUnfold(t *testing.T) {
	for _, s := range []string{
		"", " ", "\r\n\t", "from a.example (a.example [192.0.2.1])\r\n\tby mx.example with ESMTP id 1;\r\n\tMon, 1 Jan 2024",
		"  lead and trail  ", "nbsp\u00a0and\u0085nel\u2003em", "bad\xffutf8\xc3 \t x", "ünïcödé\tby\u3000ideographic", "FROM Mail.Example.COM", "already lower",
	} {
		if got, want := string(appendUnfolded([]byte("x"), s)[1:]), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("unfold(%q) = %q, want %q", s, got, want)
		}
		buf := []byte("x")
		if got, want := lowerInto(&buf, s), strings.ToLower(s); got != want {
			t.Errorf("lowerInto(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzUnfoldLower(f *testing.F) {
	f.Add("from a\r\n\tby b")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendUnfolded([]byte("x"), s)[1:]), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("unfold(%q) = %q, want %q", s, got, want)
		}
		buf := []byte("x")
		if got, want := lowerInto(&buf, s), strings.ToLower(s); got != want {
			t.Errorf("lowerInto(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestMaybeIPv4: the pre-check rejects only candidates that
// netip.ParseAddr rejects.
func TestMaybeIPv4(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "10.0.0.1", "1.2.3", "1.2.3.4.5", "8.11.6", "1.2.3.a", "1.2.3.4:25", "::1", "fe80::1",
		"1:2.3.4", "2001:db8::1.2.3.4", "1.2.3.04", "256.1.1.1", "1..2.3", ".1.2.3", "1.2.3.", "a.b", "12", ":", "."} {
		_, err := netip.ParseAddr(s)
		if !maybeIPv4(s) && err == nil {
			t.Errorf("%q: rejected, but ParseAddr reads %v", s, netip.MustParseAddr(s))
		}
	}
}
