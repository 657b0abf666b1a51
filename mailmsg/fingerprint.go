package mailmsg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Fingerprint identifies a message by its content when it has no
// Message-ID: the SHA-256 (first 128 bits, hex) of the message without
// the header fields that the receiving side adds or changes — trace
// fields (Received, Return-Path, Delivered-To, …), spam and virus
// verdicts, Authentication-Results, DKIM and ARC signatures, the status
// fields that some servers keep in the message (Status, X-UID, …).
// Header lines are unfolded and their white space collapsed, names lower
// case; line ends are normalised and trailing white space of the body
// ignored. So the same message delivered, migrated or re-appended keeps
// its fingerprint, and two different messages do not share one.
func Fingerprint(raw []byte) string {
	h := sha256.New()
	var name string
	var value []byte
	flush := func() {
		if name != "" && !volatileField(name) {
			h.Write([]byte(name))
			h.Write([]byte{':'})
			h.Write(collapseSpace(value))
			h.Write([]byte{'\n'})
		}
		name, value = "", value[:0]
	}
	pos := 0
	for pos < len(raw) {
		line, _ := cutLine(raw[pos:])
		content := trimEOL(line)
		if len(content) == 0 {
			pos += len(line) // end of header
			break
		}
		if content[0] == ' ' || content[0] == '\t' {
			value = append(value, ' ')
			value = append(value, content...)
			pos += len(line)
			continue
		}
		colon := bytes.IndexByte(content, ':')
		if pos == 0 && bytes.HasPrefix(content, []byte("From ")) &&
			(colon < 0 || bytes.ContainsAny(bytes.TrimRight(content[:colon], " \t"), " \t")) {
			pos += len(line) // mbox envelope line
			continue
		}
		flush()
		if colon <= 0 {
			break // not a field: the body starts here
		}
		name = strings.ToLower(string(bytes.TrimRight(content[:colon], " \t")))
		value = append(value[:0], content[colon+1:]...)
		pos += len(line)
	}
	flush()
	h.Write([]byte{0}) // header and body apart
	body := bytes.TrimRight(raw[pos:], " \t\r\n")
	for len(body) > 0 {
		var line []byte
		line, body = cutLine(body)
		h.Write(trimEOL(line))
		h.Write([]byte{'\n'})
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

// volatileField reports whether a header field (lower-case name) is one
// the receiving side adds or rewrites.
func volatileField(name string) bool {
	switch name {
	case "received", "return-path", "delivered-to", "x-original-to", "envelope-to", "x-envelope-from",
		"x-envelope-to", "x-delivered-to", "x-rcpt-to", "authentication-results", "received-spf",
		"x-received", "dkim-signature", "domainkey-signature", "x-original-authentication-results",
		"status", "x-status", "x-keywords", "x-uid", "x-imap", "x-imapbase", "content-length", "lines",
		"x-mozilla-status", "x-mozilla-status2", "x-mozilla-keys":
		return true
	}
	if strings.HasPrefix(name, "arc-") || strings.HasPrefix(name, "x-ms-exchange-") || strings.HasPrefix(name, "x-forefront-") {
		return true
	}
	return strings.HasPrefix(name, "x-") && (strings.Contains(name, "spam") || strings.Contains(name, "virus"))
}

// collapseSpace trims v and turns every run of white space into one space.
func collapseSpace(v []byte) []byte {
	out := make([]byte, 0, len(v))
	space := false
	for _, c := range v {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			space = len(out) > 0
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, c)
	}
	return out
}
