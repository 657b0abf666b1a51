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
	exists, err := hasDraft(c, drafts, act.ID)
	if err != nil || exists {
		if exists {
			log.Info("draft already in Drafts", "drafts", drafts)
		}
		return err
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
	return nil
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
