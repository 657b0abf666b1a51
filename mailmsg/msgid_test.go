package mailmsg

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below, wherever the test runs
)

// dateCases are dates whose meaning RFC 5322 4.3 fixes, with the offset
// each must come with: named zones, two- and three-digit years, folding,
// by whichever parser ParseDate gets them to.
var dateCases = []struct {
	in     string
	want   string // RFC 3339
	offset int    // seconds east of UTC
}{
	{"Tue, 3 Sep 2002 10:00:00 EST", "2002-09-03T10:00:00-05:00", -5 * 3600},        // fast path
	{"Tue, 7 Jan 2003 10:00:00 EDT", "2003-01-07T10:00:00-04:00", -4 * 3600},        // EDT in winter
	{"1 Sep 00 0:00 CDT0000", "2000-09-01T00:00:00-05:00", -5 * 3600},               // net/mail's reading
	{"7 Jan 03 10:00 EDT0000", "2003-01-07T10:00:00-04:00", -4 * 3600},              //
	{"3 Sep 02 10:00 CST (China?)", "2002-09-03T10:00:00-06:00", -6 * 3600},         //
	{"Fri, 1 Sep 2000\r\n 00:00:00 EDT", "2000-09-01T00:00:00-04:00", -4 * 3600},    // folded
	{"Fri, 1 Sep 2000\n 00:00:00 EDT", "2000-09-01T00:00:00-04:00", -4 * 3600},      // folded with LF
	{"Thu, 20 Nov 1997 09:55:06 MDT (MDT)", "1997-11-20T09:55:06-06:00", -6 * 3600}, //
	{"Tue Sep 3 10:00:00 PST 2002", "2002-09-03T10:00:00-08:00", -8 * 3600},         // asctime with a zone
	{"Tue, 3 Sep 2002 10:00:00 CEST", "2002-09-03T10:00:00Z", 0},                    // unknown names are +0000
	{"Tue, 3 Sep 2002 10:00:00 -0000", "2002-09-03T10:00:00Z", 0},                   //
	{"Tue, 3 Sep 49 10:00:00 +0200", "2049-09-03T10:00:00+02:00", 2 * 3600},         // 00–49: 2000s
	{"Tue, 3 Sep 50 10:00:00 +0200", "1950-09-03T10:00:00+02:00", 2 * 3600},         // 50–99: 1900s
	{"1 Sep 55 00:00 +0000 x", "1955-09-01T00:00:00Z", 0},                           // the same through net/mail
	{"Tue, 3 Sep 102 10:00:00 +0200", "2002-09-03T10:00:00+02:00", 2 * 3600},        // three digits: 1900+
	{"Tue, 29 Feb 2000 10:00:00 +0000", "2000-02-29T10:00:00Z", 0},                  //
	{"Tue, 3 Sep 2002 10:00:00 +0060", "2002-09-03T10:00:00+01:00", 3600},           // net/mail takes minute 60
}

func TestParseDateRFC5322(t *testing.T) {
	for _, tc := range dateCases {
		checkDate(t, tc.in, tc.want, tc.offset)
	}
}

func checkDate(t *testing.T, in, want string, offset int) {
	t.Helper()
	w, err := time.Parse(time.RFC3339, want)
	if err != nil {
		t.Fatal(err)
	}
	got := ParseDate(in)
	if _, off := got.Zone(); !got.Equal(w) || off != offset {
		t.Errorf("ParseDate(%q) = %v, want %v (offset %+d s)", in, got, w, offset)
	}
}

// ParseDate must not read zone names from time.Local, as time.Parse does
// (in Chicago CDT is -0500 and in Shanghai CST is +0800). TZ cannot be
// changed once the time package has read it, so time.Local is swapped.
func TestParseDateIgnoresLocalZone(t *testing.T) {
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })
	for _, name := range []string{"UTC", "America/Chicago", "America/New_York", "Asia/Shanghai", "Asia/Manila", "Australia/Sydney"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		time.Local = loc
		t.Run(name, func(t *testing.T) {
			for _, tc := range dateCases {
				checkDate(t, tc.in, tc.want, tc.offset)
			}
		})
	}
}

// Dates that cannot be are not rolled over into others: ParseDate returns
// the zero time.
func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{
		"Tue, 31 Feb 2002 10:00:00 +0000", // not 3 March
		"Sat, 29 Feb 2003 10:00:00 +0000",
		"Tue, 31 Sep 2002 10:00:00 +0000",
		"Tue, 3 Sep 2 10:00:00 +0200",    // a one-digit year
		"Tue, 3 Sep 2002 10:00:00 +0299", // zone minutes
		"Foo, 3 Sep 2002 10:00:00 +0200", // not a day name
	} {
		if got := ParseDate(in); !got.IsZero() {
			t.Errorf("ParseDate(%q) = %v, want the zero time", in, got)
		}
	}
	// The fast path leaves minute 60 to net/mail, which takes it.
	if got, ok := parseDateFast("Tue, 3 Sep 2002 10:00:00 +0060"); ok {
		t.Errorf("parseDateFast(+0060) = %v, want no answer", got)
	}
}
