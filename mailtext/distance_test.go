package mailtext

import (
	"math"
	"strings"
	"testing"
)

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"", "", 0},
		{"Yes, Friday works for me.", "Yes, Friday works for me.", 0},
		{"Yes, Friday works\nfor me.", "  Yes,  Friday works for me. ", 0}, // white space is no edit
		{"abc", "", 1},
		{"", "abc", 1},
		{"kitten", "sitting", 3.0 / 7},
		{"Yes, Friday works for me.", "Yes, Friday works for me!", 1.0 / 25},
		{"Ja", "Jä", 0.5}, // characters, not bytes
		{"abc", "xyz", 1},
	}
	for _, tt := range tests {
		if got := EditDistance(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("EditDistance(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := EditDistance(tt.b, tt.a); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("EditDistance(%q, %q) = %v, want %v (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
	// Long texts are compared up to their bound, in bounded time.
	long := strings.Repeat("word ", 10000)
	if d := EditDistance(long, long+"tail"); d != 0 {
		t.Errorf("long texts equal in their first %d characters: %v", distanceMaxRunes, d)
	}
	if d := EditDistance(long, strings.Repeat("x", 50000)); d < 0.9 || d > 1 {
		t.Errorf("long different texts: %v", d)
	}
}
