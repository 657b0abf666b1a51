package imapx

import (
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/mailmsg"
)

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
		out[m.UID] = mailmsg.HeaderValue(m.FindBodySection(hdr), name)
	}
	return out, nil
}
