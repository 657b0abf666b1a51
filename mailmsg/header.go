package mailmsg

import (
	"bytes"
	"encoding/binary"
	"net/textproto"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Field is one header field as it appears in the message.
type Field struct {
	// Name is the field name in canonical form ("Content-Type"). Like the
	// value, it may share memory with the raw message.
	Name string
	// val is the value as it appears in the message (folded, undecoded): a
	// view of the raw message, a string rather than a slice to keep Field
	// small (a message has dozens).
	val string
}

// raw returns the field's value as it appears in the message, as bytes
// (a view of the message: not to be modified).
func (f Field) raw() []byte { return unsafe.Slice(unsafe.StringData(f.val), len(f.val)) }

// Raw returns the field's value as it appears in the message: folding and
// encoded words kept, only the space after the colon removed.
func (f Field) Raw() string { return string(trimSpace(f.raw())) }

// RawBytes returns the field's undecoded value without copying. The slice
// aliases the parsed message and must not be modified.
func (f Field) RawBytes() []byte { return trimSpace(f.raw()) }

// Header holds a message's or a MIME part's header fields in order.
// Lookups are case-insensitive. The zero Header is empty.
type Header struct {
	fields []Field
	// fallback names the charset used for raw 8-bit bytes that are not
	// UTF-8 (from the message's Content-Type; windows-1252 when unknown).
	fallback string
	share    bool // Options.ShareRaw: decoded values may be views of the message
}

// Fields returns the header fields in message order. The slice must not be
// modified.
func (h Header) Fields() []Field { return h.fields }

// Len returns the number of fields.
func (h Header) Len() int { return len(h.fields) }

// Has reports whether a field with the given name is present.
func (h Header) Has(name string) bool {
	_, ok := h.field(name)
	return ok
}

func (h Header) field(name string) (Field, bool) {
	for _, f := range h.fields {
		if len(f.Name) == len(name) && strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// Raw returns the first named field's value as it appears in the message
// (folded, encoded words kept), or "" when absent.
func (h Header) Raw(name string) string {
	f, _ := h.field(name)
	return f.Raw()
}

// RawBytes returns the first named field's value as Raw does, without
// copying: the slice aliases the parsed message and must not be modified.
func (h Header) RawBytes(name string) []byte {
	f, _ := h.field(name)
	return f.RawBytes()
}

// Get returns the first named field's value unfolded, with RFC 2047 encoded
// words decoded and legacy charsets converted to UTF-8, or "" when absent.
func (h Header) Get(name string) string {
	f, ok := h.field(name)
	if !ok {
		return ""
	}
	return h.Decode(f)
}

// Values returns every named field's value, decoded as by Get.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h.fields {
		if len(f.Name) == len(name) && strings.EqualFold(f.Name, name) {
			vs = append(vs, h.Decode(f))
		}
	}
	return vs
}

// Decode returns f's value unfolded and decoded to UTF-8 as by Get.
func (h Header) Decode(f Field) string {
	s, _ := decodeHeaderValue(unfold(f.raw()), h.fallback, h.share)
	return s
}

// maxFields bounds how many header fields are kept; the rest of a longer
// header is skipped (and reported).
const maxFields = 2000

// parseHeader splits raw into header fields, which it appends to fields,
// and the body. It accepts LF or CRLF line ends, continuation lines, and
// garbage: a line that is neither a field nor a continuation ends the
// header (and is reported), so the body starts there.
func parseHeader(fields []Field, raw []byte) (_ []Field, body []byte, problems []string) {
	first := len(fields)
	valStart := -1 // offset in raw of the last field's value
	dropped := false
	pos := 0
	for pos < len(raw) {
		end := len(raw)
		if i := bytes.IndexByte(raw[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		content := trimEOL(raw[pos:end])
		switch {
		case len(content) == 0:
			return fields, raw[end:], problems
		case content[0] == ' ' || content[0] == '\t':
			if valStart < 0 {
				if len(fields) == first && !dropped {
					problems = append(problems, "header starts with a continuation line")
				}
			} else {
				fields[len(fields)-1].val = unsafeString(raw[valStart:end])
			}
		default:
			colon := bytes.IndexByte(content, ':')
			if colon <= 0 || !validName(content[:colon]) {
				if len(fields) == first && bytes.HasPrefix(content, []byte("From ")) {
					break // mbox envelope line
				}
				problems = append(problems, "malformed header line")
				return fields, raw[pos:], problems
			}
			if len(fields)-first >= maxFields {
				if !dropped {
					problems = append(problems, "too many header fields")
					dropped = true
				}
				valStart = -1
				break // skip the field, keep looking for the end of the header
			}
			name := canonicalName(bytes.TrimRight(content[:colon], " \t"))
			valStart = pos + colon + 1
			fields = append(fields, Field{Name: name, val: unsafeString(raw[valStart:end])})
		}
		pos = end
	}
	if len(fields) > first {
		problems = append(problems, "no body")
	}
	return fields, nil, problems
}

func validName(b []byte) bool {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 127 || c == ':' {
			return false
		}
	}
	return true
}

// canonicalName returns the canonical form of a header name. A name that
// is already canonical is returned as a view of b, without copying (the
// Message shares memory with the raw message anyway); others are
// converted, common ones without allocating.
func canonicalName(b []byte) string {
	if isCanonical(b) {
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	// a view of b: CanonicalMIMEHeaderKey returns it (when it cannot be
	// made canonical), an interned name or a new string
	return textproto.CanonicalMIMEHeaderKey(unsafe.String(unsafe.SliceData(b), len(b)))
}

// isCanonical reports whether b is a header name in canonical form: each
// dash-separated word an upper-case letter then lower-case letters or
// digits.
func isCanonical(b []byte) bool {
	upper := true
	for _, c := range b {
		switch {
		case c == '-':
			upper = true
			continue
		case upper && 'A' <= c && c <= 'Z', !upper && ('a' <= c && c <= 'z' || '0' <= c && c <= '9'):
		default:
			return false
		}
		upper = false
	}
	return len(b) > 0
}

// unfold removes the line breaks of a folded value and trims it. It drops
// NUL bytes, which no consumer wants.
func unfold(v []byte) []byte {
	v = trimSpace(v)
	if bytes.IndexByte(v, '\n') < 0 && bytes.IndexByte(v, 0) < 0 && bytes.IndexByte(v, '\r') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	for _, c := range v {
		switch c {
		case '\r', '\n', 0:
		default:
			out = append(out, c)
		}
	}
	return out
}

func trimSpace(b []byte) []byte {
	return bytes.TrimFunc(b, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
}

// has8bit reports whether b has bytes outside 7-bit ASCII.
func has8bit(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// headerProblems reports what is wrong with header fields as a whole.
func headerProblems(fields []Field) []string {
	var ps []string
	eight, invalid := false, false
	for _, f := range fields {
		if has8bit(f.raw()) {
			eight = true
			if !utf8.ValidString(f.val) {
				invalid = true
			}
		}
	}
	if eight {
		ps = append(ps, "8-bit header")
	}
	if invalid {
		ps = append(ps, "non-UTF-8 header bytes")
	}
	return ps
}

// trimEOL drops the line end (any mix of CR and LF) from a line.
func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// cutLine returns the first line of b including its line end, and the rest.
func cutLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1], b[i+1:]
	}
	return b, nil
}
