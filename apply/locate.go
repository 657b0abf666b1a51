package apply

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailassist/bus"
	"mailassist/imapx"
)

// locate selects the action's mailbox and returns the UIDs of its message
// there: by UID while UIDVALIDITY still matches, else by Message-ID, or by
// content fingerprint for a message without one. An empty result means
// the message is gone.
func locate(c *imapclient.Client, act *bus.Action) ([]imap.UID, error) {
	if act.Mailbox == "" || act.UID == 0 {
		return nil, bus.Permanentf("%s action without mailbox and uid", act.Kind)
	}
	sel, err := c.Select(act.Mailbox, nil).Wait()
	if err != nil {
		var imapErr *imap.Error
		if errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo {
			return nil, nil // the mailbox is gone, and the message with it
		}
		return nil, fmt.Errorf("select %q: %w", act.Mailbox, err)
	}
	criteria := &imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(imap.UID(act.UID))}}
	if sel.UIDValidity != act.UIDValidity {
		switch {
		case act.MessageID != "":
			criteria = &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: act.MessageID}}}
		case act.Fingerprint != "":
			return imapx.FindByFingerprint(c, act.Fingerprint)
		default:
			return nil, bus.Permanentf("mailbox %q UIDVALIDITY changed (%d, was %d) and the message has neither a Message-ID nor a fingerprint", act.Mailbox, sel.UIDValidity, act.UIDValidity)
		}
	}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", act.Mailbox, err)
	}
	return data.AllUIDs(), nil
}
