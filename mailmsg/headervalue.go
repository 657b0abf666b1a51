package mailmsg

import (
	"bytes"
	"strings"
)

// HeaderValue returns the first value of the named header field in raw,
// unfolded and trimmed. It tolerates any bytes: broken messages still have
// their Message-ID read when one is there. It reads no further than the
// header, so it is the cheap way to get one field of a large message.
func HeaderValue(raw []byte, name string) string {
	var val []byte
	found := false
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break // end of header
		}
		if line[0] == ' ' || line[0] == '\t' {
			if found {
				val = append(val, ' ')
				val = append(val, bytes.TrimSpace(line)...)
			}
			continue
		}
		if found {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon > 0 && strings.EqualFold(string(bytes.TrimSpace(line[:colon])), name) {
			found = true
			val = append(val[:0], bytes.TrimSpace(line[colon+1:])...)
		}
	}
	return strings.TrimSpace(string(val))
}
