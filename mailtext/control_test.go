package mailtext

import "testing"

func TestCleanLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\r\nb\tc", "a b c"},
		{"x\u202ey\u200bz\x00", "xyz"},
		{"  many   spaces  ", "many spaces"},
		{"", ""},
	} {
		if got := CleanLine(tc.in, 100); got != tc.want {
			t.Errorf("CleanLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := CleanLine("one two three four", 9); got != "one two"+Marker {
		t.Errorf("CleanLine cut = %q", got)
	}
}

func TestStripControlKeepsLines(t *testing.T) {
	if got := StripControl("a\r\nb\x1b\tc", true); got != "a\nb\tc" {
		t.Errorf("StripControl = %q", got)
	}
}
