package imapx

import (
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Common names of special folders, tried in order when the server does not
// mark them with SPECIAL-USE attributes.
var commonNames = map[imap.MailboxAttr][]string{
	imap.MailboxAttrJunk:   {"Junk", "Spam", "Junk E-mail", "Junk Email", "Bulk Mail", "[Gmail]/Spam"},
	imap.MailboxAttrDrafts: {"Drafts", "Draft", "[Gmail]/Drafts"},
	imap.MailboxAttrSent:   {"Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail"},
}

// FindFolder returns the mailbox marked with the SPECIAL-USE attribute
// attr, or failing that the first mailbox with one of the common names
// (also under an "INBOX" prefix), or "" when there is none.
func FindFolder(c *imapclient.Client, attr imap.MailboxAttr) (string, error) {
	var opts *imap.ListOptions
	if c.Caps().Has(imap.CapSpecialUse) {
		opts = &imap.ListOptions{ReturnSpecialUse: true}
	}
	boxes, err := c.List("", "*", opts).Collect()
	if err != nil {
		return "", fmt.Errorf("list mailboxes: %w", err)
	}
	for _, b := range boxes {
		for _, a := range b.Attrs {
			if strings.EqualFold(string(a), string(attr)) {
				return b.Mailbox, nil
			}
		}
	}
	for _, name := range commonNames[attr] {
		for _, b := range boxes {
			if strings.EqualFold(b.Mailbox, name) || strings.EqualFold(b.Mailbox, "INBOX"+string(b.Delim)+name) {
				return b.Mailbox, nil
			}
		}
	}
	return "", nil
}

// EnsureFolder is FindFolder that creates the folder under its first
// common name when none exists.
func EnsureFolder(c *imapclient.Client, attr imap.MailboxAttr) (string, error) {
	name, err := FindFolder(c, attr)
	if err != nil || name != "" {
		return name, err
	}
	name = commonNames[attr][0]
	var opts *imap.CreateOptions
	if c.Caps().Has(imap.CapCreateSpecialUse) {
		opts = &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{attr}}
	}
	if err := c.Create(name, opts).Wait(); err != nil {
		return "", fmt.Errorf("create %s folder %q: %w", attr, name, err)
	}
	return name, nil
}
