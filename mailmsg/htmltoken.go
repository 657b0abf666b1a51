// The tokenizer below is golang.org/x/net/html's Tokenizer (token.go,
// escape.go; Copyright 2010 The Go Authors, BSD-style license: see
// https://cs.opensource.google/go/x/net/+/master:LICENSE), cut down to what
// htmlToText reads and changed to work on a document already in memory.

package mailmsg

import (
	"bytes"
	"slices"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// tokenType is the type of an HTML token, as html.TokenType.
type tokenType uint8

const (
	errorToken tokenType = iota
	textToken
	startTagToken
	endTagToken
	selfClosingTagToken
	commentToken
	doctypeToken
)

// span is a range of bytes of the document, start inclusive, end exclusive.
type span struct{ start, end int }

// htmlTokenizer splits an HTML document into the tokens of
// golang.org/x/net/html's Tokenizer — the same types, the same raw bytes
// (Raw) and the same text (Text) for every input, which
// TestHTMLTokenizerMatchesXNetHTML and FuzzDiffHTMLTokenizer check — but
// reads the document in place instead of through an io.Reader and a
// buffer, and keeps no attributes (the callers read them from Raw), so it
// neither copies the document nor allocates per tag. Text unescapes and
// converts line ends in place: the document's bytes change.
type htmlTokenizer struct {
	buf []byte // the document
	tt  tokenType
	eof bool // the document has been read to its end (x/net/html's err)
	// buf[raw.start:raw.end] is the current token; buf[data.start:data.end]
	// its text or tag name.
	raw, data span
	// rawTag is the element ("script", "title", ...) whose end tag closes
	// the next token, read as raw text or RCDATA; "" for none.
	rawTag     string
	textIsRaw  bool // the current text is not unescaped
	convertNUL bool // NULs in the current text become U+FFFD
	// attrs are the current start tag's attributes, for the self-closing
	// check: it needs the last one x/net/html keeps (a non-empty key seen
	// for the first time).
	attrs []attrSpan
}

// attrSpan is one attribute of a start tag: its key and where its value
// ends.
type attrSpan struct {
	key    span
	valEnd int
}

// reset makes z tokenize doc from its start.
func (z *htmlTokenizer) reset(doc []byte) {
	*z = htmlTokenizer{buf: doc, attrs: z.attrs[:0]}
}

// readByte returns the next byte, or sets eof and returns 0 at the end.
func (z *htmlTokenizer) readByte() byte {
	if z.raw.end >= len(z.buf) {
		z.eof = true
		return 0
	}
	c := z.buf[z.raw.end]
	z.raw.end++
	return c
}

// skipWhiteSpace skips past any white space.
func (z *htmlTokenizer) skipWhiteSpace() {
	if z.eof {
		return
	}
	for {
		c := z.readByte()
		if z.eof {
			return
		}
		switch c {
		case ' ', '\n', '\r', '\t', '\f':
		default:
			z.raw.end--
			return
		}
	}
}

// readRawOrRCDATA reads until the next "</foo>", where "foo" is z.rawTag.
func (z *htmlTokenizer) readRawOrRCDATA() {
	if z.rawTag == "script" {
		z.readScript()
		z.textIsRaw = true
		z.rawTag = ""
		return
	}
	for {
		c := z.readByte()
		if z.eof {
			break
		}
		if c != '<' {
			continue
		}
		c = z.readByte()
		if z.eof {
			break
		}
		if c != '/' {
			z.raw.end--
			continue
		}
		if z.readRawEndTag() || z.eof {
			break
		}
	}
	z.data.end = z.raw.end
	// A textarea's or title's RCDATA can contain escaped entities.
	z.textIsRaw = z.rawTag != "textarea" && z.rawTag != "title"
	z.rawTag = ""
}

// readRawEndTag attempts to read a tag like "</foo>", where "foo" is
// z.rawTag. If it succeeds, it backs up the input position to reconsume
// the tag and returns true. The opening "</" has already been consumed.
func (z *htmlTokenizer) readRawEndTag() bool {
	for i := 0; i < len(z.rawTag); i++ {
		c := z.readByte()
		if z.eof {
			return false
		}
		if c != z.rawTag[i] && c != z.rawTag[i]-('a'-'A') {
			z.raw.end--
			return false
		}
	}
	c := z.readByte()
	if z.eof {
		return false
	}
	switch c {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		// 2 for the leading "</" plus 1 for the trailing character c
		z.raw.end -= 3 + len(z.rawTag)
		return true
	}
	z.raw.end--
	return false
}

// readScript reads until the next </script> tag, following the rules for
// escaping and hiding the closing tag.
func (z *htmlTokenizer) readScript() {
	defer func() {
		z.data.end = z.raw.end
	}()
	var c byte

scriptData:
	c = z.readByte()
	if z.eof {
		return
	}
	if c == '<' {
		goto scriptDataLessThanSign
	}
	goto scriptData

scriptDataLessThanSign:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '/':
		goto scriptDataEndTagOpen
	case '!':
		goto scriptDataEscapeStart
	}
	z.raw.end--
	goto scriptData

scriptDataEndTagOpen:
	if z.readRawEndTag() || z.eof {
		return
	}
	goto scriptData

scriptDataEscapeStart:
	c = z.readByte()
	if z.eof {
		return
	}
	if c == '-' {
		goto scriptDataEscapeStartDash
	}
	z.raw.end--
	goto scriptData

scriptDataEscapeStartDash:
	c = z.readByte()
	if z.eof {
		return
	}
	if c == '-' {
		goto scriptDataEscapedDashDash
	}
	z.raw.end--
	goto scriptData

scriptDataEscaped:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '-':
		goto scriptDataEscapedDash
	case '<':
		goto scriptDataEscapedLessThanSign
	}
	goto scriptDataEscaped

scriptDataEscapedDash:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '-':
		goto scriptDataEscapedDashDash
	case '<':
		goto scriptDataEscapedLessThanSign
	}
	goto scriptDataEscaped

scriptDataEscapedDashDash:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '-':
		goto scriptDataEscapedDashDash
	case '<':
		goto scriptDataEscapedLessThanSign
	case '>':
		goto scriptData
	}
	goto scriptDataEscaped

scriptDataEscapedLessThanSign:
	c = z.readByte()
	if z.eof {
		return
	}
	if c == '/' {
		goto scriptDataEscapedEndTagOpen
	}
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
		goto scriptDataDoubleEscapeStart
	}
	z.raw.end--
	goto scriptData

scriptDataEscapedEndTagOpen:
	if z.readRawEndTag() || z.eof {
		return
	}
	goto scriptDataEscaped

scriptDataDoubleEscapeStart:
	z.raw.end--
	for i := 0; i < len("script"); i++ {
		c = z.readByte()
		if z.eof {
			return
		}
		if c != "script"[i] && c != "SCRIPT"[i] {
			z.raw.end--
			goto scriptDataEscaped
		}
	}
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case ' ', '\n', '\r', '\t', '\f', '/', '>':
		goto scriptDataDoubleEscaped
	}
	z.raw.end--
	goto scriptDataEscaped

scriptDataDoubleEscaped:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '-':
		goto scriptDataDoubleEscapedDash
	case '<':
		goto scriptDataDoubleEscapedLessThanSign
	}
	goto scriptDataDoubleEscaped

scriptDataDoubleEscapedDash:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '-':
		goto scriptDataDoubleEscapedDashDash
	case '<':
		goto scriptDataDoubleEscapedLessThanSign
	}
	goto scriptDataDoubleEscaped

scriptDataDoubleEscapedDashDash:
	c = z.readByte()
	if z.eof {
		return
	}
	switch c {
	case '-':
		goto scriptDataDoubleEscapedDashDash
	case '<':
		goto scriptDataDoubleEscapedLessThanSign
	case '>':
		goto scriptData
	}
	goto scriptDataDoubleEscaped

scriptDataDoubleEscapedLessThanSign:
	c = z.readByte()
	if z.eof {
		return
	}
	if c == '/' {
		goto scriptDataDoubleEscapeEnd
	}
	z.raw.end--
	goto scriptDataDoubleEscaped

scriptDataDoubleEscapeEnd:
	if z.readRawEndTag() {
		z.raw.end += len("</script>")
		goto scriptDataEscaped
	}
	if z.eof {
		return
	}
	goto scriptDataDoubleEscaped
}

// readComment reads the next comment token starting with "<!--". The
// opening "<!--" has already been consumed.
func (z *htmlTokenizer) readComment() {
	z.data.start = z.raw.end
	defer func() {
		if z.data.end < z.data.start {
			z.data.end = z.data.start // a comment with no data, like <!-->
		}
	}()
	dashCount := 0
	beginning := true
	for {
		c := z.readByte()
		if z.eof {
			z.data.end = z.abruptCommentDataEnd()
			return
		}
		switch c {
		case '-':
			dashCount++
			continue
		case '>':
			if dashCount >= 2 || beginning {
				z.data.end = z.raw.end - len("-->")
				return
			}
		case '!':
			if dashCount >= 2 {
				c = z.readByte()
				if z.eof {
					z.data.end = z.abruptCommentDataEnd()
					return
				} else if c == '>' {
					z.data.end = z.raw.end - len("--!>")
					return
				} else if c == '-' {
					dashCount = 1
					beginning = false
					continue
				}
			}
		}
		dashCount = 0
		beginning = false
	}
}

func (z *htmlTokenizer) abruptCommentDataEnd() int {
	raw := z.Raw()
	if len(raw) >= len("<!--") {
		raw = raw[len("<!--"):]
		switch {
		case bytes.HasSuffix(raw, []byte("--!")):
			return z.raw.end - 3
		case bytes.HasSuffix(raw, []byte("--")):
			return z.raw.end - 2
		case bytes.HasSuffix(raw, []byte("-")):
			return z.raw.end - 1
		}
	}
	return z.raw.end
}

// readUntilCloseAngle reads until the next ">".
func (z *htmlTokenizer) readUntilCloseAngle() {
	z.data.start = z.raw.end
	for {
		c := z.readByte()
		if z.eof {
			z.data.end = z.raw.end
			return
		}
		if c == '>' {
			z.data.end = z.raw.end - len(">")
			return
		}
	}
}

// readMarkupDeclaration reads the next token starting with "<!": a
// comment, a doctype or a bogus comment (CDATA is not allowed: x/net/html's
// default). The opening "<!" has already been consumed.
func (z *htmlTokenizer) readMarkupDeclaration() tokenType {
	z.data.start = z.raw.end
	var c [2]byte
	for i := 0; i < 2; i++ {
		c[i] = z.readByte()
		if z.eof {
			z.data.end = z.raw.end
			if i == 1 && c[0] == '>' {
				z.data.end--
			}
			return commentToken
		}
	}
	if c[0] == '-' && c[1] == '-' {
		z.readComment()
		return commentToken
	}
	z.raw.end -= 2
	if z.readDoctype() {
		return doctypeToken
	}
	z.readUntilCloseAngle()
	return commentToken
}

// readDoctype attempts to read a doctype declaration and returns true if
// successful. The opening "<!" has already been consumed.
func (z *htmlTokenizer) readDoctype() bool {
	const s = "DOCTYPE"
	for i := 0; i < len(s); i++ {
		c := z.readByte()
		if z.eof {
			// back up to read the fragment of "DOCTYPE" again; the end is
			// found again by the next read
			z.raw.end = z.data.start
			z.eof = false
			return false
		}
		if c != s[i] && c != s[i]+('a'-'A') {
			z.raw.end = z.data.start
			return false
		}
	}
	if z.skipWhiteSpace(); z.eof {
		z.data.start = z.raw.end
		z.data.end = z.raw.end
		return true
	}
	z.readUntilCloseAngle()
	return true
}

// startTagIn returns the element of ss that the start tag's name matches,
// ignoring ASCII case, or "".
func (z *htmlTokenizer) startTagIn(ss ...string) string {
	name := z.buf[z.data.start:z.data.end]
	for _, s := range ss {
		if len(name) == len(s) && asciiEqualFold(name, s) {
			return s
		}
	}
	return ""
}

func asciiEqualFold(b []byte, lower string) bool {
	for i := 0; i < len(b); i++ {
		if lowerASCIIByte(b[i]) != lower[i] {
			return false
		}
	}
	return true
}

// readStartTag reads the next start tag token. The opening "<a" has
// already been consumed, where 'a' means anything in [A-Za-z].
func (z *htmlTokenizer) readStartTag() tokenType {
	z.readTag(true)
	if z.eof {
		return errorToken
	}
	// Several tags flag the tokenizer's next token as raw.
	c := z.buf[z.data.start]
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	switch c {
	case 'i':
		z.rawTag = z.startTagIn("iframe")
	case 'n':
		z.rawTag = z.startTagIn("noembed", "noframes", "noscript")
	case 'p':
		z.rawTag = z.startTagIn("plaintext")
	case 's':
		z.rawTag = z.startTagIn("script", "style")
	case 't':
		z.rawTag = z.startTagIn("textarea", "title")
	case 'x':
		z.rawTag = z.startTagIn("xmp")
	}
	// A self-closing tag ends in "/>", where the '/' is not the last
	// character of the last attribute's unquoted value (<p a=/>).
	if z.buf[z.raw.end-2] == '/' {
		if end, ok := z.lastKeptAttrValueEnd(); !ok || z.raw.end-2 != end-1 {
			return selfClosingTagToken
		}
	}
	return startTagToken
}

// lastKeptAttrValueEnd returns where the value of the last attribute that
// x/net/html keeps ends: of those with a non-empty key not seen before in
// the tag (keys compared with ASCII letters lower-cased, as x/net/html
// does). ok is false when there is none.
func (z *htmlTokenizer) lastKeptAttrValueEnd() (end int, ok bool) {
	// Many attributes go through a set, so that no tag takes quadratic
	// time.
	var seen map[string]bool
	if len(z.attrs) > 16 {
		seen = make(map[string]bool, len(z.attrs))
	}
	last := -1
	for i, a := range z.attrs {
		key := z.buf[a.key.start:a.key.end]
		if len(key) == 0 {
			continue
		}
		if seen != nil {
			k := string(lowerASCIIBytes(key))
			if seen[k] {
				continue
			}
			seen[k] = true
		} else if z.keySeenBefore(i) {
			continue
		}
		last = i
	}
	if last < 0 {
		return 0, false
	}
	return z.attrs[last].valEnd, true
}

// keySeenBefore reports whether an attribute before i has attribute i's
// key, ASCII letters compared without case.
func (z *htmlTokenizer) keySeenBefore(i int) bool {
	key := z.buf[z.attrs[i].key.start:z.attrs[i].key.end]
	for _, a := range z.attrs[:i] {
		if k := z.buf[a.key.start:a.key.end]; len(k) == len(key) && equalFoldASCII(k, key) {
			return true
		}
	}
	return false
}

// equalFoldASCII reports whether a and b, of the same length, are equal
// with ASCII letters lower-cased (and nothing else folded).
func equalFoldASCII(a, b []byte) bool {
	for i := range a {
		if lowerASCIIByte(a[i]) != lowerASCIIByte(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCIIByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerASCIIBytes returns a copy of b with ASCII letters lower-cased.
func lowerASCIIBytes(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = lowerASCIIByte(c)
	}
	return out
}

// readTag reads the next tag token and, when keep is true, its
// attributes' spans. The opening "<a" or "</a" has already been consumed.
func (z *htmlTokenizer) readTag(keep bool) {
	z.attrs = z.attrs[:0]
	z.readTagName()
	if z.skipWhiteSpace(); z.eof {
		return
	}
	for {
		c := z.readByte()
		if z.eof || c == '>' {
			break
		}
		z.raw.end--
		key := z.readTagAttrKey()
		valEnd := z.readTagAttrVal()
		if keep {
			z.attrs = append(z.attrs, attrSpan{key: key, valEnd: valEnd})
		}
		if z.skipWhiteSpace(); z.eof {
			break
		}
	}
}

// readTagName sets z.data to the "div" in "<div k=v>". The first byte of
// the name has already been consumed.
func (z *htmlTokenizer) readTagName() {
	z.data.start = z.raw.end - 1
	for {
		c := z.readByte()
		if z.eof {
			z.data.end = z.raw.end
			return
		}
		switch c {
		case ' ', '\n', '\r', '\t', '\f':
			z.data.end = z.raw.end - 1
			return
		case '/', '>':
			z.raw.end--
			z.data.end = z.raw.end
			return
		}
	}
}

// readTagAttrKey returns the span of the "k" in "<div k=v>".
func (z *htmlTokenizer) readTagAttrKey() span {
	key := span{start: z.raw.end}
	for {
		c := z.readByte()
		if z.eof {
			key.end = z.raw.end
			return key
		}
		switch c {
		case '=':
			if key.start+1 == z.raw.end {
				// an equals sign before the name begins is part of it
				continue
			}
			fallthrough
		case ' ', '\n', '\r', '\t', '\f', '/', '>':
			z.raw.end--
			key.end = z.raw.end
			return key
		}
	}
}

// readTagAttrVal reads the "v" in "<div k=v>" and returns where it ends.
func (z *htmlTokenizer) readTagAttrVal() (end int) {
	end = z.raw.end
	if z.skipWhiteSpace(); z.eof {
		return end
	}
	c := z.readByte()
	if z.eof {
		return end
	}
	if c == '/' {
		return end
	}
	if c != '=' {
		z.raw.end--
		return end
	}
	if z.skipWhiteSpace(); z.eof {
		return end
	}
	quote := z.readByte()
	if z.eof {
		return end
	}
	switch quote {
	case '>':
		z.raw.end--
		return end
	case '\'', '"':
		for {
			c := z.readByte()
			if z.eof {
				return z.raw.end
			}
			if c == quote {
				return z.raw.end - 1
			}
		}
	default:
		for {
			c := z.readByte()
			if z.eof {
				return z.raw.end
			}
			switch c {
			case ' ', '\n', '\r', '\t', '\f':
				return z.raw.end - 1
			case '>':
				z.raw.end--
				return z.raw.end
			}
		}
	}
}

// Next scans the next token and returns its type.
func (z *htmlTokenizer) Next() tokenType {
	z.raw.start = z.raw.end
	z.data.start = z.raw.end
	z.data.end = z.raw.end
	if z.eof {
		z.tt = errorToken
		return z.tt
	}
	if z.rawTag != "" {
		if z.rawTag == "plaintext" {
			z.raw.end = len(z.buf) // everything up to the end
			z.eof = true
			z.data.end = z.raw.end
			z.textIsRaw = true
		} else {
			z.readRawOrRCDATA()
		}
		if z.data.end > z.data.start {
			z.tt = textToken
			z.convertNUL = true
			return z.tt
		}
	}
	z.textIsRaw = false
	z.convertNUL = false

	for {
		// text up to the next '<'
		i := bytes.IndexByte(z.buf[z.raw.end:], '<')
		if i < 0 {
			z.raw.end = len(z.buf)
			z.eof = true
			break
		}
		z.raw.end += i + 1
		c := z.readByte()
		if z.eof {
			break
		}
		var tt tokenType
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			tt = startTagToken
		case c == '/':
			tt = endTagToken
		case c == '!' || c == '?':
			tt = commentToken
		default:
			z.raw.end-- // reconsume the character
			continue
		}
		// Text before the tag is a token of its own, returned first.
		if x := z.raw.end - len("<a"); z.raw.start < x {
			z.raw.end = x
			z.data.end = x
			z.tt = textToken
			return z.tt
		}
		switch tt {
		case startTagToken:
			z.tt = z.readStartTag()
			return z.tt
		case endTagToken:
			c = z.readByte()
			if z.eof {
				break
			}
			if c == '>' {
				// "</>" is no token at all: an empty comment
				z.tt = commentToken
				return z.tt
			}
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				z.readTag(false)
				if z.eof {
					z.tt = errorToken
				} else {
					z.tt = endTagToken
				}
				return z.tt
			}
			z.raw.end--
			z.readUntilCloseAngle()
			z.tt = commentToken
			return z.tt
		case commentToken:
			if c == '!' {
				z.tt = z.readMarkupDeclaration()
				return z.tt
			}
			z.raw.end--
			z.readUntilCloseAngle()
			z.tt = commentToken
			return z.tt
		}
		break // the end came inside "</"
	}
	if z.raw.start < z.raw.end {
		z.data.end = z.raw.end
		z.tt = textToken
		return z.tt
	}
	z.tt = errorToken
	return z.tt
}

// Raw returns the bytes of the current token.
func (z *htmlTokenizer) Raw() []byte {
	return z.buf[z.raw.start:z.raw.end]
}

// Text returns the text of a text, comment or doctype token: line ends
// converted to "\n", entities decoded (not in raw text). It changes the
// document's bytes in place.
func (z *htmlTokenizer) Text() []byte {
	switch z.tt {
	case textToken, commentToken, doctypeToken:
		s := z.buf[z.data.start:z.data.end]
		z.data.start = z.raw.end
		z.data.end = z.raw.end
		s = convertNewlines(s)
		if (z.convertNUL || z.tt == commentToken) && bytes.IndexByte(s, 0) >= 0 {
			s = bytes.ReplaceAll(s, []byte{0}, []byte("\ufffd"))
		}
		if !z.textIsRaw {
			s = unescapeText(s)
		}
		return s
	}
	return nil
}

// convertNewlines converts "\r" and "\r\n" in s to "\n", in place.
func convertNewlines(s []byte) []byte {
	for i, c := range s {
		if c != '\r' {
			continue
		}
		src := i + 1
		if src >= len(s) || s[src] != '\n' {
			s[i] = '\n'
			continue
		}
		dst := i
		for src < len(s) {
			if s[src] == '\r' {
				if src+1 < len(s) && s[src+1] == '\n' {
					src++
				}
				s[dst] = '\n'
			} else {
				s[dst] = s[src]
			}
			src++
			dst++
		}
		return s[:dst]
	}
	return s
}

// unescapeText decodes the character references of text (not of an
// attribute value) as html.UnescapeString does, in place when the result
// is not longer.
func unescapeText(b []byte) []byte {
	first := bytes.IndexByte(b, '&')
	if first < 0 {
		return b
	}
	out := b[:first]
	inPlace := true
	for src := first; src < len(b); {
		if b[src] != '&' {
			out = append(out, b[src])
			src++
			continue
		}
		repl, n := unescapeEntity(b[src:])
		if len(repl) == 0 { // not a reference: the '&' stays
			out = append(out, '&')
			src++
			continue
		}
		if inPlace && len(out)+len(repl) > src+n {
			out = slices.Clone(out) // would overtake the input
			inPlace = false
		}
		out = append(out, repl...)
		src += n
	}
	return out
}

// unescapeEntity decodes the character reference at the start of s (which
// starts with '&'): its text and how many bytes of s it takes; no text when
// it is none. Numeric references are decoded here as x/net/html does them;
// named ones in commonEntities are looked up, and the rest are left to
// html.UnescapeString, which reads no further than the name and its ';'.
func unescapeEntity(s []byte) (repl []byte, n int) {
	if len(s) > 1 && s[1] == '#' {
		r, n := numericReference(s)
		if n == 1 {
			return nil, 1
		}
		return utf8.AppendRune(nil, r), n
	}
	i := 1
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	if i == 1 {
		return nil, 1 // "&" and then no name
	}
	if i < len(s) && s[i] == ';' {
		i++
		if r, ok := commonEntities[string(s[1:i])]; ok {
			return r, i
		}
	}
	// the reference takes at most s[:i]; what it leaves of that is text
	// without '&', which comes back as it is
	return []byte(html.UnescapeString(string(s[:i]))), i
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// numericReference decodes "&#123;" or "&#x7b;" at the start of s as
// x/net/html does: the rune and the bytes taken, 1 when s starts none.
func numericReference(s []byte) (rune, int) {
	if len(s) <= 2 {
		return '&', 1
	}
	i := 2
	hex := false
	if c := s[i]; c == 'x' || c == 'X' {
		hex = true
		i++
	}
	i0 := i
	x := rune(0)
	for i < len(s) {
		c := s[i]
		var d rune
		mult := rune(10)
		switch {
		case '0' <= c && c <= '9':
			d = rune(c) - '0'
		case hex && 'a' <= c && c <= 'f':
			d = rune(c) - 'a' + 10
		case hex && 'A' <= c && c <= 'F':
			d = rune(c) - 'A' + 10
		default:
			goto done
		}
		if hex {
			mult = 16
		}
		if x <= 0x10FFFF {
			x = mult*x + d
		}
		i++
	}
done:
	if i == i0 {
		return '&', 1
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	switch {
	case 0x80 <= x && x <= 0x9F:
		x = windows1252Runes[x-0x80] // numeric references meant as Windows-1252
	case x == 0 || 0xD800 <= x && x <= 0xDFFF || x > 0x10FFFF:
		x = '\uFFFD'
	}
	return x, i
}

// windows1252Runes are the characters of Windows-1252's bytes 0x80–0x9F,
// which numeric references in that range stand for (x/net/html's
// replacementTable).
var windows1252Runes = [32]rune{
	'\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
	'\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
	'\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
	'\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
}

// commonEntities are the named references most mail uses, with ';', and
// their text, which html.UnescapeString gives them (so they cannot
// differ): looked up without a call and an allocation.
var commonEntities = func() map[string][]byte {
	names := []string{
		"amp", "lt", "gt", "quot", "apos", "nbsp", "copy", "reg", "trade", "middot", "bull",
		"hellip", "mdash", "ndash", "lsquo", "rsquo", "ldquo", "rdquo", "sbquo", "bdquo",
		"laquo", "raquo", "euro", "pound", "yen", "cent", "deg", "plusmn", "times", "divide",
		"sect", "para", "iexcl", "iquest", "shy", "zwnj", "zwj", "ensp", "emsp", "thinsp",
		"aacute", "agrave", "acirc", "auml", "atilde", "aring", "aelig", "ccedil",
		"eacute", "egrave", "ecirc", "euml", "iacute", "igrave", "icirc", "iuml",
		"ntilde", "oacute", "ograve", "ocirc", "ouml", "otilde", "oslash",
		"uacute", "ugrave", "ucirc", "uuml", "yacute", "yuml", "szlig",
		"Aacute", "Agrave", "Acirc", "Auml", "Aring", "Ccedil", "Eacute", "Egrave",
		"Ecirc", "Ntilde", "Oacute", "Ouml", "Oslash", "Uacute", "Uuml",
		"frac12", "frac14", "frac34", "sup2", "sup3", "micro", "larr", "rarr", "uarr", "darr",
		"dagger", "Dagger", "permil", "prime", "loz", "spades", "clubs", "hearts", "diams",
	}
	m := make(map[string][]byte, len(names))
	for _, n := range names {
		m[n+";"] = []byte(html.UnescapeString("&" + n + ";"))
	}
	return m
}()
