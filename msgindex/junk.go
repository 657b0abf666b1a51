package msgindex

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// The mail_junk bucket remembers, per account and Message-ID, which
// messages are in Junk ("in") and which the pipeline itself moved there
// ("moved"), so that only the user's own moves become feedback.

func junkKey(kind, account, messageID string) string {
	return kind + "." + Key(account, messageID)
}

// MarkMovedToJunk records that the pipeline is about to move the message
// with messageID to Junk, so the Junk watcher does not take it for a
// user's spam label.
func MarkMovedToJunk(ctx context.Context, b *bus.Bus, account, messageID string) error {
	if messageID == "" {
		return nil
	}
	if _, err := b.Junk.Put(ctx, junkKey("moved", account, messageID), []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("record move to junk: %w", err)
	}
	return nil
}

// MovedToJunk reports whether the pipeline moved the message to Junk.
func MovedToJunk(ctx context.Context, b *bus.Bus, account, messageID string) (bool, error) {
	return exists(ctx, b.Junk, junkKey("moved", account, messageID))
}

// MarkInJunk records that the message with messageID is now in the Junk
// folder junk, so that a move back out is noticed even before the Junk
// watcher saw it.
func MarkInJunk(ctx context.Context, b *bus.Bus, account, messageID, junk string) error {
	if messageID == "" {
		return nil
	}
	if _, err := b.Junk.Put(ctx, junkKey("in", account, messageID), []byte(junk)); err != nil {
		return fmt.Errorf("record message in junk: %w", err)
	}
	return nil
}

// InJunk reports whether the message was recorded as in Junk.
func InJunk(ctx context.Context, b *bus.Bus, account, messageID string) (bool, error) {
	return exists(ctx, b.Junk, junkKey("in", account, messageID))
}

// TakeInJunk reports whether the message was recorded as in Junk, and
// forgets that record: the message has just been seen outside Junk.
func TakeInJunk(ctx context.Context, b *bus.Bus, account, messageID string) (bool, error) {
	key := junkKey("in", account, messageID)
	was, err := exists(ctx, b.Junk, key)
	if err != nil || !was {
		return false, err
	}
	if err := b.Junk.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, fmt.Errorf("forget message in junk: %w", err)
	}
	return true, nil
}
