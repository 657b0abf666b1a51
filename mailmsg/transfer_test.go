package mailmsg

import "testing"

// RFC 2045 6.7(3): white space at the end of an encoded line was added in
// transport and is deleted; escaped white space and white space before a
// soft line break are text.
func TestAppendQPTrailingSpace(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" ", ""},
		{"\r", ""},
		{"a \r\nb", "a\r\nb"},
		{"a\t \nb", "a\nb"},
		{"a \r\r\nb", "a\r\nb"},
		{"a\r \nb", "a\nb"}, // the line does not end in CRLF
		{"a\rb", "a\rb"},    // a CR inside a line is kept
		{"a=20\r\n", "a \r\n"},
		{"a=20 \t", "a "},
		{"a \t=\r\nb ", "a \tb"},
		{"a =", "a "},
		{"a=  ", "a"},
		{"= \r0", "= \r0"}, // a lone CR ends no line, so this is no soft break
		{"a= \r\nb", "ab"},
	} {
		if got := string(appendQP(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("appendQP(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// What dst held is not part of the line.
	if got := string(appendQP([]byte("kept "), []byte(" \t"))); got != "kept " {
		t.Errorf("appendQP(%q, %q) = %q, want %q", "kept ", " \t", got, "kept ")
	}
}
