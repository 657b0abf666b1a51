package ingest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// headerValue returns the first value of the named header field in raw,
// unfolded and trimmed. It tolerates any bytes: broken messages still have
// their Message-ID read when one is there.
func headerValue(raw []byte, name string) string {
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

// FetchHeader fetches one header field of each of uids in the selected
// mailbox (BODY.PEEK[HEADER.FIELDS (name)]: nothing is marked read) and
// returns its value, unfolded and trimmed, by UID. A UID that is gone is
// missing from the map.
func FetchHeader(c *imapclient.Client, uids []imap.UID, name string) (map[imap.UID]string, error) {
	hdr := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{name}, Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{hdr}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s headers: %w", name, err)
	}
	out := make(map[imap.UID]string, len(msgs))
	for _, m := range msgs {
		out[m.UID] = headerValue(m.FindBodySection(hdr), name)
	}
	return out, nil
}
