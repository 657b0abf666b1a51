// Package msgindex records, per account and in the bus's key-value
// buckets, which Message-IDs the pipeline has ingested (and in which
// event), and which messages are in Junk or were moved there by the
// pipeline itself: what ingest, apply and escalate need to recognise a
// message across folders, resyncs and replicas.
package msgindex

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// MessageKey is what recognises a message across folders and resyncs:
// its Message-ID, or its content fingerprint (mailmsg.Fingerprint) when
// it has none; "" when neither is known. Every function of this package
// that takes a messageID takes this key.
func MessageKey(messageID, fingerprint string) string {
	if messageID != "" {
		return messageID
	}
	if fingerprint != "" {
		return "fingerprint:" + fingerprint
	}
	return ""
}

// seenEntry is the mail_seen value of a Message-ID: the identity that
// carried it and the stream sequence of its mail.ingested event.
type seenEntry struct {
	ID  string `json:"id"`
	Seq uint64 `json:"seq"`
}

// Key is the KV key of a Message-ID within an account: the account name
// and a hash of the id (ids may hold any character).
func Key(account, messageID string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(messageID)))
	return account + "." + hex.EncodeToString(sum[:16])
}

// RecordIngested notes that messageID was ingested as id at stream
// sequence seq. A message without a Message-ID is not recorded.
func RecordIngested(ctx context.Context, b *bus.Bus, account, messageID, id string, seq uint64) error {
	if messageID == "" {
		return nil
	}
	val, _ := json.Marshal(seenEntry{ID: id, Seq: seq})
	if _, err := b.Seen.Put(ctx, Key(account, messageID), val); err != nil {
		return fmt.Errorf("record message-id seen: %w", err)
	}
	return nil
}

// WasIngested reports whether the account already ingested a message with
// messageID.
func WasIngested(ctx context.Context, b *bus.Bus, account, messageID string) (bool, error) {
	if messageID == "" {
		return false, nil
	}
	return exists(ctx, b.Seen, Key(account, messageID))
}

// IngestedEvent returns the mail.ingested event that carried the message
// with messageID (as written, with its angle brackets) in the account,
// while the stream still holds it. ok is false when there is none.
func IngestedEvent(ctx context.Context, b *bus.Bus, account, messageID string) (ev *bus.Ingested, ok bool, err error) {
	e, err := b.Seen.Get(ctx, Key(account, messageID))
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

func exists(ctx context.Context, kv jetstream.KeyValue, key string) (bool, error) {
	_, err := kv.Get(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("look up %s: %w", key, err)
	}
}

// RecordIngestedAsync is RecordIngested without waiting for the bus:
// wait for the future (bus.WaitAcks; nil when nothing was written).
func RecordIngestedAsync(b *bus.Bus, account, messageID, id string, seq uint64) (jetstream.PubAckFuture, error) {
	if messageID == "" {
		return nil, nil
	}
	val, _ := json.Marshal(seenEntry{ID: id, Seq: seq})
	f, err := b.JS.PublishMsgAsync(&nats.Msg{Subject: bus.KVSubject(bus.SeenKV, Key(account, messageID)), Data: val})
	if err != nil {
		return nil, fmt.Errorf("record message-id seen: %w", err)
	}
	return f, nil
}
