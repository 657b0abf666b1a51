package escalate

import (
	"context"
	"errors"

	"mailassist/bus"
	"mailassist/msgindex"
)

// StreamLookup finds earlier messages of a thread in what the bus already
// holds: the mail.ingested events of the account, by Message-ID. It is
// cheaper than a search on the IMAP server, which stays the fallback (and
// the only way to reach Sent).
type StreamLookup struct {
	Bus     *bus.Bus
	Account string
}

// ByMessageID implements Lookup.
func (l StreamLookup) ByMessageID(ctx context.Context, id string) ([]byte, string, error) {
	ev, ok, err := msgindex.IngestedEvent(ctx, l.Bus, l.Account, "<"+id+">")
	if err != nil || !ok {
		if err == nil {
			err = ErrNotFound
		}
		return nil, "", err
	}
	raw, err := l.Bus.LoadBlob(ctx, ev.Raw, ev.RawKey, ev.RawObject)
	if errors.Is(err, bus.ErrRawExpired) { // the IMAP server is the archive
		return nil, "", ErrNotFound
	}
	return raw, ev.Mailbox, err
}
