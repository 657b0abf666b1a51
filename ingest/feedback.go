package ingest

import (
	"context"
	"time"

	"mailassist/bus"
	"mailassist/msgindex"
)

// label tells what a message newly seen by this watcher says about the
// user's intent: "spam" for one the user moved into Junk, "ham" for one
// moved out of Junk, "" otherwise. During a first sync or a resync nothing
// is feedback: those messages were not moved just now.
func (s *syncer) label(ctx context.Context, messageID string) (bus.Label, error) {
	w := s.w
	if messageID == "" {
		return "", nil // cannot be recognised across folders: never a label
	}
	if w.Junk {
		if err := msgindex.MarkInJunk(ctx, w.Bus, w.Account.Name, messageID, w.Mailbox); err != nil {
			return "", err
		}
		if s.quiet {
			return "", nil
		}
		ours, err := msgindex.MovedToJunk(ctx, w.Bus, w.Account.Name, messageID)
		if err != nil || ours {
			return "", err
		}
		return bus.LabelSpam, nil
	}
	was, err := msgindex.TakeInJunk(ctx, w.Bus, w.Account.Name, messageID)
	if err != nil || !was || s.quiet {
		return "", err
	}
	return bus.LabelHam, nil
}

func (s *syncer) publishFeedback(ctx context.Context, ev *bus.Ingested, label bus.Label) error {
	fb := bus.Feedback{
		V: bus.Version, Ref: ev.Ref, Kind: bus.FeedbackLabel, Label: label, Source: bus.SourceUserMove, RawKey: ev.RawKey, RawObject: ev.RawObject, At: time.Now().UTC(),
	}
	if _, err := s.w.Bus.Publish(ctx, bus.Subject(bus.KindFeedback, ev.Account), bus.MsgID("feedback", ev.ID), &fb); err != nil {
		return err
	}
	feedbackPublished.With(ev.Account, string(label)).Inc()
	s.w.Log.Info("user feedback", "uid", ev.UID, "label", label)
	return nil
}
