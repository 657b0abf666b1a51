package spam

import (
	"strings"
	"unicode"

	"mailassist/mailmsg"
)

// extract adds the features of a parsed message:
//
//	s:word, pairs     subject words and word pairs
//	b:word, pairs     body text words and word pairs (first maxBodyTokens)
//	hn:name           header field names present (not stripped ones)
//	h:name:word       words of selected header fields
//	fd: rd: sd:       From, Reply-To, Sender domains; rd:same when equal
//	fn:word           From display name words
//	rcv…:             the first external Received hop's sending side
//	mid: mids:        Message-ID domain and shape
//	date:             Date shape and zone
//	ct: cs: ce: cd:   MIME types, charsets, encodings, dispositions
//	cst:              the MIME structure in one string
//	ax:               attachment file name extensions
//	u: ud: uip        URL hosts, their domains, numeric hosts
//	p:                parse problems ("8-bit header", ...)
//	len: nurl: ...    coarse counts
//	tcaps: texcl: tdollar:  the body text's capitals, '!' and '$'
//	sig:name          signals: sender authentication and phishing structure
//
// Header fields that the receiving side, collectors and other filters
// add are stripped first (strip.go).
func (f *featurizer) extract(m *mailmsg.Message) {
	f.words(m.Subject, "s:", true, 200)
	f.addString("subjcaps:", capsBucket(m.Subject))
	f.headers(m)
	f.structure(m)
	f.urls(m.URLs)
	for _, p := range m.Problems {
		f.addString("p:", p)
	}
	f.addString("len:", bucket(len(m.Text)/64))
	if m.HTML {
		if len(m.Parts) == 1 {
			f.addString("html:", "only")
		} else {
			f.addString("html:", "part")
		}
	}
	f.textShape(m.Text)
	f.phishFeatures(m)
	f.addSignals()
	f.body = len(f.feats)
	n := f.words(m.Text, "b:", true, maxBodyTokens)
	if m.HTMLText != "" && n < maxBodyTokens {
		f.words(m.HTMLText, "b:", true, maxBodyTokens-n)
	}
}

// capsBucket says how much of s is in capitals.
func capsBucket(s string) string {
	letters, upper := 0, 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	switch {
	case letters < 4:
		return "few"
	case upper*10 >= letters*9:
		return "all"
	case upper*2 >= letters:
		return "half"
	}
	return "low"
}

// skippedHeaders are not tokenized word by word: their values are unique
// per message (ids, dates) or handled on their own.
var skippedHeaders = map[string]bool{
	"Received": true, "Date": true, "Message-Id": true, "References": true,
	"In-Reply-To": true, "Subject": true, "Content-Type": true,
	"Content-Transfer-Encoding": true, "Mime-Version": true,
	"From": true, "Reply-To": true, "Sender": true,
}

// addressHeaders name the user and the other recipients: the same for
// every message of a mailbox, so their words are not features (their
// counts and the To domain's relation to From are).
var addressHeaders = map[string]bool{"To": true, "Cc": true, "Bcc": true, "Resent-To": true, "Resent-Cc": true}

func (f *featurizer) headers(m *mailmsg.Message) {
	h := m.Header
	fields := h.Fields()
	f.hops, f.hopText = receivedHops(fields, f.hops[:0]), f.hopText[:0]
	ext := f.externalHop(f.hops, f.env.Mailbox)
	clear(f.hops) // they alias the message: let it go with the featurizer pooled
	f.auth = authFrom(m, ext, f.env.Mailbox, f.env.DKIM)
	f.authFeatures(&f.auth)
	var extra []string
	if f.env.Mailbox != nil {
		extra = f.env.Mailbox.IgnoreHeaders
	}
	for _, fl := range fields {
		if fl.Name == "Received" || stripped(fl.Name, extra) {
			continue
		}
		lname := lowerASCII(f, fl.Name)
		f.add("hn:", lname)
		if skippedHeaders[fl.Name] || addressHeaders[fl.Name] ||
			strings.Contains(fl.Name, "Date") || strings.Contains(fl.Name, "Time") {
			// dates and times: when, not what
			continue
		}
		v := fl.RawBytes()
		if len(v) > maxHeaderValue {
			v = v[:maxHeaderValue]
		}
		var val string
		if has8bitOrEncoded(v) {
			val = h.Decode(fl)
		} else {
			val = unsafeString(v)
		}
		f.prefix = append(append(append(f.prefix[:0], "h:"...), lname...), ':')
		f.words(val, unsafeString(f.prefix), false, 40)
	}
	f.addresses(m)
	f.msgID(m.MessageID, h.Has("Message-Id"))
	f.date(unsafeString(h.RawBytes("Date")))
}

func (f *featurizer) addresses(m *mailmsg.Message) {
	from := ""
	if len(m.From) > 0 {
		from = m.From[0].Domain()
		f.addString("fd:", from)
		f.words(m.From[0].Name, "fn:", false, 10)
		if m.From[0].Name == "" {
			f.addString("fn:", "none")
		}
		f.addString("fl:", shapeLocal(f, m.From[0].Addr))
	} else {
		f.addString("fd:", "none")
	}
	if len(m.ReplyTo) > 0 {
		rd := m.ReplyTo[0].Domain()
		if rd == from {
			f.addString("rd:", "same")
		} else {
			f.addString("rd:", rd)
		}
	}
	if v := m.Header.Get("Sender"); v != "" {
		if as, _ := mailmsg.ParseAddressList(v); len(as) > 0 {
			f.addString("sd:", as[0].Domain())
		}
	}
	f.addString("nto:", bucket(len(m.To)))
	f.addString("ncc:", bucket(len(m.Cc)))
	for i, a := range m.To {
		if i >= 5 {
			break
		}
		if from != "" && strings.EqualFold(a.Domain(), from) {
			f.addString("td:", "same") // the user's own domain as sender: spoofing, or a colleague
			break
		}
	}
}

// shapeLocal returns the shape of an address's local part.
func shapeLocal(f *featurizer, addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	f.scratch = shape(f.scratch[:0], local, 12)
	return unsafeString(f.scratch)
}

// fieldWord returns the word after key in s ("from mail.example.com ...").
func fieldWord(s, key string) string {
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	s = strings.TrimLeft(s[i+len(key):], " \t\r\n(")
	if j := strings.IndexAny(s, " \t\r\n()[];"); j >= 0 {
		s = s[:j]
	}
	return s
}

// regDomain returns the last two labels of a host name (three when the
// second-last is a short second-level label such as "co" in "co.uk"), or
// "ip" for a numeric address.
func regDomain(host string) string {
	host = strings.Trim(host, ".[]")
	if host == "" {
		return ""
	}
	if isNumericHost(host) {
		return "ip"
	}
	last := strings.LastIndexByte(host, '.')
	if last < 0 {
		return host
	}
	second := strings.LastIndexByte(host[:last], '.')
	if second < 0 {
		return host
	}
	if last-second <= 4 && second > 0 { // co.uk, com.au, ac.th
		if third := strings.LastIndexByte(host[:second], '.'); third >= 0 {
			return host[third+1:]
		}
		return host
	}
	return host[second+1:]
}

func isNumericHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func (f *featurizer) msgID(id string, present bool) {
	if !present {
		f.addString("mid:", "none")
		return
	}
	local, domain, ok := strings.Cut(id, "@")
	if ok {
		f.addString("mid:", regDomain(strings.ToLower(domain)))
	}
	f.scratch = shape(f.scratch[:0], local, 24)
	f.add("mids:", f.scratch)
}

func (f *featurizer) date(raw string) {
	if raw == "" {
		f.addString("date:", "none")
		return
	}
	f.scratch = shape(f.scratch[:0], raw, 40)
	f.add("dates:", f.scratch)
	if i := strings.LastIndexAny(raw, "+-"); i >= 0 && i+5 <= len(raw) {
		f.addString("tz:", raw[i:i+5])
	}
}

// structure adds the MIME structure features.
func (f *featurizer) structure(m *mailmsg.Message) {
	f.scratch = f.scratch[:0]
	for i, p := range m.Parts {
		if i < 6 {
			if i > 0 {
				f.scratch = append(f.scratch, ',')
			}
			f.scratch = append(f.scratch, p.ContentType...)
		}
	}
	f.add("cst:", f.scratch)
	f.addString("np:", bucket(len(m.Parts)))
	for _, p := range m.Parts {
		f.addString("ct:", p.ContentType)
		if p.Charset != "" {
			f.addString("cs:", p.Charset)
		}
		if p.Encoding != "" {
			f.addString("ce:", p.Encoding)
		}
		if p.Disposition != "" {
			f.addString("cd:", p.Disposition)
		}
		if p.IsAttachment() {
			f.addString("at:", p.ContentType)
			if i := strings.LastIndexByte(p.Filename, '.'); i >= 0 && len(p.Filename)-i <= 6 {
				f.addString("ax:", strings.ToLower(p.Filename[i+1:]))
			}
		}
	}
}

func (f *featurizer) urls(urls []string) {
	f.addString("nurl:", bucket(len(urls)))
	for i, u := range urls {
		if i >= maxURLsFeatured {
			break
		}
		host := mailmsg.URLHost(u)
		if host == "" {
			if strings.HasPrefix(strings.ToLower(u), "mailto:") {
				f.addString("u:", "mailto")
			}
			continue
		}
		if isNumericHost(host) {
			f.addString("u:", "ip")
			continue
		}
		f.addString("u:", host)
		f.addString("ud:", regDomain(host))
	}
}

// textShape adds coarse features of the body text's look: how much of it
// is in capitals, and how many '!' and '$' it has.
func (f *featurizer) textShape(text string) {
	if len(text) > 1024 {
		text = text[:1024] // the start says enough
	}
	var n [5]int // other, upper, lower, '!', '$'
	for i := 0; i < len(text); i++ {
		n[shapeClass[text[i]]]++
	}
	upper, letters := n[1], n[1]+n[2]
	r := "few"
	switch {
	case letters <= 20:
	case upper*2 > letters:
		r = "high"
	case upper*6 > letters:
		r = "mid"
	default:
		r = "low"
	}
	f.addString("tcaps:", r)
	f.addString("texcl:", bucket(n[3]))
	f.addString("tdollar:", bucket(n[4]))
}

// shapeClass is 1 for upper-case letters, 2 lower-case, 3 '!', 4 '$'.
var shapeClass = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 1
		t[c+'a'-'A'] = 2
	}
	t['!'], t['$'] = 3, 4
	return t
}()

// lowerASCII returns the lower-case form of an ASCII name in the scratch
// buffer (valid until the next use of scratch).
func lowerASCII(f *featurizer, s string) []byte {
	f.scratch = f.scratch[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		f.scratch = append(f.scratch, c)
	}
	return f.scratch
}

func has8bitOrEncoded(v []byte) bool {
	for i, c := range v {
		if c >= 0x80 || c == '=' && i+1 < len(v) && v[i+1] == '?' {
			return true
		}
	}
	return false
}

// parseOptions cap the text parsed for features: the featurizer reads the
// first maxBodyTokens words, so converting more text (and tokenizing more
// HTML) is wasted work. The message is read and dropped (nothing of it
// is kept: Result's strings are copies), so its strings may share the raw
// message's memory instead of being copied.
var parseOptions = mailmsg.Options{MaxText: 8 << 10, ShareRaw: true}

// parse parses a message as the featurizer needs it.
func parse(raw []byte) *mailmsg.Message { return mailmsg.ParseWith(raw, parseOptions) }

// Parse parses a message as the model reads it (text capped at what the
// features use), for ClassifyIn. The Message's strings may be views of
// raw (mailmsg.Options.ShareRaw): raw must not change while it is used,
// and a string kept from it keeps raw in memory.
func Parse(raw []byte) *mailmsg.Message { return parse(raw) }
