package apply_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/imapx"
	"mailassist/internal/memimap"
	"mailassist/internal/natstest"
	"mailassist/internal/testacct"
)

func draftFor(id string) []byte {
	return fmt.Appendf(nil, "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Re: hi\r\n%s: %s\r\n\r\nSure.\r\n", bus.RefHeader, id)
}

func applyOnce(t *testing.T, a *apply.Applier, b *bus.Bus, act bus.Action) error {
	t.Helper()
	act.V = bus.Version
	act.Account = "alice"
	if _, err := b.Publish(context.Background(), bus.Subject(bus.KindAction, "alice"), bus.MsgID(act.Stage+"/"+string(act.Kind), act.ID), act); err != nil {
		t.Fatal(err)
	}
	return a.Handle(context.Background(), deliveryOf(t, act))
}

func newApplier(t *testing.T, b *bus.Bus, acct account.Account) *apply.Applier {
	a := &apply.Applier{Bus: b, Accounts: []account.Account{acct}}
	t.Cleanup(a.Close)
	return a
}

func mailboxUIDs(t *testing.T, srv *memimap.Server, mailbox string) int {
	t.Helper()
	st, err := srv.User.Status(mailbox, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		t.Fatal(err)
	}
	return int(*st.NumMessages)
}

func TestApplyDraftIsIdempotent(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	a := newApplier(t, b, testacct.Account(t, srv.Host, srv.Port, "none", "", ""))
	act := bus.Action{ID: "alice/7/42", Kind: bus.ActionDraft, Stage: "reply", Draft: draftFor("alice/7/42")}
	for range 2 { // the second run is a redelivery
		if err := applyOnce(t, a, b, act); err != nil {
			t.Fatal(err)
		}
	}
	// A draft for an identity that is a prefix-extension must still be appended.
	other := bus.Action{ID: "alice/7/4", Kind: bus.ActionDraft, Stage: "reply", Draft: draftFor("alice/7/4")}
	if err := applyOnce(t, a, b, other); err != nil {
		t.Fatal(err)
	}
	if n := mailboxUIDs(t, srv, "Drafts"); n != 2 {
		t.Fatalf("Drafts holds %d messages, want 2", n)
	}
}

func TestApplyDraftWithoutRefIsPermanent(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	a := newApplier(t, b, testacct.Account(t, srv.Host, srv.Port, "none", "", ""))
	act := bus.Action{ID: "alice/7/42", Kind: bus.ActionDraft, Stage: "reply", Draft: []byte("Subject: x\r\n\r\nbody\r\n")}
	if err := applyOnce(t, a, b, act); !bus.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
}

func TestApplyMoveToJunk(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	a := newApplier(t, b, testacct.Account(t, srv.Host, srv.Port, "none", "", ""))
	uid := srv.Append(t, "INBOX", testacct.Message("spam", "s@x", "buy now"))
	st, _ := srv.User.Status("INBOX", &imap.StatusOptions{UIDValidity: true})
	act := bus.Action{ID: bus.Identity("alice", st.UIDValidity, uint32(uid)), Kind: bus.ActionMove, Stage: "spam",
		Mailbox: "INBOX", UIDValidity: st.UIDValidity, UID: uint32(uid), Target: bus.TargetJunk}
	for range 2 { // the redelivery finds the UID gone: done
		if err := applyOnce(t, a, b, act); err != nil {
			t.Fatal(err)
		}
	}
	if in, junk := mailboxUIDs(t, srv, "INBOX"), mailboxUIDs(t, srv, "Junk"); in != 0 || junk != 1 {
		t.Fatalf("INBOX %d, Junk %d; want 0 and 1", in, junk)
	}
}

func TestApplyFlags(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	a := newApplier(t, b, testacct.Account(t, srv.Host, srv.Port, "none", "", ""))
	uid := srv.Append(t, "INBOX", testacct.Message("hard", "h@x", "complaint"), imap.FlagSeen)
	st, _ := srv.User.Status("INBOX", &imap.StatusOptions{UIDValidity: true})
	act := bus.Action{ID: bus.Identity("alice", st.UIDValidity, uint32(uid)), Kind: bus.ActionFlags, Stage: "escalate",
		Mailbox: "INBOX", UIDValidity: st.UIDValidity, UID: uint32(uid),
		AddFlags: []string{`\Flagged`, "$Escalated"}, RemoveFlags: []string{`\Seen`}}
	if err := applyOnce(t, a, b, act); err != nil {
		t.Fatal(err)
	}
	st2, _ := srv.User.Status("INBOX", &imap.StatusOptions{NumUnseen: true})
	if *st2.NumUnseen != 1 {
		t.Errorf("\\Seen not removed")
	}
	c := srv.Dial(t)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatal(err)
	}
	flags := strings.ToLower(fmt.Sprint(msgs[0].Flags)) // keywords are case-insensitive
	if !strings.Contains(flags, `\flagged`) || !strings.Contains(flags, "$escalated") {
		t.Errorf("flags = %s", flags)
	}
}

func TestApplyBadActionsArePermanent(t *testing.T) {
	srv := memimap.Start(t)
	b := natstest.New(t)
	a := newApplier(t, b, testacct.Account(t, srv.Host, srv.Port, "none", "", ""))
	for name, data := range map[string]string{
		"not json":         `{`,
		"unknown kind":     `{"v":1,"account":"alice","kind":"delete","id":"alice/1/1"}`,
		"unknown account":  `{"v":1,"account":"mallory","kind":"move","id":"mallory/1/1"}`,
		"future version":   `{"v":2,"account":"alice","kind":"move"}`,
		"move without uid": `{"v":1,"account":"alice","kind":"move","id":"alice/1/1","mailbox":"INBOX"}`,
	} {
		if err := a.Handle(context.Background(), rawDelivery(data)); !bus.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
}

func deliveryOf(t testing.TB, act bus.Action) *bus.Delivery {
	return natstest.Delivery(t, bus.Subject(bus.KindAction, act.Account), act)
}

func rawDelivery(data string) *bus.Delivery {
	return bus.NewDelivery("mail.action.alice", []byte(data), nil)
}

// On a connection lent by the account's watcher, apply moves spam to the
// Junk folder the watcher found, without a LIST of its own (a thousand
// accounts' first moves after a start cost the server a thousand LISTs
// fewer): here the lender names a folder that the server does not mark
// \Junk, and the message goes there.
func TestApplyTakesTheLendersJunkFolder(t *testing.T) {
	srv := memimap.Start(t)
	if err := srv.User.Create("Quarantine", nil); err != nil {
		t.Fatal(err)
	}
	b := natstest.New(t)
	acct := testacct.Account(t, srv.Host, srv.Port, "none", "", "")
	a := newApplier(t, b, acct)
	loans := &imapx.Loans{}
	a.Loans = loans
	requests, stop := loans.Lend("alice")
	defer stop()
	c, err := imapx.Dial(context.Background(), acct.IMAP, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		for ln := range requests {
			ln.Give(c, map[imap.MailboxAttr]string{imap.MailboxAttrJunk: "Quarantine"})
			<-ln.Returned()
		}
	}()

	uid := srv.Append(t, "INBOX", testacct.Message("spam", "s@x", "buy now"))
	st, _ := srv.User.Status("INBOX", &imap.StatusOptions{UIDValidity: true})
	act := bus.Action{ID: bus.Identity("alice", st.UIDValidity, uint32(uid)), Kind: bus.ActionMove, Stage: "spam",
		Mailbox: "INBOX", UIDValidity: st.UIDValidity, UID: uint32(uid), MessageID: "<s@x>", Target: bus.TargetJunk}
	if err := applyOnce(t, a, b, act); err != nil {
		t.Fatal(err)
	}
	if q, junk := mailboxUIDs(t, srv, "Quarantine"), mailboxUIDs(t, srv, "Junk"); q != 1 || junk != 0 {
		t.Fatalf("Quarantine %d, Junk %d; want 1 and 0 (the lender's Junk folder)", q, junk)
	}
}
