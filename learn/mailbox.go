package learn

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// candidate is a message the bootstrap may learn, seen by its envelope.
type candidate struct {
	mailbox string
	uid     imap.UID
	date    time.Time
	msgID   string
	spam    bool
}

// key names the message for learn-once marks: its Message-ID, or where
// it is when it has none.
func (c candidate) key(account string, uidValidity uint32) string {
	id := c.msgID
	if id == "" {
		id = fmt.Sprintf("%s/%d/%d", c.mailbox, uidValidity, c.uid)
	}
	return account + "." + hashHex(id)
}

// scan selects a folder read-only and returns the envelopes of its
// newest messages matching crit (at most max), with the folder's
// UIDVALIDITY, and calls each with the recipients of every message
// scanned.
func scan(c *imapclient.Client, mailbox string, crit *imap.SearchCriteria, max int, spam bool, each func(rcpts []string)) ([]candidate, uint32, error) {
	return scanKept(c, mailbox, crit, max, spam, each, nil)
}

// scanKept is scan that counts only the messages keep keeps (nil: all):
// the newest limit of those.
func scanKept(c *imapclient.Client, mailbox string, crit *imap.SearchCriteria, limit int, spam bool, each func(rcpts []string), keep func([]imap.UID) ([]imap.UID, error)) ([]candidate, uint32, error) {
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, 0, fmt.Errorf("select %s: %w", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil, sel.UIDValidity, nil
	}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, 0, fmt.Errorf("search %s: %w", mailbox, err)
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	if keep != nil {
		if uids, err = newestKept(uids, limit, keep); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", mailbox, err)
		}
	} else if len(uids) > limit {
		uids = uids[len(uids)-limit:] // the newest
	}
	if len(uids) == 0 {
		return nil, sel.UIDValidity, nil
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, Envelope: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, 0, fmt.Errorf("fetch envelopes of %s: %w", mailbox, err)
	}
	out := make([]candidate, 0, len(msgs))
	for _, m := range msgs {
		cand := candidate{mailbox: mailbox, uid: m.UID, date: m.InternalDate, spam: spam}
		if env := m.Envelope; env != nil {
			cand.msgID = strings.Trim(env.MessageID, "<>")
			if each != nil {
				var rcpts []string
				for _, list := range [][]imap.Address{env.To, env.Cc, env.Bcc} {
					for _, a := range list {
						if a.Mailbox != "" && a.Host != "" {
							rcpts = append(rcpts, a.Mailbox+"@"+a.Host)
						}
					}
				}
				each(rcpts)
			}
		}
		out = append(out, cand)
	}
	return out, sel.UIDValidity, nil
}

// keepChunk is how many messages newestKept asks keep about at a time.
const keepChunk = 500

// newestKept returns the newest limit of uids (in ascending order) that
// keep keeps, asking keep about keepChunk of them at a time, the newest
// first, until it has limit.
func newestKept(uids []imap.UID, limit int, keep func([]imap.UID) ([]imap.UID, error)) ([]imap.UID, error) {
	var kept []imap.UID
	for hi := len(uids); hi > 0 && len(kept) < limit; {
		lo := max(0, hi-keepChunk)
		k, err := keep(uids[lo:hi])
		if err != nil {
			return nil, err
		}
		kept = append(slices.Clone(k), kept...)
		hi = lo
	}
	if len(kept) > limit {
		kept = kept[len(kept)-limit:]
	}
	return kept, nil
}

// newest sorts candidates newest first: by internal date, then (for one
// date) by folder and the higher UID first.
func newest(cs []candidate) []candidate {
	slices.SortStableFunc(cs, func(a, b candidate) int {
		if c := b.date.Compare(a.date); c != 0 {
			return c
		}
		if c := strings.Compare(a.mailbox, b.mailbox); c != 0 {
			return c
		}
		return cmp.Compare(b.uid, a.uid)
	})
	return cs
}

// maxExample is how much of a message the bootstrap reads: its first
// 128 KiB, where its header, its text (the features read 8 KiB of it) and
// the headers of most of its parts are; not the rest of a large
// attachment, so that the history held for training stays in proportion
// to the number of messages, not to their attachments.
const maxExample = 128 << 10

// fetchRaw fetches the messages of uids in the selected mailbox, their
// first maxExample bytes, without marking them read, by UID.
func fetchRaw(c *imapclient.Client, uids []imap.UID) (map[imap.UID][]byte, error) {
	body := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: maxExample}}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch messages: %w", err)
	}
	out := make(map[imap.UID][]byte, len(msgs))
	for _, m := range msgs {
		if raw := m.FindBodySection(body); raw != nil {
			out[m.UID] = raw
		}
	}
	return out, nil
}

// hamCriteria matches messages the user has read or answered.
var hamCriteria = &imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{
	{Flag: []imap.Flag{imap.FlagSeen}},
	{Flag: []imap.Flag{imap.FlagAnswered}},
}}}
