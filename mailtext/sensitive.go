package mailtext

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SensitiveKind says what a piece of sensitive content is.
type SensitiveKind string

// Kinds of sensitive content.
const (
	KindLink       SensitiveKind = "link"       // https://…, www.…, host.example/path, host.example
	KindAddress    SensitiveKind = "address"    // an e-mail address
	KindPhone      SensitiveKind = "phone"      // 7 or more digits: a phone, account or card number
	KindAccount    SensitiveKind = "account"    // an IBAN
	KindCredential SensitiveKind = "credential" // "password: …", "the code is …", a key-like token
)

// Sensitive is one piece of content that text written for the user must
// not carry unless the user wrote it: what a mail's author could want a
// model to slip into a reply.
type Sensitive struct {
	Kind SensitiveKind
	// Text is the content as found, lower-cased (of a credential, its
	// value).
	Text string
}

// maxSensitiveScan bounds how much text FindSensitive reads.
const maxSensitiveScan = 64 << 10

// FindSensitive returns the links, e-mail addresses, phone and account
// numbers and credentials in s (at most its first 64 KiB), in order.
func FindSensitive(s string) []Sensitive {
	if len(s) > maxSensitiveScan {
		s = Truncate(s, maxSensitiveScan)
	}
	lo := strings.ToLower(s)
	var out []Sensitive
	raw := strings.Fields(lo)
	toks := tokens(raw)
	for i, t := range toks {
		switch {
		case t == "":
		case strings.Contains(t, "@"):
			if a := strings.TrimPrefix(t, "mailto:"); isAddress(a) {
				out = append(out, Sensitive{KindAddress, a})
			}
		case isLink(t):
			out = append(out, Sensitive{KindLink, t})
		case isKeyLike(t):
			out = append(out, Sensitive{KindCredential, t})
		default:
			if v, ok := credentialAt(raw, toks, i); ok {
				out = append(out, Sensitive{KindCredential, v})
			}
		}
	}
	out = append(out, numbers(lo)...)
	return slices.Compact(out)
}

// Allowed reports whether x may appear in text written for the user
// because the user's own text (lower-cased by the caller or not) holds it.
func (x Sensitive) Allowed(userText string) bool {
	if userText == "" {
		return false
	}
	lo := strings.ToLower(userText)
	if x.Kind == KindPhone || x.Kind == KindAccount {
		return strings.Contains(digitsOf(lo), digitsOf(x.Text))
	}
	return strings.Contains(lo, x.Text)
}

// tokens trims the punctuation around each field.
func tokens(fields []string) []string {
	out := make([]string, len(fields))
	for i, t := range fields {
		out[i] = strings.Trim(t, ".,;:!?()[]{}<>\"'`*«»“”‘’")
	}
	return out
}

func isAddress(a string) bool {
	at := strings.IndexByte(a, '@')
	return at > 0 && at < len(a)-1 && strings.Contains(a[at:], ".")
}

// fileExts are name endings that make "name.ext" a file, not a host.
var fileExts = map[string]bool{
	"pdf": true, "doc": true, "docx": true, "xls": true, "xlsx": true, "ppt": true, "pptx": true, "txt": true,
	"csv": true, "zip": true, "png": true, "jpg": true, "jpeg": true, "gif": true, "odt": true, "ods": true,
	"eml": true, "ics": true, "md": true, "json": true, "xml": true, "html": true, "htm": true, "js": true,
	"go": true, "py": true, "exe": true, "mp3": true, "mp4": true, "mov": true, "svg": true, "tar": true, "gz": true,
}

// isLink: a scheme, "www.", or a host name with or without a path.
func isLink(t string) bool {
	if strings.Contains(t, "://") || strings.HasPrefix(t, "www.") {
		return true
	}
	host, _, _ := strings.Cut(t, "/")
	return isHostName(host) && (strings.Contains(t, "/") || !fileExts[host[strings.LastIndexByte(host, '.')+1:]])
}

// isHostName reports whether s looks like a domain name: dotted labels of
// letters, digits and hyphens, the last of two or more letters
// ("evil.example", not "1.5" or "e.g").
func isHostName(s string) bool {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || len(s)-i-1 < 2 {
		return false
	}
	for _, c := range s[i+1:] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	for _, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return s[i-1] != '.'
}

// keyPrefixes start well-known secret tokens.
var keyPrefixes = []string{"sk-", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "akia", "aiza", "glpat-"}

// isKeyLike: a well-known secret prefix, or 20 or more characters of a
// key alphabet mixing letters and digits.
func isKeyLike(t string) bool {
	for _, p := range keyPrefixes {
		if strings.HasPrefix(t, p) && len(t) >= len(p)+8 {
			return true
		}
	}
	if len(t) < 20 {
		return false
	}
	var letters, digits int
	for _, c := range t {
		switch {
		case c >= 'a' && c <= 'z':
			letters++
		case c >= '0' && c <= '9':
			digits++
		case c == '-' || c == '_' || c == '+' || c == '/' || c == '=':
		default:
			return false
		}
	}
	return letters >= 4 && digits >= 4
}

// credentialWords name a secret. One followed by a link word ("is",
// "=") and a value, or written with a colon ("password: x"), gives a
// credential; colonOnly words only in the colon form, since "the login is
// broken" is no credential.
var (
	credentialWords = map[string]bool{
		"password": true, "passwords": true, "passwort": true, "passcode": true, "passphrase": true, "pwd": true,
		"pin": true, "otp": true, "2fa": true, "mfa": true, "credentials": true, "apikey": true, "api-key": true,
		"api_key": true, "contraseña": true, "kennwort": true,
	}
	colonOnly      = map[string]bool{"login": true, "username": true, "user": true, "token": true, "secret": true, "tan": true, "key": true, "code": true}
	codeQualifiers = map[string]bool{
		"verification": true, "security": true, "confirmation": true, "one-time": true, "access": true, "login": true,
		"2fa": true, "sms": true, "auth": true, "authentication": true, "reset": true, "api": true, "secret": true,
	}
	credentialLinks = map[string]bool{"is": true, "ist": true, "=": true, "est": true, "es": true, "was": true, "are": true, "lautet": true}
)

// credentialAt reports whether the word at i names a secret given right
// after it ("password: hunter2", "the PIN is 1234", "verification code
// is 5531", "API key: …") and returns the phrase.
func credentialAt(raw, toks []string, i int) (string, bool) {
	t := toks[i]
	qualified := (t == "code" || t == "key" || t == "token") && i > 0 && codeQualifiers[toks[i-1]]
	colon := strings.HasSuffix(raw[i], ":") || strings.HasSuffix(raw[i], "=")
	switch {
	case i+1 >= len(toks):
		return "", false
	case colon && (credentialWords[t] || colonOnly[t] || qualified):
		return toks[i+1], true
	case (credentialWords[t] || qualified) && credentialLinks[toks[i+1]] && i+2 < len(toks):
		return toks[i+2], true
	}
	return "", false
}

// numbers finds runs of 7 or more digits (separated at most by single
// spaces, dashes, dots, slashes or parentheses, optionally after "+"),
// which are phone, account or card numbers, and IBANs. Dates and times
// (2026-11-24, 24.11.2026, 10:30) are not numbers of this kind.
func numbers(lo string) []Sensitive {
	var out []Sensitive
	for i := 0; i < len(lo); {
		r, n := utf8.DecodeRuneInString(lo[i:])
		if iban, ok := ibanAt(lo, i); ok {
			out = append(out, Sensitive{KindAccount, iban})
			i += len(iban)
			continue
		}
		if !(r == '+' || unicode.IsDigit(r) && r < utf8.RuneSelf) || (i > 0 && isWordByte(lo[i-1])) {
			i += n
			continue
		}
		j, digits := i, 0
		if lo[j] == '+' {
			j++
		}
		last := j
		for j < len(lo) {
			c := lo[j]
			if c >= '0' && c <= '9' {
				digits++
				j++
				last = j
				continue
			}
			if strings.IndexByte(" -./()", c) >= 0 && j+1 < len(lo) && (lo[j+1] >= '0' && lo[j+1] <= '9' || lo[j+1] == '(') {
				j++
				continue
			}
			break
		}
		run := lo[i:last]
		if digits >= 7 && !isDate(run) {
			out = append(out, Sensitive{KindPhone, run})
		}
		i = max(last, i+n)
	}
	return out
}

func isWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' }

// isDate reports a run that is a date: 8 digits in three groups of 4, 2
// and 2 or 2, 2 and 4.
func isDate(run string) bool {
	parts := strings.FieldsFunc(run, func(r rune) bool { return r == '-' || r == '.' || r == '/' })
	if len(parts) != 3 {
		return false
	}
	l := []int{len(parts[0]), len(parts[1]), len(parts[2])}
	return l[0] == 4 && l[1] <= 2 && l[2] <= 2 || l[0] <= 2 && l[1] <= 2 && (l[2] == 4 || l[2] == 2)
}

// ibanAt returns the IBAN starting at lo[i]: two letters, two digits and
// 11 to 30 more letters or digits, in groups separated by single spaces.
func ibanAt(lo string, i int) (string, bool) {
	if i > 0 && isWordByte(lo[i-1]) || i+4 > len(lo) {
		return "", false
	}
	if !(lo[i] >= 'a' && lo[i] <= 'z' && lo[i+1] >= 'a' && lo[i+1] <= 'z' && lo[i+2] >= '0' && lo[i+2] <= '9' && lo[i+3] >= '0' && lo[i+3] <= '9') {
		return "", false
	}
	j, n := i+4, 0
	for j < len(lo) {
		c := lo[j]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' {
			j++
			n++
			continue
		}
		if c == ' ' && j+1 < len(lo) && (lo[j+1] >= '0' && lo[j+1] <= '9') {
			j++
			continue
		}
		break
	}
	if n < 11 || n > 30 {
		return "", false
	}
	return strings.TrimRight(lo[i:j], " "), true
}

// digitsOf keeps only the ASCII digits (and letters, for IBANs) of s.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, s)
}
