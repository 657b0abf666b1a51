package apply

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/mailmsg"
)

func (a *Applier) draft(ctx context.Context, ac *accountConn, c *imapclient.Client, act *bus.Action, log *slog.Logger) error {
	raw, err := a.Bus.LoadBlob(ctx, act.Draft, act.DraftObject)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return bus.Permanentf("draft action without a draft")
	}
	if ref := mailmsg.HeaderValue(raw, bus.RefHeader); ref != act.ID {
		return bus.Permanentf("draft's %s header is %q, want %q", bus.RefHeader, ref, act.ID)
	}
	drafts, err := ac.folder(c, imap.MailboxAttrDrafts)
	if err != nil {
		return err
	}
	return a.appendDraft(ctx, c, drafts, act, raw, log)
}

// appendDraft appends the draft raw of act to drafts unless it is there
// already or the ledger says it gave way (to a newer draft of its
// thread, to the user's edited draft, to the user's reply), and tells
// the ledger.
func (a *Applier) appendDraft(ctx context.Context, c *imapclient.Client, drafts string, act *bus.Action, raw []byte, log *slog.Logger) error {
	exists, err := hasDraft(c, drafts, act.ID)
	if err != nil {
		return err
	}
	if exists {
		log.Info("draft already in Drafts", "drafts", drafts)
		return a.appended(ctx, act.ID, raw, 0)
	}
	if a.Ledger != nil {
		ok, err := a.Ledger.ShouldAppend(ctx, act.ID)
		if err != nil || !ok {
			if err == nil {
				log.Info("draft not filed: its thread moved on (a newer draft, the user's edited draft or reply)")
			}
			return err
		}
	}
	cmd := c.Append(drafts, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagDraft, imap.FlagSeen}})
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
	log.Info("draft appended", "drafts", drafts, "uid", data.UID)
	return a.appended(ctx, act.ID, raw, uint32(data.UID))
}

func (a *Applier) appended(ctx context.Context, ref string, raw []byte, uid uint32) error {
	if a.Ledger == nil {
		return nil
	}
	return a.Ledger.Appended(ctx, ref, raw, uid)
}

// hasDraft reports whether mailbox holds a message whose bus.RefHeader is
// exactly ref (SEARCH HEADER matches substrings, so each hit is checked).
func hasDraft(c *imapclient.Client, mailbox, ref string) (bool, error) {
	if _, err := c.Select(mailbox, nil).Wait(); err != nil {
		return false, fmt.Errorf("select %q: %w", mailbox, err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{
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
	refs, err := imapx.FetchHeader(c, uids, bus.RefHeader)
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
