package ingest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/msgindex"
)

const (
	fetchChunk  = 100 // UIDs per UID FETCH, and what a backlog is published by
	maxUIDTries = 3   // sessions a single message may break before it is dead-lettered
	// resyncWindow is how long after a UIDVALIDITY change new messages
	// are still checked against those already ingested: the server may be
	// restoring the mailbox's messages one by one after the change.
	resyncWindow = 10 * time.Minute
)

var bodySection = &imap.FetchItemBodySection{Peek: true} // BODY.PEEK[]: never sets \Seen

// syncer catches one selected mailbox up with its checkpoint.
type syncer struct {
	w           *Watcher
	c           *imapclient.Client
	uidValidity uint32
	uidNext     uint32 // UIDNEXT when the mailbox was selected
	cp          *checkpoints
	quiet       bool // first sync or resync: no message is user feedback
	// liveFrom is the lowest UID not known when the catch-up began: a
	// message at or above it that arrives during a backlog is new mail,
	// and published ahead of the backlog (publish.go).
	liveFrom imap.UID
}

// maxCASReloads bounds how often one catch-up reloads a checkpoint that
// another writer moved; more means something else keeps writing it, and
// the session ends (and is retried with backoff).
const maxCASReloads = 5

// run publishes every message the checkpoint has not covered yet. When
// the checkpoint changed under it (a compare-and-set conflict: another
// replica advanced it), it reloads the checkpoint and catches up again.
func (s *syncer) run(ctx context.Context) error {
	for reloads := 0; ; reloads++ {
		if s.cp == nil {
			cp, err := loadCheckpoint(ctx, s.w.Bus.Checkpoints, s.w.Account.Name, s.w.Mailbox)
			if err != nil {
				return err
			}
			s.cp = cp
		}
		err := s.catchUp(ctx)
		if !bus.IsCASConflict(err) || reloads >= maxCASReloads {
			return err
		}
		s.w.Log.Warn("checkpoint changed under us; reloading", "err", err)
		s.cp = nil
	}
}

func (s *syncer) catchUp(ctx context.Context) error {
	cur := s.cp.cur
	s.quiet = cur == nil || cur.UIDValidity != s.uidValidity
	switch {
	case cur == nil:
		uids, err := s.searchSince()
		if err != nil {
			return err
		}
		s.w.Log.Info("first sync", "messages", len(uids), "since", s.w.Account.InitialSync.D())
		return s.publish(ctx, uids, false)
	case cur.UIDValidity != s.uidValidity:
		uids, err := s.searchSince()
		if err != nil {
			return err
		}
		s.w.Log.Warn("UIDVALIDITY changed; resyncing, skipping messages already handled",
			"old", cur.UIDValidity, "new", s.uidValidity, "candidates", len(uids))
		s.w.resynced = time.Now()
		return s.publish(ctx, uids, true)
	default:
		uids, err := s.searchAfter(cur.LastUID)
		if err != nil {
			return err
		}
		// The Junk watcher publishes only the user's moves: never skip those.
		return s.publish(ctx, uids, !s.w.Junk && !s.w.Sent && time.Since(s.w.resynced) < resyncWindow)
	}
}

// searchSince lists the UIDs that arrived within the initial-sync window.
func (s *syncer) searchSince() ([]imap.UID, error) {
	since := time.Now().Add(-s.w.Account.InitialSync.D())
	data, err := s.c.UIDSearch(&imap.SearchCriteria{Since: since}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search since %s: %w", since.Format(time.DateOnly), err)
	}
	return sortedUIDs(data.AllUIDs(), 0), nil
}

// searchAfter lists the UIDs above last.
func (s *syncer) searchAfter(last uint32) ([]imap.UID, error) {
	var set imap.UIDSet
	set.AddRange(imap.UID(last+1), 0) // last+1:*
	data, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search uid %d:*: %w", last+1, err)
	}
	// "*" is the highest UID present, which may be <= last: filter.
	return sortedUIDs(data.AllUIDs(), last), nil
}

func sortedUIDs(uids []imap.UID, above uint32) []imap.UID {
	out := slices.DeleteFunc(slices.Clone(uids), func(u imap.UID) bool { return uint32(u) <= above })
	slices.Sort(out)
	return out
}

// unseen drops the UIDs whose Message-ID — or, for a message without
// one, whose content fingerprint — the account already ingested.
func (s *syncer) unseen(ctx context.Context, chunk []imap.UID) ([]imap.UID, error) {
	keys, err := imapx.FetchHeader(s.c, chunk, "Message-Id")
	if err != nil {
		return nil, err
	}
	var anonymous []imap.UID
	for _, uid := range chunk {
		if keys[uid] == "" {
			anonymous = append(anonymous, uid)
		}
	}
	fps, err := imapx.FetchFingerprints(s.c, anonymous)
	if err != nil {
		return nil, err
	}
	for uid, fp := range fps {
		keys[uid] = msgindex.MessageKey("", fp)
	}
	seen := map[imap.UID]bool{}
	for uid, key := range keys {
		if seen[uid], err = msgindex.WasIngested(ctx, s.w.Bus, s.w.Account.Name, key); err != nil {
			return nil, err
		}
		if seen[uid] && !s.quiet {
			// Out of Junk again: the user's ham label, not a repeat.
			in, err := msgindex.InJunk(ctx, s.w.Bus, s.w.Account.Name, key)
			if err != nil {
				return nil, err
			}
			seen[uid] = !in
		}
	}
	return slices.DeleteFunc(chunk, func(u imap.UID) bool { return seen[u] }), nil
}

// stuck records that uid broke a fetch. After maxUIDTries sessions in a
// row it is dead-lettered with the reason and skipped, so one unreadable
// message cannot stop a mailbox.
func (s *syncer) stuck(ctx context.Context, uid imap.UID, err error) error {
	w := s.w
	w.failures[uint32(uid)]++
	if w.failures[uint32(uid)] < maxUIDTries {
		return err
	}
	id := bus.Identity(w.Account.Name, s.uidValidity, uint32(uid))
	dl := bus.DeadLetter{
		V: bus.Version, Account: w.Account.Name, Stage: "ingest", MsgID: bus.MsgID("ingest", id),
		Deliveries: uint64(w.failures[uint32(uid)]), At: time.Now().UTC(), Cause: bus.CauseUnfetchable,
		Reason: fmt.Sprintf("mailbox %q uid %d could not be fetched: %v", w.Mailbox, uid, err),
	}
	if _, perr := w.Bus.Publish(ctx, bus.Subject(bus.KindDeadLetter, w.Account.Name), "deadletter/ingest/"+id, &dl); perr != nil {
		return fmt.Errorf("%w (and dead letter failed: %v)", err, perr)
	}
	bus.CountDeadLetter(w.Account.Name, bus.CauseUnfetchable)
	w.Log.Error("message dead-lettered", "uid", uid, "reason", dl.Reason)
	delete(w.failures, uint32(uid))
	if aerr := s.cp.advance(ctx, s.uidValidity, uint32(uid)); aerr != nil {
		return aerr
	}
	return err
}
