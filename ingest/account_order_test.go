package ingest

import (
	"slices"
	"testing"

	"mailassist/imapx"
)

// Junk and Sent are caught up before the watched folders, whose catch-up
// may be a long backlog; the order does not depend on a map's.
func TestCatchUpsJunkAndSentFirst(t *testing.T) {
	aw := &AccountWatcher{
		folders: []*Watcher{{Mailbox: "INBOX"}, {Mailbox: "Lists"}, {Mailbox: "Junk", Junk: true}, {Mailbox: "Sent", Sent: true}},
		names:   []string{"INBOX", "Lists", "Junk", "Sent"},
	}
	want := []string{"Junk", "Sent", "INBOX", "Lists"}
	for range 20 {
		aw.statuses, aw.dirty = map[string]imapx.MailboxStatus{}, map[string]bool{}
		for _, m := range []string{"Lists", "INBOX", "Sent", "Junk", "Elsewhere"} {
			aw.onStatus(imapx.MailboxStatus{Mailbox: m, UIDNext: 2})
		}
		var got []string
		for _, st := range aw.takeDirty() {
			got = append(got, st.Mailbox)
		}
		if !slices.Equal(got, append(want, "Elsewhere")) {
			t.Fatalf("catch-ups in the order %v, want %v and then folders not watched", got, want)
		}
	}
}
