package ingest

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
	return kind + "." + seenKey(account, messageID)
}

// MarkMovedToJunk records that the pipeline is about to move the message
// with messageID to Junk, so the Junk watcher does not take it for a user's
// spam label.
func MarkMovedToJunk(ctx context.Context, b *bus.Bus, account, messageID string) error {
	if messageID == "" {
		return nil
	}
	if _, err := b.Junk.Put(ctx, junkKey("moved", account, messageID), []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("record move to junk: %w", err)
	}
	return nil
}

// markInJunk records that the message with messageID is now in Junk, so
// that a move back out is noticed even before the Junk watcher saw it.
func markInJunk(ctx context.Context, b *bus.Bus, account, messageID, junk string) error {
	if messageID == "" {
		return nil
	}
	if _, err := b.Junk.Put(ctx, junkKey("in", account, messageID), []byte(junk)); err != nil {
		return fmt.Errorf("record message in junk: %w", err)
	}
	return nil
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

// label tells what a message newly seen by this watcher says about the
// user's intent: "spam" for one the user moved into Junk, "ham" for one
// moved out of Junk, "" otherwise. During a first sync or a resync nothing
// is feedback: those messages were not moved just now.
func (s *syncer) label(ctx context.Context, messageID string) (string, error) {
	w := s.w
	if messageID == "" {
		return "", nil // cannot be recognised across folders: never a label
	}
	kv := w.Bus.Junk
	if w.Junk {
		inKey := junkKey("in", w.Account.Name, messageID)
		if _, err := kv.Put(ctx, inKey, []byte(w.Mailbox)); err != nil {
			return "", fmt.Errorf("record message in junk: %w", err)
		}
		if s.quiet {
			return "", nil
		}
		ours, err := exists(ctx, kv, junkKey("moved", w.Account.Name, messageID))
		if err != nil || ours {
			return "", err
		}
		return bus.LabelSpam, nil
	}
	inKey := junkKey("in", w.Account.Name, messageID)
	was, err := exists(ctx, kv, inKey)
	if err != nil || !was {
		return "", err
	}
	if err := kv.Delete(ctx, inKey); err != nil {
		return "", fmt.Errorf("forget message in junk: %w", err)
	}
	if s.quiet {
		return "", nil
	}
	return bus.LabelHam, nil
}

func (s *syncer) publishFeedback(ctx context.Context, ev *bus.Ingested, label string) error {
	fb := bus.Feedback{
		V: bus.Version, Ref: ev.Ref, Label: label, Source: "user-move", Raw: ev.Raw, RawObject: ev.RawObject, At: time.Now().UTC(),
	}
	if _, err := s.w.Bus.Publish(ctx, bus.Subject(bus.KindFeedback, ev.Account), bus.MsgID("feedback", ev.ID), &fb); err != nil {
		return err
	}
	feedbackPublished.WithLabelValues(ev.Account, label).Inc()
	s.w.Log.Info("user feedback", "uid", ev.UID, "label", label)
	return nil
}
