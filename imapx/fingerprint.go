package imapx

import (
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/mailmsg"
)

// fingerprintChunk bounds the messages one FETCH of whole messages asks
// for; they are hashed one at a time as they arrive.
const fingerprintChunk = 50

// FetchFingerprints fetches each of uids in the selected mailbox
// (BODY.PEEK[]: nothing is marked read) and returns its content
// fingerprint (mailmsg.Fingerprint) by UID. A UID that is gone is
// missing from the map.
func FetchFingerprints(c *imapclient.Client, uids []imap.UID) (map[imap.UID]string, error) {
	out := make(map[imap.UID]string, len(uids))
	body := &imap.FetchItemBodySection{Peek: true}
	for chunk := range slices.Chunk(uids, fingerprintChunk) {
		cmd := c.Fetch(imap.UIDSetNum(chunk...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}})
		for m := cmd.Next(); m != nil; m = cmd.Next() {
			buf, err := m.Collect()
			if err != nil {
				_ = cmd.Close()
				return nil, fmt.Errorf("fetch messages to fingerprint: %w", err)
			}
			out[buf.UID] = mailmsg.Fingerprint(buf.FindBodySection(body))
		}
		if err := cmd.Close(); err != nil {
			return nil, fmt.Errorf("fetch messages to fingerprint: %w", err)
		}
	}
	return out, nil
}

// FindByFingerprint returns the UIDs of the messages in the selected
// mailbox that have no Message-ID and whose fingerprint is fp. Only the
// messages without a Message-ID are fetched (UID SEARCH NOT HEADER
// Message-ID ""), which are few in any mailbox.
func FindByFingerprint(c *imapclient.Client, fp string) ([]imap.UID, error) {
	data, err := c.UIDSearch(&imap.SearchCriteria{
		Not: []imap.SearchCriteria{{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: ""}}}},
	}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search messages without a message-id: %w", err)
	}
	fps, err := FetchFingerprints(c, data.AllUIDs())
	if err != nil {
		return nil, err
	}
	var out []imap.UID
	for uid, f := range fps {
		if f == fp {
			out = append(out, uid)
		}
	}
	slices.Sort(out)
	return out, nil
}
