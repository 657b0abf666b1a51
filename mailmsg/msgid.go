package mailmsg

import (
	"net/mail"
	"strings"
	"time"
)

// maxIDs bounds how many message ids are kept from one field.
const maxIDs = 200

// ParseMsgIDs returns the message ids in a Message-ID, In-Reply-To or
// References value, without angle brackets, in order. Ids in brackets are
// taken; text outside brackets (comments, phrases, old-style quoted strings)
// is ignored unless the value has no brackets at all, when each
// whitespace-separated word with an '@' is taken. It never fails.
func ParseMsgIDs(v string) []string {
	return appendMsgIDs(nil, v, maxIDs)
}

// appendMsgIDs appends the first max ids of v, as ParseMsgIDs finds them,
// to ids.
func appendMsgIDs(ids []string, v string, max int) []string {
	max += len(ids)
	start := len(ids)
	rest := v
	for len(ids) < max {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '>')
		if j < 0 {
			break
		}
		if id := cleanID(rest[i+1 : i+1+j]); id != "" {
			ids = append(ids, id)
		}
		rest = rest[i+1+j+1:]
	}
	if len(ids) > start || strings.IndexByte(v, '<') >= 0 {
		return ids
	}
	for w := range strings.FieldsSeq(v) {
		if strings.IndexByte(w, '@') > 0 && len(ids) < max {
			if id := cleanID(w); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// cleanID trims an id and drops folding whitespace inside it.
func cleanID(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Join(strings.Fields(s), "")
	}
	return s
}

// dateLayouts are tried, in order, when net/mail cannot parse a Date field.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, 02 Jan 2006 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
}

// ParseDate parses a Date header value, tolerating the usual deviations
// (folding, comments, missing seconds, two-digit years, named zones). It
// returns the zero time when nothing fits, an impossible date such as
// 31 February included.
//
// Whichever way a date is read, RFC 5322 4.3 decides what it means: the
// zones EDT, EST, CDT, CST, MDT, MST, PDT and PST have their North American
// offsets, other zone names count as +0000 (but GMT+3 and the like mean
// what they say), two-digit years 00–49 are 2000–2049 and 50–99 are
// 1950–1999, and three-digit years are added to 1900. The result never
// depends on the local time zone.
func ParseDate(v string) time.Time {
	v = trimWSP(unfoldString(v))
	if v == "" {
		return time.Time{}
	}
	if t, ok := parseDateFast(v); ok {
		return t
	}
	if t, ok := parseDateNetMail(v); ok {
		return t
	}
	v = strings.Join(strings.Fields(v), " ")
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, v, time.UTC); err == nil {
			return readRFC5322(t, l)
		}
	}
	if i := strings.IndexByte(v, '('); i > 0 {
		if t, ok := parseDateNetMail(strings.TrimSpace(v[:i])); ok {
			return t
		}
	}
	return time.Time{}
}

// unfoldString removes the line breaks of a folded value: every CRLF, as
// net/mail does (its zone heuristic counts the bytes that stay). A value
// folded with bare LFs is left to the layouts that normalise white space.
func unfoldString(v string) string {
	if strings.IndexByte(v, '\r') < 0 {
		return v
	}
	return strings.ReplaceAll(v, "\r\n", "")
}

// netMailLayouts are the layouts net/mail's ParseDate tries, in its order:
// RFC 5322 3.3 with and without day of week, one- or two-digit day, four-
// or two-digit year, with and without seconds, numeric or named zone.
var netMailLayouts = func() []string {
	var ls []string
	for _, dow := range []string{"", "Mon, "} {
		for _, day := range []string{"2", "02"} {
			for _, year := range []string{"2006", "06"} {
				for _, sec := range []string{":05", ""} {
					for _, zone := range []string{"-0700", "MST", "UT"} {
						ls = append(ls, dow+day+" Jan "+year+" 15:04"+sec+" "+zone)
					}
				}
			}
		}
	}
	return ls
}()

// parseDateNetMail parses an unfolded date as net/mail's ParseDate does
// (it decides what is accepted) and reads it as RFC 5322 4.3 says.
// net/mail's own reading goes through time.Parse, which takes zone names
// from time.Local (CST is -0600 in Chicago and +0800 in Shanghai, and 0
// where the name is unknown); here the date part net/mail picks is read
// again in UTC, as net/mail does with time.Local set to UTC, and then
// corrected.
func parseDateNetMail(v string) (time.Time, bool) {
	if _, err := mail.ParseDate(v); err != nil {
		return time.Time{}, false
	}
	date := netMailDatePart(v)
	for _, l := range netMailLayouts {
		if t, err := time.ParseInLocation(l, date, time.UTC); err == nil {
			return readRFC5322(t, l), true
		}
	}
	return time.Time{}, false // net/mail has changed: netMailDatePart needs updating
}

// netMailDatePart returns the part of v that net/mail's ParseDate hands to
// time.Parse: up to the end of a numeric zone, or else up to a T that can
// end a zone name; what follows (comments, or anything) it skips.
func netMailDatePart(v string) string {
	s := trimWSP(v)
	if i := strings.IndexAny(s, "+-"); i >= 0 && len(s) >= i+5 {
		return s[:i+5]
	}
	i := strings.IndexByte(s, 'T')
	if i == 0 {
		if i = strings.IndexByte(s[1:], 'T'); i >= 0 {
			i++
		}
	}
	if i >= 0 && len(s) >= i+5 {
		return s[:i+1]
	}
	return v
}

// readRFC5322 applies RFC 5322 4.3 to t, which time.Parse read in UTC with
// layout: a zone name alone (layout "MST", not "-0700 (MST)") gets its RFC
// offset, and a two-digit year 50–68, which time.Parse puts in 2050–2068,
// goes to 1950–1968.
func readRFC5322(t time.Time, layout string) time.Time {
	name, offset := t.Zone()
	if h, ok := zones[strings.ToLower(name)]; ok && !strings.Contains(layout, "-0700") {
		offset = h * 3600
	}
	year := t.Year()
	if strings.Contains(layout, " 06 ") && year >= 2050 && year <= 2068 {
		year -= 100
	}
	return time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(),
		time.FixedZone(name, offset))
}

var months = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

// zones are the zone names of RFC 5322 4.3 (and UTC) with their offsets in
// hours.
var zones = map[string]int{"ut": 0, "utc": 0, "gmt": 0, "z": 0,
	"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}

// isWeekday reports whether s is a day name as dates abbreviate it, in any
// case.
func isWeekday(s string) bool {
	if len(s) != 3 {
		return false
	}
	b := [3]byte{s[0] | 0x20, s[1] | 0x20, s[2] | 0x20} // lower case, for letters
	switch string(b[:]) {
	case "mon", "tue", "wed", "thu", "fri", "sat", "sun":
		return true
	}
	return false
}

// parseDateFast parses the common RFC 5322 form "[Mon, ]2 Jan 2006
// 15:04[:05] -0700|GMT [(comment)]" without allocating; ok is false for
// anything else, which ParseDate hands to the slower parsers, and for dates
// that do not exist.
func parseDateFast(v string) (t time.Time, ok bool) {
	f := [6]string{}
	n := 0
	// the fields between runs of spaces, tabs and commas (as
	// strings.FieldsFunc gives them), up to a comment
	for i := 0; i < len(v); {
		if isDateSep(v[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(v) && !isDateSep(v[j]) {
			j++
		}
		if v[i] == '(' {
			break
		}
		if n == len(f) {
			return t, false
		}
		f[n] = v[i:j]
		n++
		i = j
	}
	if n == 6 { // weekday first
		if !isWeekday(f[0]) {
			return t, false
		}
		copy(f[:], f[1:])
		n--
	}
	if n != 5 {
		return t, false
	}
	day, ok1 := atoi(f[0])
	mon, ok2 := lookupFold3(months, f[1])
	year, ok3 := atoi(f[2])
	if !ok1 || !ok2 || !ok3 {
		return t, false
	}
	switch len(f[2]) { // RFC 5322 4.3
	case 1:
		return t, false
	case 2:
		year += 1900
		if year < 1950 {
			year += 100
		}
	case 3:
		year += 1900
	}
	var clock [3]int
	parts := 0
	for p := range strings.SplitSeq(f[3], ":") {
		if parts == len(clock) {
			return t, false
		}
		if clock[parts], ok = atoi(p); !ok {
			return t, false
		}
		parts++
	}
	if parts < 2 {
		return t, false
	}
	offset := 0
	z := f[4]
	if len(z) == 5 && (z[0] == '+' || z[0] == '-') {
		hh, ok1 := atoi(z[1:3])
		mm, ok2 := atoi(z[3:5])
		if !ok1 || !ok2 || mm > 59 {
			return t, false
		}
		offset = (hh*60 + mm) * 60
		if z[0] == '-' {
			offset = -offset
		}
	} else if h, known := lookupFold3(zones, z); known {
		offset = h * 3600
	} else {
		return t, false
	}
	if day < 1 || day > daysIn(mon, year) || clock[0] > 23 || clock[1] > 59 || clock[2] > 60 {
		return t, false
	}
	return time.Date(year, mon, day, clock[0], clock[1], clock[2], 0, time.FixedZone("", offset)), true
}

func isDateSep(c byte) bool { return c == ' ' || c == '\t' || c == ',' }

// lookupFold3 looks s up in m, whose keys are ASCII lower-case of at most
// three bytes, as m[strings.ToLower(s)] would, without allocating. A
// string that is not ASCII finds nothing either way: the only non-ASCII
// letters that lower-case to ASCII (U+212A KELVIN SIGN, U+0130) give 'k'
// and 'i', which no month or zone name has.
func lookupFold3[V any](m map[string]V, s string) (V, bool) {
	var b [3]byte
	if len(s) > len(b) {
		var zero V
		return zero, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	v, ok := m[string(b[:len(s)])]
	return v, ok
}

// daysIn returns the number of days of month m in year.
func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
