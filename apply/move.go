package apply

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/msgindex"
)

// moves carries out the moves out of the selected folder mailbox: one
// UID MOVE per target folder.
func (s *session) moves(ctx context.Context, mailbox string, fs []*found) {
	var targets []string
	byTarget := map[string][]*found{}
	toJunk := map[string]bool{}
	for _, f := range fs {
		target, junk, err := s.target(f.it.act)
		switch {
		case err != nil:
			f.it.err = err
		case target == mailbox: // there already
		default:
			if byTarget[target] == nil {
				targets = append(targets, target)
			}
			byTarget[target] = append(byTarget[target], f)
			toJunk[target] = toJunk[target] || junk
		}
	}
	for _, target := range targets {
		s.moveTo(ctx, mailbox, target, toJunk[target], byTarget[target])
	}
}

// target is the folder an action moves its message to, and whether that
// is the Junk folder.
func (s *session) target(act *bus.Action) (string, bool, error) {
	target := act.Target
	if target == bus.TargetJunk || target == "" {
		junk, err := s.ac.folder(s.c, imap.MailboxAttrJunk)
		return junk, true, err
	}
	return target, target == s.ac.acct.Folders.Junk, nil
}

// moveTo moves the messages of fs from the selected folder to target
// with one UID MOVE. Into Junk, each message is first marked as moved by
// the pipeline (so that the Junk watcher does not take it for the user's
// spam label) and, once there, as in Junk.
func (s *session) moveTo(ctx context.Context, from, target string, toJunk bool, fs []*found) {
	acct := s.ac.acct
	// Which messages are still there: a search of the set (an index
	// look-up, not a read of the folder), so that a message that is gone
	// counts as done and is not marked as in Junk.
	fs, err := s.present(fs)
	if err != nil || len(fs) == 0 {
		return
	}
	if acct.Quirks().Labels && !s.c.Caps().Has(imap.CapMove) {
		// go-imap would fall back to COPY + \Deleted + EXPUNGE.
		for _, f := range fs {
			f.it.err = bus.Permanentf("the server offers no MOVE, and its folders are labels (provider %s): COPY + EXPUNGE may send the message to the Trash instead of only taking the %s label off; not moving uid %v", acct.Provider, from, f.uids)
		}
		return
	}
	if toJunk {
		if err := s.keys(fs); err != nil {
			setErr(fs, err)
			return
		}
		each(fs, func(f *found) error { return msgindex.MarkMovedToJunk(ctx, s.a.Bus, acct.Name, f.key) })
		if fs = ok(fs); len(fs) == 0 {
			return
		}
	}
	set := uidSet(fs)
	if _, err = s.c.Move(set, target).Wait(); err != nil {
		err = fmt.Errorf("move uid %v to %q: %w", set, target, err)
		if len(fs) == 1 || s.closed() {
			setErr(fs, err)
			return
		}
		s.alone(fs, err, func(one []*found) { s.moveTo(ctx, from, target, toJunk, one) })
		return
	}
	done := fs
	if toJunk {
		each(done, func(f *found) error { return msgindex.MarkInJunk(ctx, s.a.Bus, acct.Name, f.key, target) })
	}
	for _, f := range ok(done) {
		f.it.log.Info("moved", "from", from, "to", target, "uid", f.it.act.UID, "batch", len(fs))
	}
}

// containsAny reports whether set holds one of uids.
func containsAny(set imap.UIDSet, uids []imap.UID) bool {
	for _, u := range uids {
		if set.Contains(u) {
			return true
		}
	}
	return false
}

// present keeps the actions of fs whose message is still in the
// selected folder (UID SEARCH of their UIDs); the others are done.
func (s *session) present(fs []*found) ([]*found, error) {
	data, err := s.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{uidSet(fs)}}, nil).Wait()
	if err != nil {
		err = fmt.Errorf("search uid %v: %w", uidSet(fs), err)
		setErr(fs, err)
		return nil, err
	}
	var there imap.UIDSet
	there.AddNum(data.AllUIDs()...)
	var out []*found
	for _, f := range fs {
		if containsAny(there, f.uids) {
			out = append(out, f)
		} else {
			f.it.log.Info("message already gone; move counts as done", "uid", f.it.act.UID)
		}
	}
	return out, nil
}

// keys fills in what recognises each message across folders
// (msgindex.MessageKey): from the action, or for an action from
// elsewhere without it, read from the messages in one FETCH.
func (s *session) keys(fs []*found) error {
	var need []imap.UID
	for _, f := range fs {
		if f.key = msgindex.MessageKey(f.it.act.MessageID, f.it.act.Fingerprint); f.key == "" {
			need = append(need, f.uids[0])
		}
	}
	if len(need) == 0 {
		return nil
	}
	ids, err := imapx.FetchHeader(s.c, need, "Message-Id")
	if err != nil {
		return err
	}
	var anonymous []imap.UID
	for _, u := range need {
		if ids[u] == "" {
			anonymous = append(anonymous, u)
		}
	}
	fps, err := imapx.FetchFingerprints(s.c, anonymous)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.key == "" {
			f.key = msgindex.MessageKey(ids[f.uids[0]], fps[f.uids[0]])
		}
	}
	return nil
}
