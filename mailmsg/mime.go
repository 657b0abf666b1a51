package mailmsg

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Part describes one entity of the MIME structure.
type Part struct {
	ContentType string // media type, lower-case ("text/plain"); "text/plain" when missing
	Charset     string // charset parameter, lower-case; "" when none
	Filename    string // decoded file name, from Content-Disposition or the type's name parameter
	Disposition string // "inline", "attachment" or "" (lower-case)
	Encoding    string // Content-Transfer-Encoding, lower-case; "" when none
	Size        int    // decoded size in bytes (estimated for parts that are not decoded)
	Depth       int    // nesting depth: 0 for the message itself
}

// IsMultipart reports whether the part is a multipart container.
func (p Part) IsMultipart() bool { return strings.HasPrefix(p.ContentType, "multipart/") }

// IsAttachment reports whether the part is a file rather than body text.
func (p Part) IsAttachment() bool {
	if p.IsMultipart() || p.ContentType == "message/rfc822" {
		return false
	}
	return p.Disposition == "attachment" || p.Filename != "" ||
		!strings.HasPrefix(p.ContentType, "text/")
}

const (
	maxDepth = 20   // nesting deeper than this is not walked
	maxParts = 1000 // parts after this many are not walked
)

// walker walks a MIME tree, filling a Message. It is pooled: its buffers
// are reused from message to message.
type walker struct {
	m     *Message
	opts  Options
	plain textBuf
	html  textBuf
	// plainRaw is the bytes of the raw message that plain holds, when it
	// holds one part's text unchanged and Options.ShareRaw is set; nil
	// otherwise.
	plainRaw []byte
	scratch  []byte  // decoded bytes of the current part
	conv     []byte  // charset-converted bytes of the current part
	fields   []Field // header fields of the part being walked
	used     int     // the most fields held in fields in this walk
	tok      htmlTokenizer
	parts    []Part // buffers of Message.Parts, URLs and Links while walking
	urls     []string
	links    []Link
	fallback string
	nparts   int
}

// parseHeader parses the header of an entity into w.fields (replacing
// what they held) and returns its body.
func (w *walker) parseHeader(b []byte) (body []byte, problems []string) {
	w.fields, body, problems = parseHeader(w.fields[:0], b)
	w.used = max(w.used, len(w.fields))
	return body, problems
}

// release returns w to the pool, keeping its buffers and nothing that
// refers to the message.
func (w *walker) release() {
	clear(w.fields[:w.used])
	clear(w.parts)
	clear(w.urls)
	clear(w.links)
	*w = walker{scratch: w.scratch[:0], conv: w.conv[:0],
		plain: textBuf{b: w.plain.b[:0]}, html: textBuf{b: w.html.b[:0]},
		fields: w.fields[:0], parts: w.parts[:0], urls: w.urls[:0], links: w.links[:0],
		tok: htmlTokenizer{attrs: w.tok.attrs[:0]}}
	walkerPool.Put(w)
}

func (w *walker) problem(p string) {
	for _, have := range w.m.Problems {
		if have == p {
			return
		}
	}
	if len(w.m.Problems) < 100 {
		w.m.Problems = append(w.m.Problems, p)
	}
}

// entity walks one entity given its header fields and body.
func (w *walker) entity(fields []Field, body []byte, depth int) {
	if w.nparts >= maxParts {
		w.problem("too many parts")
		return
	}
	w.nparts++
	h := Header{fields: fields, fallback: w.fallback, share: w.opts.ShareRaw}
	ctype, params := parseContentType(h, w)
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	disp, dparams := parseDisposition(h)
	p := Part{
		ContentType: ctype,
		Charset:     strings.ToLower(strings.Trim(params.charset, ` "'`)),
		Disposition: disp,
		Encoding:    cte,
		Depth:       depth,
	}
	p.Filename = dparams.filename
	if p.Filename == "" {
		p.Filename = params.name
	}
	if strings.Contains(p.Filename, "=?") {
		p.Filename, _ = decodeHeaderValue([]byte(p.Filename), w.fallback, true) // a copy of its own
	}
	idx := len(w.m.Parts)
	w.m.Parts = append(w.m.Parts, p)

	switch {
	case strings.HasPrefix(ctype, "multipart/"):
		w.m.Parts[idx].Size = len(body)
		if !w.multipart(body, params.boundary, depth) {
			w.leaf(&w.m.Parts[idx], body, "", true)
		}
	case ctype == "message/rfc822" && cte != "base64" && cte != "quoted-printable":
		w.m.Parts[idx].Size = len(body)
		if depth >= maxDepth {
			w.problem("nesting too deep")
			return
		}
		// fields may be w.fields: they are not read again
		innerBody, _ := w.parseHeader(body)
		w.entity(w.fields, innerBody, depth+1)
	default:
		w.leaf(&w.m.Parts[idx], body, cte, false)
	}
}

// multipart walks the parts of a multipart body. It returns false when no
// part could be found, so the caller treats the body as text.
func (w *walker) multipart(body []byte, boundary string, depth int) bool {
	if depth >= maxDepth {
		w.problem("nesting too deep")
		return true
	}
	boundary = strings.Trim(boundary, ` "'`)
	if boundary == "" {
		w.problem("multipart without boundary")
		if boundary = guessBoundary(body); boundary == "" {
			return false
		}
	}
	parts, closed := splitMultipart(body, boundary)
	if len(parts) == 0 {
		w.problem("multipart boundary not found")
		if g := guessBoundary(body); g != "" && g != boundary {
			parts, closed = splitMultipart(body, g)
		}
		if len(parts) == 0 {
			return false
		}
	}
	if !closed {
		w.problem("multipart not closed")
	}
	for _, part := range parts {
		// entity reads a part's fields before it walks the part's own
		// parts, so one buffer serves every level
		pbody, probs := w.parseHeader(part)
		for _, p := range probs {
			if p != "no body" {
				w.problem("part: " + p)
			}
		}
		w.entity(w.fields, pbody, depth+1)
	}
	return true
}

// splitMultipart returns the bodies between the delimiter lines of
// boundary, and whether the close delimiter was seen. The preamble and the
// epilogue are dropped.
func splitMultipart(body []byte, boundary string) (parts [][]byte, closed bool) {
	delim := []byte("--" + boundary)
	start := -1 // start of the current part
	for pos := 0; pos < len(body); {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		i += pos
		lineStart := i == 0 || body[i-1] == '\n'
		after := body[i+len(delim):]
		isClose := bytes.HasPrefix(after, []byte("--"))
		rest := after
		if isClose {
			rest = after[2:]
		}
		eol := bytes.IndexByte(rest, '\n')
		tail := rest
		if eol >= 0 {
			tail = rest[:eol]
		}
		if !lineStart || len(bytes.TrimRight(tail, " \t\r")) > 0 {
			pos = i + len(delim)
			continue
		}
		if start >= 0 {
			end := i
			if end > 0 && body[end-1] == '\n' {
				end--
				if end > start && body[end-1] == '\r' {
					end--
				}
			}
			if end < start {
				end = start
			}
			parts = append(parts, body[start:end])
		}
		if isClose {
			return parts, true
		}
		if eol < 0 {
			return parts, false
		}
		start = len(body) - len(rest) + eol + 1
		pos = start
		if len(parts) >= maxParts {
			return parts, false
		}
	}
	if start >= 0 && start <= len(body) {
		parts = append(parts, body[start:])
	}
	return parts, false
}

// guessBoundary finds a delimiter-looking line ("--something") that occurs
// at least twice, for multiparts whose declared boundary is missing or
// wrong.
func guessBoundary(body []byte) string {
	candidates := 0
	for pos, n := 0, 0; pos < len(body) && n < 200 && candidates < 5; n++ {
		line, _ := cutLine(body[pos:])
		pos += len(line)
		l := bytes.TrimRight(line, " \t\r\n")
		if len(l) < 6 || !bytes.HasPrefix(l, []byte("--")) || bytes.ContainsAny(l, " \t") {
			continue
		}
		candidates++
		b := bytes.TrimSuffix(l[2:], []byte("--"))
		if bytes.Contains(body[pos:], b) {
			return string(b)
		}
	}
	return ""
}

// leaf records a non-container part; text parts that are not attachments
// are decoded into the text buffers. asText treats the body as plain text
// whatever its type (a multipart whose parts cannot be found).
func (w *walker) leaf(p *Part, body []byte, cte string, asText bool) {
	isText := asText || p.ContentType == "text/plain" || p.ContentType == "text/html" ||
		strings.HasPrefix(p.ContentType, "text/") && p.ContentType != "text/rtf" && p.ContentType != "text/x-vcard"
	if !isText || p.Disposition == "attachment" {
		p.Size = decodedSize(body, cte)
		return
	}
	maxIn := 4*w.opts.MaxText + 1024
	var ok bool
	w.scratch, ok = appendDecoded(w.scratch[:0], body, cte, maxIn)
	if !ok {
		w.problem("unknown transfer encoding " + quote(cte))
	}
	p.Size = len(w.scratch)
	if len(body) > maxIn {
		p.Size = decodedSize(body, cte)
	}
	if bytes.IndexByte(w.scratch, 0) >= 0 {
		w.problem("NUL byte in text")
		w.scratch = bytes.ReplaceAll(w.scratch, []byte{0}, nil)
	}
	if p.Charset != "" && !charsetKnown(p.Charset) {
		w.problem("unknown charset " + quote(p.Charset))
	} else if isUTF8Label(p.Charset) && has8bit(w.scratch) && !utf8.Valid(w.scratch) {
		w.problem("8-bit text not in its charset")
	}
	w.conv, _ = appendUTF8(w.conv[:0], w.scratch, p.Charset, w.fallback)
	text := w.conv
	if p.ContentType == "text/html" && !asText {
		w.m.HTML = true
		if w.html.limit-len(w.html.b) <= 0 {
			w.html.truncated = true
			return
		}
		start := len(w.html.b)
		w.html.newline()
		htmlToText(&w.html, &w.tok, text, w.m) // text is w.conv, not read again
		findURLs(w.html.b[start:], &w.m.URLs)
		return
	}
	wasEmpty := len(w.plain.b) == 0
	w.plain.newline()
	w.plain.write(text)
	w.plainRaw = nil
	if w.opts.ShareRaw && wasEmpty && len(text) <= len(body) && bytes.Equal(text, body[:len(text)]) {
		w.plainRaw = body[:len(w.plain.b)] // plain is text (or its start), which is body's
	}
	findURLs(text, &w.m.URLs)
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// parseContentType returns the media type (text/plain when missing) and
// its parameters, falling back to a lenient parse for malformed values.
func parseContentType(h Header, w *walker) (string, mediaParams) {
	v := h.Get("Content-Type")
	if v == "" {
		return "text/plain", mediaParams{}
	}
	t, params, err := parseMediaType(v)
	if err != nil || t == "" {
		w.problem("malformed content-type")
		var m map[string]string
		t, m = lenientParams(v)
		params = paramsOf(m)
	}
	if t == "" || strings.IndexByte(t, '/') < 0 {
		t = "text/plain"
	}
	return t, params
}

// parseDisposition returns the lower-case disposition and its parameters.
func parseDisposition(h Header) (string, mediaParams) {
	v := h.Get("Content-Disposition")
	if v == "" {
		return "", mediaParams{}
	}
	d, params, err := parseMediaType(v)
	if err != nil {
		var m map[string]string
		d, m = lenientParams(v)
		params = paramsOf(m)
	}
	return d, params
}

// lenientParams splits "type; a=b; c=\"d\"" by hand, keeping whatever
// makes sense of a value mime.ParseMediaType rejects.
func lenientParams(v string) (string, map[string]string) {
	params := map[string]string{}
	pieces := strings.Split(v, ";")
	t := strings.ToLower(strings.TrimSpace(pieces[0]))
	if i := strings.IndexAny(t, " \t"); i >= 0 {
		t = t[:i]
	}
	for _, p := range pieces[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' {
			if j := strings.IndexByte(val[1:], '"'); j >= 0 {
				val = val[1 : 1+j]
			}
		}
		if _, have := params[k]; !have && k != "" {
			params[k] = val
		}
	}
	return t, params
}
