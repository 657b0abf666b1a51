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
	var ids []string
	rest := v
	for len(ids) < maxIDs {
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
	if len(ids) > 0 || strings.IndexByte(v, '<') >= 0 {
		return ids
	}
	for _, w := range strings.Fields(v) {
		if strings.IndexByte(w, '@') > 0 && len(ids) < maxIDs {
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
// (comments, missing seconds, two-digit years, named zones). It returns the
// zero time when nothing fits.
func ParseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, ok := parseDateFast(v); ok {
		return t
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	v = strings.Join(strings.Fields(v), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	if i := strings.IndexByte(v, '('); i > 0 {
		if t, err := mail.ParseDate(strings.TrimSpace(v[:i])); err == nil {
			return t
		}
	}
	return time.Time{}
}

var months = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

var zones = map[string]int{"ut": 0, "utc": 0, "gmt": 0, "z": 0,
	"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}

// parseDateFast parses the common RFC 5322 form "[Mon, ]2 Jan 2006
// 15:04[:05] -0700|GMT [(comment)]" without allocating; ok is false for
// anything else, which ParseDate hands to the slower parsers.
func parseDateFast(v string) (t time.Time, ok bool) {
	f := [6]string{}
	n := 0
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		if strings.HasPrefix(w, "(") {
			break
		}
		if n == len(f) {
			return t, false
		}
		f[n] = w
		n++
	}
	if n == 6 { // weekday first
		copy(f[:], f[1:])
		n--
	}
	if n != 5 {
		return t, false
	}
	day, ok1 := atoi(f[0])
	mon, ok2 := months[strings.ToLower(f[1])]
	year, ok3 := atoi(f[2])
	if !ok1 || !ok2 || !ok3 {
		return t, false
	}
	if len(f[2]) == 2 {
		year += 1900
		if year < 1950 {
			year += 100
		}
	}
	hms := strings.Split(f[3], ":")
	if len(hms) < 2 || len(hms) > 3 {
		return t, false
	}
	var clock [3]int
	for i, p := range hms {
		if clock[i], ok = atoi(p); !ok {
			return t, false
		}
	}
	offset := 0
	z := f[4]
	if len(z) == 5 && (z[0] == '+' || z[0] == '-') {
		hh, ok1 := atoi(z[1:3])
		mm, ok2 := atoi(z[3:5])
		if !ok1 || !ok2 {
			return t, false
		}
		offset = (hh*60 + mm) * 60
		if z[0] == '-' {
			offset = -offset
		}
	} else if h, known := zones[strings.ToLower(z)]; known {
		offset = h * 3600
	} else {
		return t, false
	}
	if day < 1 || day > 31 || clock[0] > 23 || clock[1] > 59 || clock[2] > 60 {
		return t, false
	}
	return time.Date(year, mon, day, clock[0], clock[1], clock[2], 0, time.FixedZone("", offset)), true
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
