package apply

import (
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/bus"
	"mailassist/imapx"
)

// selectFolder selects mailbox, unless the connection has had it selected
// for less than reselectAfter, and returns its UIDVALIDITY. gone reports
// a mailbox that does not exist (any more). A folder selected by an
// earlier batch is brought up to date with a NOOP: until the server syncs
// the session (which it does at a command's end, not before it), messages
// that arrived since the last command are not in its view, and a UID
// SEARCH or UID MOVE would pass them over as gone.
func (s *session) selectFolder(mailbox string) (uv uint32, gone bool, err error) {
	if s.sel.mailbox == mailbox && time.Since(s.sel.at) < reselectAfter {
		if err := s.c.Noop().Wait(); err != nil {
			*s.sel = selection{}
			return 0, false, fmt.Errorf("noop in %q: %w", mailbox, err)
		}
		return s.sel.uv, false, nil
	}
	*s.sel = selection{}
	sel, err := s.c.Select(mailbox, nil).Wait()
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
			return 0, true, nil
		}
		return 0, false, fmt.Errorf("select %q: %w", mailbox, err)
	}
	*s.sel = selection{mailbox: mailbox, uv: sel.UIDValidity, at: time.Now()}
	return sel.UIDValidity, false, nil
}

// locate selects mailbox and finds each action's message in it: by its
// UID while UIDVALIDITY still matches — without a command: a UID that is
// gone is left out by the command that acts on the set — else by
// Message-ID, or by content fingerprint for a message without one. An
// action whose message is gone (or whose mailbox is) is done, and not
// returned.
func (s *session) locate(mailbox string, items []*item) []*found {
	uv, gone, err := s.selectFolder(mailbox)
	if err != nil || gone {
		for _, it := range items {
			it.err = err
			if gone {
				it.log.Info("mailbox gone, and the message with it; counts as done", "mailbox", mailbox)
			}
		}
		return nil
	}
	var out []*found
	for _, it := range items {
		if it.act.UIDValidity == uv {
			out = append(out, &found{it: it, uids: []imap.UID{imap.UID(it.act.UID)}})
			continue
		}
		uids, err := s.relocate(it.act, uv)
		switch {
		case err != nil:
			it.err = err
		case len(uids) == 0:
			it.log.Info("message already gone; counts as done", "mailbox", mailbox, "uid", it.act.UID)
		default:
			out = append(out, &found{it: it, uids: uids})
		}
	}
	return out
}

// relocate finds the action's message in the selected folder after its
// UIDVALIDITY changed: by Message-ID (a SEARCH of the folder's headers,
// only after such a change), or by fingerprint.
func (s *session) relocate(act *bus.Action, uv uint32) ([]imap.UID, error) {
	switch {
	case act.MessageID != "":
		data, err := s.c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: act.MessageID}}}, nil).Wait()
		if err != nil {
			return nil, fmt.Errorf("search %q: %w", act.Mailbox, err)
		}
		return data.AllUIDs(), nil
	case act.Fingerprint != "":
		return imapx.FindByFingerprint(s.c, act.Fingerprint)
	default:
		return nil, bus.Permanentf("mailbox %q UIDVALIDITY changed (%d, was %d) and the message has neither a Message-ID nor a fingerprint", act.Mailbox, uv, act.UIDValidity)
	}
}
