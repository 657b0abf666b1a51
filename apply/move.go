package apply

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/msgindex"
)

func (a *Applier) move(ctx context.Context, ac *accountConn, c *imapclient.Client, act *bus.Action, log *slog.Logger) error {
	target := act.Target
	toJunk := target == bus.TargetJunk || target == ""
	if toJunk {
		var err error
		if target, err = ac.folder(c, imap.MailboxAttrJunk); err != nil {
			return err
		}
	}
	toJunk = toJunk || target == ac.acct.Folders.Junk
	if target == act.Mailbox {
		return nil
	}
	uids, err := locate(c, act)
	if err != nil || len(uids) == 0 {
		if err == nil {
			log.Info("message already gone; move counts as done", "mailbox", act.Mailbox, "uid", act.UID)
		}
		return err
	}
	key := msgindex.MessageKey(act.MessageID, act.Fingerprint)
	if toJunk {
		// So that the Junk watcher does not take our move for the user's.
		if key == "" { // an action from elsewhere: read the message
			if key, err = messageKey(c, uids[0]); err != nil {
				return err
			}
		}
		if err := msgindex.MarkMovedToJunk(ctx, a.Bus, act.Account, key); err != nil {
			return err
		}
	}
	if ac.acct.Quirks().Labels && !c.Caps().Has(imap.CapMove) {
		// go-imap would fall back to COPY + \Deleted + EXPUNGE.
		return bus.Permanentf("the server offers no MOVE, and its folders are labels (provider %s): COPY + EXPUNGE may send the message to the Trash instead of only taking the %s label off; not moving uid %v", ac.acct.Provider, act.Mailbox, uids)
	}
	if _, err := c.Move(imap.UIDSetNum(uids...), target).Wait(); err != nil {
		return fmt.Errorf("move uid %v to %q: %w", uids, target, err)
	}
	if toJunk {
		if err := msgindex.MarkInJunk(ctx, a.Bus, act.Account, key, target); err != nil {
			return err
		}
	}
	log.Info("moved", "from", act.Mailbox, "to", target, "uid", act.UID)
	return nil
}

// messageKey reads what recognises the message uid across folders
// (msgindex.MessageKey): its Message-ID, or its content fingerprint.
func messageKey(c *imapclient.Client, uid imap.UID) (string, error) {
	ids, err := imapx.FetchHeader(c, []imap.UID{uid}, "Message-Id")
	if err != nil || ids[uid] != "" {
		return ids[uid], err
	}
	fps, err := imapx.FetchFingerprints(c, []imap.UID{uid})
	if err != nil {
		return "", err
	}
	return msgindex.MessageKey("", fps[uid]), nil
}
