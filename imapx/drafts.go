package imapx

import (
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/mailmsg"
)

// DraftHeader is a message of a Drafts folder as SearchDrafts sees it.
type DraftHeader struct {
	UID imap.UID
	// Value is the value of the header field searched for ("" when the
	// message lacks it).
	Value string
	// InReplyTo are the ids of its In-Reply-To, without angle brackets.
	InReplyTo []string
	// Draft: it has the \Draft flag.
	Draft bool
}

// SearchDrafts returns the messages of the selected mailbox that carry
// the header field name (with any value) or the \Draft flag, and are not
// marked \Deleted: one UID SEARCH and one FETCH of two header fields and
// the flags, whatever the size of the folder's other messages.
func SearchDrafts(c *imapclient.Client, name string) ([]DraftHeader, error) {
	data, err := c.UIDSearch(&imap.SearchCriteria{
		Or: [][2]imap.SearchCriteria{{
			{Header: []imap.SearchCriteriaHeaderField{{Key: name, Value: ""}}},
			{Flag: []imap.Flag{imap.FlagDraft}},
		}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search drafts: %w", err)
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return nil, nil
	}
	hdr := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{name, "In-Reply-To"}, Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{hdr}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch drafts' headers: %w", err)
	}
	out := make([]DraftHeader, 0, len(msgs))
	for _, m := range msgs {
		h := m.FindBodySection(hdr)
		out = append(out, DraftHeader{
			UID: m.UID, Value: mailmsg.HeaderValue(h, name),
			InReplyTo: mailmsg.ParseMsgIDs(mailmsg.HeaderValue(h, "In-Reply-To")),
			Draft:     slices.Contains(m.Flags, imap.FlagDraft),
		})
	}
	return out, nil
}

// FetchRaw returns the whole of each of uids in the selected mailbox
// (BODY.PEEK[]: nothing is marked read), by UID; a UID that is gone is
// missing.
func FetchRaw(c *imapclient.Client, uids []imap.UID) (map[imap.UID][]byte, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch messages: %w", err)
	}
	out := make(map[imap.UID][]byte, len(msgs))
	for _, m := range msgs {
		out[m.UID] = m.FindBodySection(section)
	}
	return out, nil
}
