package mailmsg

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText returns the readable text of an HTML document, as Parse puts
// it in Message.Text: script, style and head content skipped, link text
// kept, entities decoded, runs of white space collapsed, block elements on
// lines of their own. Comments vanish without leaving a gap, so a word split
// by one ("Via<!-- -->gra") comes out whole.
func HTMLToText(doc []byte) string {
	var t textBuf
	t.limit = maxTextDefault
	var z htmlTokenizer
	htmlToText(&t, &z, bytes.Clone(doc), nil) // the tokenizer decodes text in place
	return string(t.b)
}

// textBuf accumulates text up to a limit.
type textBuf struct {
	b         []byte
	limit     int
	truncated bool
}

func (t *textBuf) write(p []byte) {
	if room := t.limit - len(t.b); len(p) > room {
		if room <= 0 {
			t.truncated = true
			return
		}
		p = p[:room]
		t.truncated = true
	}
	t.b = append(t.b, p...)
}

func (t *textBuf) writeByte(c byte) {
	if len(t.b) >= t.limit {
		t.truncated = true
		return
	}
	t.b = append(t.b, c)
}

// newline ends the current line unless the text is empty or already ends
// with a line break.
func (t *textBuf) newline() {
	if n := len(t.b); n > 0 && t.b[n-1] != '\n' {
		if t.b[n-1] == ' ' {
			t.b = t.b[:n-1]
		}
		t.writeByte('\n')
	}
}

// htmlToText appends the text of doc to t and, when m is not nil, the
// href/src URLs to m.URLs, the anchors to m.Links and the forms and
// password fields to their counts. It tokenizes doc with z, which
// changes doc's bytes (it decodes text in place).
func htmlToText(t *textBuf, z *htmlTokenizer, doc []byte, m *Message) {
	var urls *[]string
	if m != nil {
		urls = &m.URLs
	}
	z.reset(doc)
	skip := 0 // depth inside elements whose content is not text
	pre := 0
	inHead := false // until </head> or the first body content
	var link []byte // the open anchor's href, undecoded
	linkStart := -1 // where the anchor's text starts in t.b
	for {
		tt := z.Next()
		switch tt {
		case errorToken:
			return
		case textToken:
			if skip > 0 || inHead {
				continue
			}
			if pre > 0 {
				t.write(z.Text())
			} else {
				writeCollapsed(t, z.Text())
			}
		case startTagToken, selfClosingTagToken:
			a := tagAtom(z.Raw())
			if urls != nil && hasURLAttr(a) {
				collectAttrURLs(z.Raw(), urls)
			}
			if m != nil {
				switch a {
				case atom.A:
					// the tag's bytes stay as they are (the tokenizer
					// decodes text only): the string is made when the link is
					link, linkStart = attrBytes(z.Raw(), "href"), len(t.b)
				case atom.Form:
					m.Forms++
				case atom.Input:
					if strings.EqualFold(attrValue(z.Raw(), "type"), "password") {
						m.PasswordFields++
					}
				}
			}
			if tt == selfClosingTagToken {
				if isBlock(a) || a == atom.Br {
					t.newline()
				}
				continue
			}
			if inHead && !isHeadElement(a) {
				inHead = false
			}
			switch {
			case a == atom.Head:
				inHead = true
			case isSkipped(a):
				skip++
			case a == atom.Pre:
				pre++
				t.newline()
			case a == atom.Br || isBlock(a):
				t.newline()
			case a == atom.Td || a == atom.Th:
				writeCollapsed(t, []byte(" "))
			}
		case endTagToken:
			a := tagAtom(z.Raw())
			if a == atom.A && linkStart >= 0 && linkStart <= len(t.b) {
				addLink(m, t.b[linkStart:], link)
				linkStart = -1
			}
			switch {
			case a == atom.Head:
				inHead = false
			case isSkipped(a):
				if skip > 0 {
					skip--
				}
			case a == atom.Pre:
				if pre > 0 {
					pre--
				}
				t.newline()
			case isBlock(a):
				t.newline()
			}
		}
		if t.truncated {
			return
		}
	}
}

// writeCollapsed appends text with each run of white space turned into one
// space (none at the start of a line).
func writeCollapsed(t *textBuf, p []byte) {
	for len(p) > 0 {
		i := 0
		for i < len(p) && !isHTMLSpace(p[i]) {
			i++
		}
		if i > 0 {
			t.write(p[:i])
			p = p[i:]
			continue
		}
		for i < len(p) && isHTMLSpace(p[i]) {
			i++
		}
		p = p[i:]
		if n := len(t.b); n > 0 && t.b[n-1] != ' ' && t.b[n-1] != '\n' {
			t.writeByte(' ')
		}
	}
}

func isHTMLSpace(c byte) bool { return htmlSpace[c] }

// htmlSpace marks the bytes HTML counts as white space.
var htmlSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true}

// collectAttrURLs adds the href, src, action and background values of the
// raw start tag. It reads the raw tag text itself: Tokenizer.TagAttr
// copies every attribute it returns.
func collectAttrURLs(raw []byte, urls *[]string) {
	scanAttrs(raw, func(key, val []byte) bool {
		if isURLAttr(key) && len(val) > 0 {
			v := bytes.TrimSpace(val)
			if bytes.IndexByte(v, '&') >= 0 {
				addURL(urls, html.UnescapeString(string(v)))
			} else {
				addURLBytes(urls, "", v)
			}
		}
		return true
	})
}

// scanAttrs calls fn with each attribute of a raw start tag that has a
// value, until fn returns false.
func scanAttrs(raw []byte, fn func(key, val []byte) bool) {
	i := 1
	for i < len(raw) && !isHTMLSpace(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++ // the tag name
	}
	for i < len(raw) {
		for i < len(raw) && (isHTMLSpace(raw[i]) || raw[i] == '/') {
			i++
		}
		ks := i
		for i < len(raw) && raw[i] != '=' && raw[i] != '>' && !isHTMLSpace(raw[i]) && raw[i] != '/' {
			i++
		}
		key := raw[ks:i]
		for i < len(raw) && isHTMLSpace(raw[i]) {
			i++
		}
		if i >= len(raw) || raw[i] != '=' {
			if i < len(raw) && raw[i] == '>' {
				return
			}
			if i == ks {
				i++
			}
			continue // an attribute without a value
		}
		i++
		for i < len(raw) && isHTMLSpace(raw[i]) {
			i++
		}
		var val []byte
		if i < len(raw) && (raw[i] == '"' || raw[i] == '\'') {
			q := raw[i]
			j := bytes.IndexByte(raw[i+1:], q)
			if j < 0 {
				val, i = raw[i+1:], len(raw)
			} else {
				val, i = raw[i+1:i+1+j], i+2+j
			}
		} else {
			vs := i
			for i < len(raw) && !isHTMLSpace(raw[i]) && raw[i] != '>' {
				i++
			}
			val = raw[vs:i]
		}
		if !fn(key, val) {
			return
		}
	}
}

func isURLAttr(key []byte) bool {
	switch len(key) {
	case 3:
		return bytes.EqualFold(key, []byte("src"))
	case 4:
		return bytes.EqualFold(key, []byte("href"))
	case 6:
		return bytes.EqualFold(key, []byte("action"))
	case 10:
		return bytes.EqualFold(key, []byte("background"))
	}
	return false
}

func isSkipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template, atom.Noembed:
		return true
	}
	return false
}

// isHeadElement reports whether a belongs in <head>; any other start tag
// ends a head that was never closed.
func isHeadElement(a atom.Atom) bool {
	switch a {
	case atom.Title, atom.Meta, atom.Link, atom.Style, atom.Script, atom.Base, atom.Noscript, atom.Template:
		return true
	}
	return false
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Tr, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Blockquote,
		atom.Hr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Nav, atom.Aside,
		atom.Form, atom.Title, atom.Body, atom.Html, atom.Center, atom.Address, atom.Fieldset:
		return true
	}
	return false
}

// tagAtom returns the atom of the tag whose raw text is raw ("<A href=..>",
// "</p>"), without the allocations of Tokenizer.TagName; 0 for names that
// are no known element.
func tagAtom(raw []byte) atom.Atom {
	i := 0
	for i < len(raw) && (raw[i] == '<' || raw[i] == '/') {
		i++
	}
	var buf [16]byte
	n := 0
	for ; i < len(raw) && n < len(buf); i++ {
		c := raw[i]
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			return atom.Lookup(buf[:n])
		}
		buf[n] = c
		n++
	}
	if n == len(buf) {
		return 0
	}
	return atom.Lookup(buf[:n])
}

// hasURLAttr reports whether elements of type a carry URLs worth
// collecting (href, src, action, background).
func hasURLAttr(a atom.Atom) bool {
	switch a {
	case atom.A, atom.Img, atom.Area, atom.Form, atom.Frame, atom.Iframe, atom.Body,
		atom.Table, atom.Td, atom.Th, atom.Tr, atom.Input, atom.Link, atom.Embed, atom.Base:
		return true
	}
	return false
}

// addLink records an anchor with its visible text and its href, undecoded
// (as attrBytes gives it).
func addLink(m *Message, text, rawHref []byte) {
	if len(rawHref) == 0 || len(m.Links) >= maxLinks {
		return
	}
	href := attrString(rawHref, m.URLs)
	if href == "" {
		return
	}
	text = bytes.TrimSpace(text)
	if len(text) > 200 {
		text = text[:200]
	}
	m.Links = append(m.Links, Link{URL: href, Text: strings.ToValidUTF8(string(text), "")})
}

// attrValue returns the value of the attribute key of a raw start tag, or
// "" (entities decoded).
func attrValue(raw []byte, key string) string {
	return attrString(attrBytes(raw, key), nil)
}

// attrBytes returns the value of the first attribute key of a raw start
// tag, white space trimmed and entities not decoded, or nil.
func attrBytes(raw []byte, key string) []byte {
	var val []byte
	scanAttrs(raw, func(k, v []byte) bool {
		if bytes.EqualFold(k, []byte(key)) {
			val = bytes.TrimSpace(v)
			return false
		}
		return true
	})
	return val
}

// attrString decodes an attribute value from attrBytes. A value without
// entities that equals one of have is that string, not a new copy.
func attrString(v []byte, have []string) string {
	if bytes.IndexByte(v, '&') >= 0 {
		return html.UnescapeString(string(v))
	}
	for i := len(have) - 1; i >= 0; i-- {
		if have[i] == string(v) {
			return have[i]
		}
	}
	return string(v)
}
