package apply

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/draft"
	"mailassist/imapx"
	"mailassist/mailmsg"
)

// oldDraft is what apply found of an action's old_draft in Drafts.
type oldDraft int

const (
	oldGone      oldDraft = iota // not in Drafts (deleted or sent by the user, or never filed)
	oldRemoved                   // it was there, unedited, and is removed now
	oldEdited                    // it is there and the user edited it: left alone
	oldUntouched                 // not asked to remove it
)

// replaceDraft carries out replace_draft: the thread's earlier draft is
// removed unless the user edited it, and the new one appended (as a
// draft action is) unless an edited one holds the thread.
func (s *session) replaceDraft(ctx context.Context, it *item) error {
	act := it.act
	drafts, err := s.selectDrafts()
	if err != nil {
		return err
	}
	old, err := s.removeOld(ctx, act, it.log)
	if err != nil {
		return err
	}
	if old == oldEdited {
		it.log.Info("the user edited the thread's draft: it stays, and the newer draft is not filed", "old", act.OldDraft.Ref, "drafts", drafts)
		if s.a.Ledger != nil {
			return s.a.Ledger.Withhold(ctx, act.ID, act.OldDraft.Ref)
		}
		return nil
	}
	if old == oldRemoved && s.a.Ledger != nil {
		if _, err := s.a.Ledger.Settle(ctx, s.a.Bus, act.OldDraft.Ref, draft.Settlement{
			Fate: bus.FateReplaced, How: bus.SourceThreadMessage, At: time.Now(), ReplacedBy: act.ID,
		}); err != nil {
			return err
		}
	}
	return s.draft(ctx, it)
}

// deleteDraft carries out delete_draft: the draft is removed unless the
// user edited it.
func (s *session) deleteDraft(ctx context.Context, it *item) error {
	if _, err := s.selectDrafts(); err != nil {
		return err
	}
	_, err := s.removeOld(ctx, it.act, it.log)
	return err
}

// selectDrafts selects the account's Drafts folder.
func (s *session) selectDrafts() (string, error) {
	drafts, err := s.ac.folder(s.c, imap.MailboxAttrDrafts)
	if err != nil {
		return "", err
	}
	if _, gone, err := s.selectFolder(drafts); err != nil || gone {
		if gone {
			err = fmt.Errorf("select %q: the folder does not exist", drafts)
		}
		return "", err
	}
	return drafts, nil
}

// removeOld finds act.OldDraft in the selected Drafts folder (draft.Match)
// and removes it when its content is what mailassist filed (draft.Digest),
// with STORE \Deleted and UID EXPUNGE of its UID only. The digest
// compared is the ledger's (what apply filed) when it has the draft,
// else the action's. Without UIDPLUS the draft is only marked \Deleted:
// a plain EXPUNGE would remove what the user marked too.
func (s *session) removeOld(ctx context.Context, act *bus.Action, log *slog.Logger) (oldDraft, error) {
	a, c := s.a, s.c
	old := act.OldDraft
	want := old.Digest
	var rec *draft.Record
	if a.Ledger != nil {
		var err error
		if rec, err = a.Ledger.Get(ctx, old.Ref); err != nil {
			return 0, err
		}
		if rec != nil && rec.Digest != "" {
			want = rec.Digest
		}
	}
	found, err := findDraft(c, old)
	if err != nil {
		return 0, err
	}
	if len(found) == 0 {
		switch {
		case rec != nil && rec.State == draft.StateRemoved:
			return oldRemoved, nil // removed before a crash: this is the retry
		case rec != nil && rec.State == draft.StateRequested && a.Ledger != nil:
			return oldGone, a.Ledger.Supersede(ctx, old.Ref) // never filed: it will not be
		}
		return oldGone, nil
	}
	raws, err := imapx.FetchRaw(c, found)
	if err != nil {
		return 0, err
	}
	for _, uid := range found {
		if raw, ok := raws[uid]; ok && draft.Digest(mailmsg.Parse(raw)) != want {
			if a.Ledger != nil {
				if err := a.Ledger.Edited(ctx, old.Ref); err != nil {
					return 0, err
				}
			}
			return oldEdited, nil
		}
	}
	if a.Ledger != nil { // first, so that a retry after a crash knows
		if err := a.Ledger.Removed(ctx, old.Ref); err != nil {
			return 0, err
		}
	}
	set := imap.UIDSetNum(found...)
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return 0, fmt.Errorf("mark draft uid %v deleted: %w", found, err)
	}
	if c.Caps().Has(imap.CapUIDPlus) {
		if err := c.UIDExpunge(set).Close(); err != nil {
			return 0, fmt.Errorf("expunge draft uid %v: %w", found, err)
		}
	} else {
		log.Warn("the server lacks UIDPLUS: the old draft is marked \\Deleted, not expunged", "uid", found)
	}
	log.Info("unedited draft removed", "old", old.Ref, "uid", found)
	return oldRemoved, nil
}

// findDraft returns the UIDs of the selected Drafts folder that hold
// the draft old (draft.Match).
func findDraft(c *imapclient.Client, old *bus.DraftRef) ([]imap.UID, error) {
	hs, err := imapx.SearchDrafts(c, bus.RefHeader)
	if err != nil {
		return nil, err
	}
	cands := make([]draft.Candidate, len(hs))
	for i, h := range hs {
		cands[i] = draft.Candidate{UID: uint32(h.UID), Ref: h.Value, InReplyTo: h.InReplyTo, Draft: h.Draft}
	}
	var uids []imap.UID
	for _, m := range draft.Match(cands, old.Ref, old.InReplyTo) {
		uids = append(uids, imap.UID(m.UID))
	}
	return uids, nil
}
