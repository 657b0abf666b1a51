// Package draft composes reply drafts — threaded, reply-all by the rules,
// the original quoted, no header injection — and asks apply to file them
// in the user's Drafts folder. The reply and escalate stages both use it,
// so every draft follows one set of rules. It never sends mail.
package draft

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message"

	"mailassist/bus"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// ErrNoRecipient: the draft would have nobody to go to (every candidate
// address is the user's own or unusable).
var ErrNoRecipient = errors.New("no recipient for the reply")

// ComposeOptions describe the draft. From and Ref are required.
type ComposeOptions struct {
	// From is the user, the draft's sender.
	From mailmsg.Address
	// Own are all of the user's addresses; none of them is a recipient.
	// From.Addr is always treated as own.
	Own []string
	// Body is the reply text (model output is fine: it is cleaned).
	Body string
	// Ref is the X-Mailassist-Ref value, the original's identity
	// ("<account>/<uidvalidity>/<uid>"): printable ASCII.
	Ref string
	// Date of the draft; zero means time.Now().
	Date time.Time
	// MessageIDDomain is the right side of the draft's Message-ID;
	// default From's domain.
	MessageIDDomain string
	// ReplyAll adds the original's other recipients (To and Cc) as Cc.
	ReplyAll bool
	// MaxRecipients caps a reply-all: when To and Cc together would hold
	// more, the draft goes to the sender only (the first usable address
	// of Reply-To, else of From). Default DefaultMaxRecipients; -1 for no
	// cap.
	MaxRecipients int
	// Signature is the user's signature block, written below the reply
	// and above the quote, where mail clients put it in a reply. A first
	// line "--" or "-- " is the signature delimiter and is written "-- "
	// (RFC 3676, section 4.3); a signature without one (a sign-off such
	// as "Best,\nAlice") is written as it is. Empty: no signature.
	Signature string
}

// DefaultMaxRecipients is the reply-all cap when ComposeOptions.MaxRecipients
// is 0 (the reply section's max_recipients).
const DefaultMaxRecipients = 20

// Draft is a composed reply.
type Draft struct {
	Raw []byte // the RFC 5322 message
	// SenderOnly is set when the original had more recipients than
	// MaxRecipients allows and the draft goes to the sender only.
	SenderOnly bool
	// Recipients is how many addresses the draft has in To and Cc.
	Recipients int
}

// Limits of the draft.
const (
	maxReferences = 20       // ids kept in References: the first and the last 19
	maxQuoteBytes = 32 << 10 // of the original's text quoted
	maxQuoteLines = 500
)

// Compose writes the reply to orig as an RFC 5322 draft: "Re:" subject
// (one prefix, however the original spelled it), In-Reply-To and
// References per RFC 5322 §3.6.4, To the original's Reply-To (else From)
// and with ReplyAll its other recipients as Cc, minus the user's own
// addresses and duplicates; a Message-ID derived from Ref (the same
// inputs give the same draft); a quoted-printable UTF-8 plain-text body:
// the reply, a blank line, "On DATE, NAME wrote:" and the original quoted
// with "> " (cut after 32 KiB or 500 lines). A reply-all to more than
// MaxRecipients addresses goes to the sender only. Header values are stripped of
// line breaks and control characters and encoded per RFC 2047 when not
// ASCII. The error is ErrNoRecipient when nobody is left to reply to.
func Compose(orig *mailmsg.Message, o ComposeOptions) ([]byte, error) {
	d, err := ComposeDraft(orig, o)
	return d.Raw, err
}

// ComposeDraft is Compose, and says whom the draft goes to.
func ComposeDraft(orig *mailmsg.Message, o ComposeOptions) (Draft, error) {
	if err := checkRef(o.Ref); err != nil {
		return Draft{}, err
	}
	from, ok := mailAddress(o.From)
	if !ok {
		return Draft{}, fmt.Errorf("compose: invalid From address %q", o.From.Addr)
	}
	to, cc := recipients(orig, o)
	if len(to) == 0 {
		return Draft{}, ErrNoRecipient
	}
	limit := o.MaxRecipients
	if limit == 0 {
		limit = DefaultMaxRecipients
	}
	senderOnly := limit > 0 && len(to)+len(cc) > limit
	if senderOnly {
		to, cc = to[:1], nil
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}

	fields := [][2]string{
		{"Date", date.Format("Mon, 02 Jan 2006 15:04:05 -0700")},
		{"From", from.String()},
		{"To", formatList(to)},
	}
	if len(cc) > 0 {
		fields = append(fields, [2]string{"Cc", formatList(cc)})
	}
	fields = append(fields,
		[2]string{"Subject", encodeSubject(ReplySubject(orig.Subject))},
		[2]string{"Message-ID", "<" + draftID(o, orig) + ">"},
	)
	if parent := cleanID(orig.MessageID); parent != "" {
		fields = append(fields,
			[2]string{"In-Reply-To", "<" + parent + ">"},
			[2]string{"References", "<" + strings.Join(references(orig), "> <") + ">"},
		)
	}
	fields = append(fields,
		[2]string{"MIME-Version", "1.0"},
		[2]string{"Content-Type", "text/plain; charset=utf-8"},
		[2]string{"Content-Transfer-Encoding", "quoted-printable"},
		[2]string{bus.RefHeader, o.Ref},
	)
	var h message.Header
	for i := len(fields) - 1; i >= 0; i-- { // go-message writes the last added first
		switch k, v := fields[i][0], fields[i][1]; k {
		case "Message-ID", "MIME-Version":
			h.AddRaw([]byte(k + ": " + v + "\r\n")) // keep the usual spelling; short values
		default:
			h.Add(k, v)
		}
	}

	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, h)
	if err != nil {
		return Draft{}, fmt.Errorf("compose: %w", err)
	}
	if _, err := io.WriteString(w, body(orig, o.Body, o.Signature)); err != nil {
		return Draft{}, fmt.Errorf("compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return Draft{}, fmt.Errorf("compose: %w", err)
	}
	return Draft{Raw: buf.Bytes(), SenderOnly: senderOnly, Recipients: len(to) + len(cc)}, nil
}

func checkRef(ref string) error {
	if ref == "" {
		return fmt.Errorf("compose: no %s value", bus.RefHeader)
	}
	for i := 0; i < len(ref); i++ {
		if ref[i] <= ' ' || ref[i] >= 0x7f {
			return fmt.Errorf("compose: %s value %q is not printable ASCII", bus.RefHeader, ref)
		}
	}
	return nil
}

// replyPrefixes are the reply markers of common mail clients, in lower
// case, without the colon: Re, Aw (German), Sv (Nordic), Vs (Finnish),
// Antw (Dutch), Odp (Polish), R and Rif (Italian), Res (Portuguese).
var replyPrefixes = []string{"re", "aw", "sv", "vs", "antw", "odp", "rif", "res", "r"}

// ReplySubject returns the subject of a reply to a message with subject
// s: "Re: " and s without any reply prefixes it already has ("Re:",
// "RE:", "Re[2]:", "Re(3):", "AW:", "SV:" …, repeated or not), on one
// line.
func ReplySubject(s string) string {
	s = mailtext.CleanLine(s, 900)
	for {
		rest, ok := cutReplyPrefix(s)
		if !ok {
			break
		}
		s = rest
	}
	if s == "" {
		return "Re:"
	}
	return "Re: " + s
}

// cutReplyPrefix removes one leading reply prefix from s.
func cutReplyPrefix(s string) (string, bool) {
	for _, p := range replyPrefixes {
		if len(s) <= len(p) || !strings.EqualFold(s[:len(p)], p) {
			continue
		}
		rest := s[len(p):]
		// An optional counter: Re[2]: or Re(2):
		if rest[0] == '[' || rest[0] == '(' {
			closeB := map[byte]byte{'[': ']', '(': ')'}[rest[0]]
			j := strings.IndexByte(rest, closeB)
			if j < 2 || strings.Trim(rest[1:j], "0123456789") != "" {
				continue
			}
			rest = rest[j+1:]
		}
		rest = strings.TrimLeft(rest, " ")
		for _, colon := range []string{":", "："} { // ASCII and full-width
			if after, ok := strings.CutPrefix(rest, colon); ok {
				return strings.TrimSpace(after), true
			}
		}
	}
	return s, false
}

// encodeSubject keeps "Re: " readable and encodes the rest per RFC 2047
// when it is not ASCII.
func encodeSubject(s string) string {
	rest, ok := strings.CutPrefix(s, "Re: ")
	if !ok {
		return mime.QEncoding.Encode("utf-8", s)
	}
	return "Re: " + mime.QEncoding.Encode("utf-8", rest)
}

// recipients returns To and Cc of the reply: the original's Reply-To (else
// From), and with ReplyAll its To and Cc, minus own addresses, unusable
// addresses and duplicates. Replying to one's own message goes to its
// recipients.
func recipients(orig *mailmsg.Message, o ComposeOptions) (to, cc []*mail.Address) {
	seen := make(map[string]bool)
	for _, a := range o.Own {
		seen[strings.ToLower(strings.TrimSpace(a))] = true
	}
	seen[strings.ToLower(o.From.Addr)] = true
	add := func(dst []*mail.Address, list []mailmsg.Address) []*mail.Address {
		for _, a := range list {
			key := strings.ToLower(a.Addr)
			if seen[key] {
				continue
			}
			if ma, ok := mailAddress(a); ok {
				seen[key] = true
				dst = append(dst, ma)
			}
		}
		return dst
	}
	primary := orig.ReplyTo
	if len(primary) == 0 {
		primary = orig.From
	}
	to = add(nil, primary)
	if len(to) == 0 {
		// The user's own message (or a Reply-To pointing at the user):
		// reply to whom it went to.
		to = add(nil, orig.To)
	}
	if o.ReplyAll {
		cc = add(nil, orig.To)
		cc = add(cc, orig.Cc)
	}
	return to, cc
}

// mailAddress converts a to a net/mail address, with its display name
// cleaned, when the address itself is usable in a header.
func mailAddress(a mailmsg.Address) (*mail.Address, bool) {
	addr := strings.TrimSpace(a.Addr)
	if addr == "" || strings.ContainsFunc(addr, func(r rune) bool { return r <= ' ' || r == 0x7f || mailtext.IsControl(r) }) {
		return nil, false
	}
	parsed, err := mail.ParseAddress("<" + addr + ">")
	if err != nil {
		return nil, false
	}
	return &mail.Address{Name: mailtext.CleanLine(a.Name, 200), Address: parsed.Address}, true
}

func formatList(as []*mail.Address) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// cleanID returns a message id usable inside angle brackets, or "".
func cleanID(id string) string {
	if id == "" || len(id) > 250 || strings.ContainsFunc(id, func(r rune) bool {
		return r <= ' ' || r == '<' || r == '>' || r >= 0x7f
	}) {
		return ""
	}
	return id
}

// references returns the draft's References ids per RFC 5322 §3.6.4: the
// parent's References (or its In-Reply-To when that holds a single id
// and References is absent) followed by the parent's Message-ID, the
// chain trimmed to the first id and the last ones.
func references(orig *mailmsg.Message) []string {
	var chain []string
	src := orig.References
	if len(src) == 0 && len(orig.InReplyTo) == 1 {
		src = orig.InReplyTo
	}
	for _, id := range src {
		if id = cleanID(id); id != "" && id != orig.MessageID {
			chain = append(chain, id)
		}
	}
	chain = append(chain, cleanID(orig.MessageID))
	if len(chain) > maxReferences {
		chain = append(chain[:1], chain[len(chain)-(maxReferences-1):]...)
	}
	return chain
}

// draftID derives the draft's Message-ID from its identity and parent, so
// that composing again gives the same id.
func draftID(o ComposeOptions, orig *mailmsg.Message) string {
	sum := sha256.Sum256([]byte(o.Ref + "\x00" + orig.MessageID))
	local := "mailassist." + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
	domain := strings.ToLower(o.MessageIDDomain)
	if domain == "" {
		domain = o.From.Domain()
	}
	if cleanID(domain) == "" || strings.ContainsAny(domain, "@[]") {
		domain = "mailassist.invalid"
	}
	return local + "@" + domain
}

// body is the reply text, a blank line, the signature and a blank line
// when there is one, the attribution and the quoted original.
func body(orig *mailmsg.Message, reply, sig string) string {
	var b strings.Builder
	reply = strings.TrimSpace(mailtext.StripControl(reply, true))
	sig = signature(sig)
	if sig != "" {
		reply = cutDelimited(reply) // one signature, the user's
	}
	b.WriteString(reply)
	b.WriteString("\n\n")
	if sig != "" {
		b.WriteString(sig)
		b.WriteString("\n\n")
	}
	b.WriteString(attribution(orig))
	b.WriteByte('\n')
	quote(&b, orig.Text)
	return b.String()
}

// attribution is the line before the quote: "On DATE, NAME wrote:".
func attribution(orig *mailmsg.Message) string {
	name := ""
	if len(orig.From) > 0 {
		name = mailtext.CleanLine(orig.From[0].Name, 100)
		if name == "" {
			name = mailtext.CleanLine(orig.From[0].Addr, 100)
		}
	}
	if name == "" {
		name = "the sender"
	}
	if orig.Date.IsZero() {
		return name + " wrote:"
	}
	return "On " + orig.Date.Format("Mon, 2 Jan 2006 at 15:04 -0700") + ", " + name + " wrote:"
}

// quote writes text with every line prefixed by "> " (">" before a line
// that is already quoted or empty), cut at maxQuoteBytes or maxQuoteLines.
func quote(b *strings.Builder, text string) {
	text = strings.TrimSpace(mailtext.StripControl(text, true))
	start := b.Len()
	for n := 0; text != ""; n++ {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		if n == maxQuoteLines || b.Len()-start+len(line) > maxQuoteBytes {
			b.WriteString("> […]\n")
			return
		}
		line = strings.TrimRight(line, " \t")
		switch {
		case line == "":
			b.WriteString(">\n")
		case line[0] == '>':
			b.WriteString(">" + line + "\n")
		default:
			b.WriteString("> " + line + "\n")
		}
	}
}

// signature cleans a signature block: control characters out, trailing
// white space of each line and blank lines at both ends trimmed, and a
// first line "--" (with or without its space) written as the delimiter
// "-- ". A delimiter alone is no signature.
func signature(sig string) string {
	lines := strings.Split(mailtext.StripControl(sig, true), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	sig = strings.Trim(strings.Join(lines, "\n"), "\n")
	if sig == "--" {
		return ""
	}
	if rest, ok := strings.CutPrefix(sig, "--\n"); ok {
		if rest = strings.Trim(rest, "\n"); rest == "" {
			return ""
		}
		return "-- \n" + rest
	}
	return sig
}

// cutDelimited cuts text at a "-- " signature delimiter line, so that a
// reply that brought its own signature does not get a second one.
func cutDelimited(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if i > 0 && strings.TrimRight(l, "\r") == "-- " {
			return strings.TrimSpace(strings.Join(lines[:i], "\n"))
		}
	}
	return text
}
