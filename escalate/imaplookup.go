package escalate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/imapx"
	"mailassist/mailmsg"
)

// maxCandidates bounds how many messages matching a HEADER search are
// checked for the exact Message-ID in one folder.
const maxCandidates = 10

// IMAPLookup finds messages in an account's folders (the watched ones,
// Sent, an archive) with UID SEARCH HEADER Message-ID. Folders are opened
// read-only (EXAMINE) and messages fetched with BODY.PEEK[], so nothing
// in the mailbox changes, not even \Seen. It is safe for concurrent use:
// lookups on one client run one at a time.
//
// IMAP commands cannot be cancelled; when ctx ends during a lookup the
// client is closed, and the caller must dial a new one.
type IMAPLookup struct {
	Client  *imapclient.Client
	Folders []string

	mu sync.Mutex
}

// ByMessageID implements Lookup. A folder that does not exist is
// skipped (an archive folder may not have been created yet).
func (l *IMAPLookup) ByMessageID(ctx context.Context, id string) ([]byte, string, error) {
	if id == "" || strings.ContainsAny(id, "\r\n\"\\") {
		return nil, "", ErrNotFound // not an id a search could match exactly
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { l.Client.Close() })
	defer stop()
	for _, folder := range l.Folders {
		raw, err := l.inFolder(folder, id)
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		if errors.Is(err, ErrNotFound) {
			continue
		}
		return raw, folder, err
	}
	return nil, "", ErrNotFound
}

func (l *IMAPLookup) inFolder(folder, id string) ([]byte, error) {
	c := l.Client
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		if missingFolder(c, folder, err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("examine %s: %w", folder, err)
	}
	crit := &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: id}}}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search %s for Message-ID: %w", folder, err)
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return nil, ErrNotFound
	}
	// HEADER search matches substrings: check the ids, newest first.
	slices.Reverse(uids)
	uids = uids[:min(len(uids), maxCandidates)]
	uid, err := exactMatch(c, folder, uids, id)
	if err != nil {
		return nil, err
	}
	body := &imap.FetchItemBodySection{Peek: true}
	bufs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch %s uid %d: %w", folder, uid, err)
	}
	for _, b := range bufs {
		if raw := b.FindBodySection(body); b.UID == uid && raw != nil {
			return raw, nil
		}
	}
	return nil, ErrNotFound // expunged between search and fetch
}

// exactMatch fetches the Message-ID header of the candidates and returns
// the first whose id equals id exactly, or ErrNotFound.
func exactMatch(c *imapclient.Client, folder string, uids []imap.UID, id string) (imap.UID, error) {
	byUID, err := imapx.FetchHeader(c, uids, "Message-ID")
	if err != nil {
		return 0, fmt.Errorf("%s: %w", folder, err)
	}
	for _, uid := range uids {
		if ids := mailmsg.ParseMsgIDs(byUID[uid]); len(ids) > 0 && ids[0] == id {
			return uid, nil
		}
	}
	return 0, ErrNotFound
}

// missingFolder reports whether a failed EXAMINE failed because the
// folder does not exist: the NONEXISTENT response code, or (Dovecot 2.3
// sends a plain NO) a LIST that does not find it.
func missingFolder(c *imapclient.Client, folder string, err error) bool {
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeNo {
		return false
	}
	if ie.Code == imap.ResponseCodeNonExistent {
		return true
	}
	boxes, lerr := c.List("", folder, nil).Collect()
	return lerr == nil && len(boxes) == 0
}
