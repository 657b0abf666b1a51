package mailtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"hello wonderful world", 15, "hello wonderful" + Marker},
		{"hello wonderful world", 16, "hello wonderful" + Marker},
		{"hello wonderful world", 12, "hello wonder" + Marker}, // the last space is in the first half
		{"abcdefghijklmnop", 5, "abcde" + Marker},              // no word boundary: a character one
		{"a b", 0, ""},
		{"a b", -1, ""},
		{"   abc", 2, "[…]"},
		{"Grüße aus Köln", 3, "Gr" + Marker}, // 'ü' is 2 bytes: never half of it
		{"日本語のテキスト", 7, "日本" + Marker},
		{"line one\nline two", 12, "line one" + Marker},
	}
	for _, tc := range tests {
		if got := Truncate(tc.s, tc.max); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}

// Every cut position in text of 1-, 2-, 3- and 4-byte characters.
func TestTruncateEveryCut(t *testing.T) {
	for _, s := range []string{
		"Grüße aus Köln, schöne Straße",
		"Привет, как дела? Сможешь прислать отчёт",
		"明日の会議は何時からですか？資料も送ってください",
		"ok 😀 fine 🎉🎉 done 𝄞 music",
		"mixed ascii и кириллица 和 漢字 😀",
	} {
		for n := -1; n <= len(s)+1; n++ {
			got := Truncate(s, n)
			if !utf8.ValidString(got) {
				t.Fatalf("Truncate(%q, %d) = %q: invalid UTF-8", s, n, got)
			}
			if len(got) > max(n, 0)+len(Marker) {
				t.Fatalf("Truncate(%q, %d) = %q: %d bytes", s, n, got, len(got))
			}
			kept := strings.TrimSuffix(strings.TrimSuffix(got, Marker), "[…]")
			if !strings.HasPrefix(s, kept) {
				t.Fatalf("Truncate(%q, %d) = %q: not a prefix", s, n, got)
			}
			if n >= len(s) && got != s {
				t.Fatalf("Truncate(%q, %d) = %q: cut what fits", s, n, got)
			}
			c := Clip(s, n)
			if !utf8.ValidString(c) || len(c) > max(n, 0) {
				t.Fatalf("Clip(%q, %d) = %q (%d bytes)", s, n, c, len(c))
			}
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"hello wonderful world", 18, "hello wonderful…"},
		{"hello world", 3, "hel"},
		{"héllo world", 2, "h"},
		{"abc", 0, ""},
	}
	for _, tc := range tests {
		if got := Clip(tc.s, tc.max); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("  RE:\tInvoice\r\n 2024-117  "); got != "RE: Invoice 2024-117" {
		t.Errorf("OneLine = %q", got)
	}
}
