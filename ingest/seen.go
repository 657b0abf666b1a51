package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// seenEntry is the mail_seen value of a Message-ID: the identity that
// carried it and the stream sequence of its mail.ingested event.
type seenEntry struct {
	ID  string `json:"id"`
	Seq uint64 `json:"seq"`
}

// seenKey is the mail_seen key of a Message-ID within an account.
func seenKey(account, messageID string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(messageID)))
	return account + "." + hex.EncodeToString(sum[:16])
}

// recordSeen notes that messageID was ingested as id at stream sequence seq.
func recordSeen(ctx context.Context, b *bus.Bus, account, messageID, id string, seq uint64) error {
	if messageID == "" {
		return nil
	}
	val, _ := json.Marshal(seenEntry{ID: id, Seq: seq})
	if _, err := b.Seen.Put(ctx, seenKey(account, messageID), val); err != nil {
		return fmt.Errorf("record message-id seen: %w", err)
	}
	return nil
}

// IngestedByMessageID returns the mail.ingested event that carried the
// message with messageID (as written, with its angle brackets) in the
// account, while the stream still holds it. ok is false when there is none.
func IngestedByMessageID(ctx context.Context, b *bus.Bus, account, messageID string) (ev *bus.Ingested, ok bool, err error) {
	e, err := b.Seen.Get(ctx, seenKey(account, messageID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("look up message-id: %w", err)
	}
	var se seenEntry
	if json.Unmarshal(e.Value(), &se) != nil || se.Seq == 0 {
		return nil, false, nil
	}
	msg, err := b.Stream.GetMsg(ctx, se.Seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, false, nil // aged out of the stream
	}
	if err != nil {
		return nil, false, fmt.Errorf("read ingested event %d: %w", se.Seq, err)
	}
	ev = new(bus.Ingested)
	if err := json.Unmarshal(msg.Data, ev); err != nil || ev.ID != se.ID {
		return nil, false, nil
	}
	return ev, true, nil
}
