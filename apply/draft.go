package apply

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/mailmsg"
)

// draft appends the action's draft to Drafts, unless it was filed
// already or the ledger says it gave way (to a newer draft of its
// thread, to the user's edited draft or reply), and tells the ledger. The index of the drafts filed (drafts.go) answers that; only
// when it is unsure — a record left "appending" by a crash, or none for
// an action that was delivered before (it may come from before the
// index) — is Drafts searched for the X-Mailassist-Ref.
func (s *session) draft(ctx context.Context, it *item) error {
	act := it.act
	raw, err := s.a.Bus.LoadBlob(ctx, act.Draft, act.DraftKey, act.DraftObject)
	if err != nil {
		if errors.Is(err, bus.ErrRawExpired) {
			return bus.Permanentf("%v: the draft waited longer than stream.raw_max_age", err)
		}
		return err
	}
	if len(raw) == 0 {
		return bus.Permanentf("draft action without a draft")
	}
	if ref := mailmsg.HeaderValue(raw, bus.RefHeader); ref != act.ID {
		return bus.Permanentf("draft's %s header is %q, want %q", bus.RefHeader, ref, act.ID)
	}
	kv, err := s.a.draftIndex(ctx)
	if err != nil {
		return err
	}
	rec, err := lookupDraft(ctx, kv, act.ID)
	if err != nil {
		return err
	}
	if rec != nil && rec.State == draftFiled {
		it.log.Info("draft already in Drafts", "drafts", rec.Mailbox, "uid", rec.UID)
		return nil
	}
	drafts, err := s.ac.folder(s.c, imap.MailboxAttrDrafts)
	if err != nil {
		return err
	}
	if rec != nil || it.redelivered {
		exists, err := s.hasDraft(drafts, act.ID)
		if err != nil {
			return err
		}
		if exists {
			it.log.Info("draft already in Drafts (found by its reference)", "drafts", drafts)
			if err := s.appended(ctx, act.ID, raw, 0); err != nil {
				return err
			}
			return recordDraft(ctx, kv, draftRecord{Ref: act.ID, State: draftFiled, Mailbox: drafts})
		}
	}
	if s.a.Ledger != nil {
		ok, err := s.a.Ledger.ShouldAppend(ctx, act.ID)
		if err != nil {
			return err
		}
		if !ok {
			it.log.Info("draft not filed: its thread moved on (a newer draft, the user's edited draft or reply)")
			return nil
		}
	}
	if err := recordDraft(ctx, kv, draftRecord{Ref: act.ID, State: draftAppending, Mailbox: drafts}); err != nil {
		return err
	}
	cmd := s.c.Append(drafts, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft, imap.FlagSeen}})
	if _, err := cmd.Write(raw); err != nil {
		return fmt.Errorf("append draft: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("append draft: %w", err)
	}
	data, err := cmd.Wait()
	if err != nil {
		return fmt.Errorf("append draft to %q: %w", drafts, err)
	}
	it.log.Info("draft appended", "drafts", drafts, "uid", data.UID)
	if err := s.appended(ctx, act.ID, raw, uint32(data.UID)); err != nil {
		return err
	}
	return recordDraft(ctx, kv, draftRecord{Ref: act.ID, State: draftFiled, Mailbox: drafts, UIDValidity: data.UIDValidity, UID: uint32(data.UID)})
}

// appended tells the ledger (when there is one) that the draft ref is in
// Drafts under uid (0: found there, after a crash).
func (s *session) appended(ctx context.Context, ref string, raw []byte, uid uint32) error {
	if s.a.Ledger == nil {
		return nil
	}
	return s.a.Ledger.Appended(ctx, ref, raw, uid)
}

// hasDraft reports whether mailbox holds a message whose bus.RefHeader is
// exactly ref (SEARCH HEADER matches substrings, so each hit is checked).
// It reads every message's header in the folder: only when the index is
// unsure.
func (s *session) hasDraft(mailbox, ref string) (bool, error) {
	if _, gone, err := s.selectFolder(mailbox); err != nil || gone {
		if gone {
			err = fmt.Errorf("select %q: the folder does not exist", mailbox)
		}
		return false, err
	}
	data, err := s.c.UIDSearch(&imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: bus.RefHeader, Value: ref}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}, nil).Wait()
	if err != nil {
		return false, fmt.Errorf("search drafts: %w", err)
	}
	uids := data.AllUIDs()
	if len(uids) == 0 {
		return false, nil
	}
	refs, err := imapx.FetchHeader(s.c, uids, bus.RefHeader)
	if err != nil {
		return false, err
	}
	for _, r := range refs {
		if r == ref {
			return true, nil
		}
	}
	return false, nil
}
