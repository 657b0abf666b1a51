package mailmsg

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseAddressList(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   []Address
		strict bool
	}{
		{"a@example.com", []Address{{"", "a@example.com"}}, true},
		{`"Doe, Jane" <jane@example.com>, bob@example.org`, []Address{{"Doe, Jane", "jane@example.com"}, {"", "bob@example.org"}}, true},
		{"=?utf-8?q?J=C3=BCrgen?= <j@example.de>", []Address{{"Jürgen", "j@example.de"}}, true},
		{"Jane Doe <jane@example.com", []Address{{"Jane Doe", "jane@example.com"}}, false},
		{"Bad List <bad@example.com>, ,, x <y@example.net>", []Address{{"Bad List", "bad@example.com"}, {"x", "y@example.net"}}, true},
		{"Bad List <bad@example.com>; x <y@example.net>", []Address{{"Bad List", "bad@example.com"}, {"x", "y@example.net"}}, false},
		{"undisclosed-recipients:;", []Address{}, true},
		{"no address here", nil, false},
		{"Ann Lee <ann@example.com>, bob@example.org", []Address{{"Ann Lee", "ann@example.com"}, {"", "bob@example.org"}}, true},
		{"a..b@example.com", []Address{{"", "a..b@example.com"}}, false},
		{"Ann <ann@example.com>,", []Address{{"Ann", "ann@example.com"}}, true},
		// Only space and tab are white space: other control characters
		// make the list malformed, as in net/mail.
		{"\tAnn <ann@example.com>\t", []Address{{"Ann", "ann@example.com"}}, true},
		{"\f0@0", []Address{{"", "0@0"}}, false},
		{"0\n<0@0>", []Address{{"0", "0@0"}}, false},
		{"Ann <ann@example.com>\r\n, bob@example.org", []Address{{"Ann", "ann@example.com"}, {"", "bob@example.org"}}, false},
		// Non-ASCII spaces are text: kept in names and in addresses.
		{"Ann\u00a0<ann@example.com>", []Address{{"Ann\u00a0", "ann@example.com"}}, true},
		{"\u00a0ann@example.com", []Address{{"", "\u00a0ann@example.com"}}, true},
		{"ann@example.com\u2003", []Address{{"", "ann@example.com\u2003"}}, true},
		// Names are valid UTF-8 whatever the encoded words hold.
		{"=?utf8?q?=FF?= <x@example.com>", []Address{{"\uFFFD", "x@example.com"}}, true},
		{"=?utf-8?q?=FF?= <x@example.com>", []Address{{"\uFFFD", "x@example.com"}}, true},
	} {
		got, ok := ParseAddressList(tc.in)
		if ok != tc.strict || !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("ParseAddressList(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.strict)
		}
	}
}

func TestParseMsgIDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{" <a@b> (comment) <c@d>", []string{"a@b", "c@d"}},
		{"<a@\r\n b>", []string{"a@b"}},
		{"a@b c@d", []string{"a@b", "c@d"}},
		{"Your message of Tue <x@y>", []string{"x@y"}},
		{"", nil},
	} {
		if got := ParseMsgIDs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseMsgIDs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2002, 9, 3, 8, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"Tue, 3 Sep 2002 10:00:00 +0200",
		"Tue, 3 Sep 2002 10:00:00 +0200 (CEST)",
		"3 Sep 2002 10:00:00 +0200",
		"Tue,  3 Sep 2002 10:00 +0200",
	} {
		if got := ParseDate(in); !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v", in, got)
		}
	}
	if got := ParseDate("yesterday"); !got.IsZero() {
		t.Errorf("ParseDate(yesterday) = %v", got)
	}
}

func TestURLHost(t *testing.T) {
	for in, want := range map[string]string{
		"http://Example.COM:80/x":          "example.com",
		"https://user@host.example.net/?q": "host.example.net",
		"http://[::1]:8080/":               "::1",
		"mailto:x@example.com":             "",
		"http://exa%6Dple.com/":            "example.com",
		"www.example.org.":                 "www.example.org",
	} {
		if got := URLHost(in); got != want {
			t.Errorf("URLHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// An address inside an encoded display name or a quoted string is part of
// the name: a reply must not go to it.
func TestScanAddressesIgnoresDisplayText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=?utf-8?q?Mallory=0D=0ABcc:_victim@evil.example?= <m@evil.example>", "m@evil.example"},
		{`"victim@evil.example" <m@evil.example>, broken(`, "m@evil.example"},
		{`"only@quoted.example"`, "only@quoted.example"},
	} {
		got, _ := ParseAddressList(tc.in)
		var addrs []string
		for _, a := range got {
			addrs = append(addrs, a.Addr)
		}
		if strings.Join(addrs, ",") != tc.want {
			t.Errorf("ParseAddressList(%q) = %v, want %s", tc.in, addrs, tc.want)
		}
	}
}
