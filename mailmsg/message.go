// Package mailmsg parses RFC 5322 messages into what the pipeline's stages
// use — decoded headers, addresses, threading ids, body text, URLs and the
// MIME structure — and never fails on broken mail.
package mailmsg

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"
)

// Message is a parsed message. Parse fills every field it can and records
// in Problems what it had to work around.
type Message struct {
	Header     Header
	Subject    string    // decoded
	From       []Address // tolerant parse; see ParseAddressList
	ReplyTo    []Address
	To         []Address
	Cc         []Address
	Date       time.Time // zero when missing or unparseable
	MessageID  string    // without angle brackets
	InReplyTo  []string  // message ids without angle brackets
	References []string
	// Text is the decoded body text: the text/plain parts, or the HTML parts
	// turned into text when there is no (non-blank) plain part. It is capped
	// at Options.MaxText bytes; see Problems for "text truncated".
	Text string
	// HTML reports whether the body had a text/html part.
	HTML bool
	// HTMLText is the text of the HTML parts (capped like Text) when the
	// message also has a non-blank plain part, so that Text is not it: the
	// two often differ ("your mail program does not show HTML"). It is ""
	// when Text already is the HTML text or there is no HTML.
	HTMLText string
	// URLs are the URLs found in the text parts and in HTML href, src,
	// action and background attributes, in order of appearance, without
	// duplicates.
	URLs []string
	// Links are the HTML anchors with an href, in order (at most
	// maxLinks): the URL and the text a reader sees for it.
	Links []Link
	// Forms counts the HTML form elements; PasswordFields the inputs of
	// type password.
	Forms, PasswordFields int
	// Parts is the MIME structure in depth-first order, the message itself
	// first.
	Parts []Part
	// Problems lists what was wrong with the message ("malformed header
	// line", `unknown charset "x-klingon"`, "8-bit header", ...), each once.
	Problems []string
}

// Link is an HTML anchor: where it goes and what it shows.
type Link struct {
	URL  string // the href, entities decoded
	Text string // the anchor's visible text, white space collapsed, at most 200 bytes
}

// maxLinks caps Message.Links.
const maxLinks = 100

// Options tune Parse. The zero value means the defaults.
type Options struct {
	// MaxText caps the decoded text kept per message, and separately the
	// text taken from HTML parts. Default 256 KiB.
	MaxText int
	// ShareRaw lets the Message's strings point into raw where they are
	// its bytes unchanged, instead of being copies: the text when one
	// plain part needed no decoding, and header values (Subject,
	// addresses, Header.Get, ...) that are plain ASCII without encoded
	// words. It saves allocating and copying them, but any such string
	// that is kept keeps all of raw in memory: it is for callers that
	// read the Message and drop it, as the spam classifier does.
	ShareRaw bool
}

const maxTextDefault = 256 << 10

func (o Options) withDefaults() Options {
	if o.MaxText <= 0 {
		o.MaxText = maxTextDefault
	}
	return o
}

// Parse parses raw with the default options. It never panics and never
// fails: whatever cannot be understood is skipped and noted in Problems.
// The Message may share memory with raw, which must not be modified
// afterwards.
func Parse(raw []byte) *Message {
	return ParseWith(raw, Options{})
}

var walkerPool = sync.Pool{New: func() any { return new(walker) }}

// ParseWith parses raw as Parse does, with the given options.
func ParseWith(raw []byte, opts Options) *Message {
	opts = opts.withDefaults()
	m := &Message{}
	w := walkerPool.Get().(*walker)
	defer w.release()
	body, probs := w.parseHeader(raw)
	// The message keeps a copy of its exact size; the walker's buffer is
	// reused for the parts' fields.
	fields := append(make([]Field, 0, len(w.fields)), w.fields...)
	m.Problems = append(m.Problems, probs...)
	if bytes.IndexByte(raw, 0) >= 0 {
		m.Problems = append(m.Problems, "NUL byte")
	}
	m.Problems = append(m.Problems, headerProblems(fields)...)
	if len(fields) == 0 {
		m.Problems = append(m.Problems, "no header")
	}

	w.m, w.opts = m, opts
	w.plain.limit, w.html.limit = opts.MaxText, opts.MaxText
	w.fallback = messageFallback(fields, opts.ShareRaw)
	m.Parts, m.URLs, m.Links = w.parts[:0], w.urls[:0], w.links[:0]
	w.entity(fields, body, 0)
	// The lists were built in the walker's buffers: keep the buffers for
	// the next message and give this one copies of its exact size.
	w.parts, w.urls, w.links = m.Parts, m.URLs, m.Links
	m.Parts, m.URLs, m.Links = clip(m.Parts), clip(m.URLs), clip(m.Links)

	m.Header = Header{fields: fields, fallback: headerFallback(w.fallback, m.Parts), share: opts.ShareRaw}
	m.Text, m.HTMLText = chooseText(w)
	if w.plain.truncated || w.html.truncated {
		w.problem("text truncated")
	}
	m.fillHeaderFields(w)
	return m
}

// clip returns a copy of s of its exact length, or nil when s is empty.
func clip[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return append(S(make([]E, 0, len(s))), s...)
}

// chooseText returns the plain text, or the HTML text when the plain text is
// blank, and the HTML text when it is not the text.
func chooseText(w *walker) (text, htmlText string) {
	plain := bytes.TrimSpace(w.plain.b)
	html := bytes.TrimSpace(w.html.b)
	if len(plain) > 0 {
		if w.plainRaw != nil { // plain is these bytes of raw
			return unsafeString(bytes.TrimSpace(w.plainRaw)), string(html)
		}
		return string(plain), string(html)
	}
	return string(html), ""
}

// messageFallback returns the charset for raw 8-bit text that is not UTF-8:
// the message's own charset when it names a known legacy one.
func messageFallback(fields []Field, share bool) string {
	h := Header{fields: fields, share: share}
	v := h.Get("Content-Type")
	if i := strings.Index(strings.ToLower(v), "charset="); i >= 0 {
		cs := strings.Trim(v[i+len("charset="):], ` "'`)
		if j := strings.IndexAny(cs, `"'; `); j >= 0 {
			cs = cs[:j]
		}
		if !isUTF8Label(cs) && charsetKnown(cs) {
			return strings.ToLower(cs)
		}
	}
	return defaultFallback
}

// headerFallback picks the charset for 8-bit header bytes: the message's
// own, or else that of its first text part with a known legacy charset.
func headerFallback(msg string, parts []Part) string {
	if msg != defaultFallback {
		return msg
	}
	for _, p := range parts {
		if p.Charset != "" && !isUTF8Label(p.Charset) && charsetKnown(p.Charset) {
			return p.Charset
		}
	}
	return defaultFallback
}

// fillHeaderFields sets the fields derived from the header.
func (m *Message) fillHeaderFields(w *walker) {
	h := m.Header
	if f, ok := h.field("Subject"); ok {
		var bad bool
		m.Subject, bad = decodeHeaderValue(unfold(f.raw()), h.fallback, h.share)
		if bad {
			w.problem("undecodable encoded word")
		}
	}
	m.From = m.addresses("From", w)
	m.ReplyTo = m.addresses("Reply-To", w)
	m.To = m.addresses("To", w)
	m.Cc = m.addresses("Cc", w)
	if v := h.Get("Date"); v != "" {
		if m.Date = ParseDate(v); m.Date.IsZero() {
			w.problem("bad date")
		}
	} else {
		w.problem("no date")
	}
	var first [1]string
	if ids := appendMsgIDs(first[:0], h.Get("Message-Id"), 1); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	m.InReplyTo = ParseMsgIDs(h.Get("In-Reply-To"))
	m.References = ParseMsgIDs(h.Get("References"))
}

func (m *Message) addresses(name string, w *walker) []Address {
	var all []Address
	for _, f := range m.Header.fields {
		if len(f.Name) != len(name) || f.Name != name && !strings.EqualFold(f.Name, name) {
			continue // names are ASCII: equal lengths are needed
		}
		v := toUTF8(unfold(f.raw()), "", m.Header.fallback, m.Header.share)
		addrs, ok := ParseAddressList(v)
		if !ok {
			w.problem("malformed " + strings.ToLower(name))
			for i := range addrs {
				addrs[i].Name, _ = decodeHeaderValue([]byte(addrs[i].Name), m.Header.fallback, true) // a copy of its own
			}
		}
		all = append(all, addrs...)
	}
	return all
}

// ParentIDs returns the ids m names as earlier messages: In-Reply-To
// first (the direct parent), then References from the nearest back.
// An id equal to m's own is left out.
func (m *Message) ParentIDs() []string {
	var ids []string
	add := func(id string) {
		if id != "" && id != m.MessageID && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return ids
}
