package faults

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/bus"
)

// INBOX gets a new UIDVALIDITY twice — emptied and restored, as a
// migration does — with half the messages lacking a Message-ID and
// actions still waiting for apply (stopped meanwhile). Nothing is
// ingested twice, no draft doubled, and the waiting actions find their
// messages again by Message-ID or content fingerprint.
func TestUIDValidityChangedTwiceWithoutMessageIDs(t *testing.T) {
	w := newWorld(t, options{})
	w.connect()
	for _, r := range roles {
		w.start(r)
	}
	noID := func(n int) bool { return n%2 == 0 }
	w.deliver(0, 60, 0, noID)
	w.settle(2 * time.Minute)
	for round := range 2 {
		w.kill("apply") // its actions wait across the change
		w.deliver(60+30*round, 30, 0, noID)
		w.waitProgress("ingest", len(w.mails)) // handled before the change
		w.waitIdle("spam", "reply", "escalate")
		uv := w.dovecot.UIDValidity(t, user, "INBOX")
		n := w.restoreInbox()
		t.Logf("round %d: INBOX emptied and %d messages restored; UIDVALIDITY %d -> %d", round+1, n, uv, w.dovecot.UIDValidity(t, user, "INBOX"))
		w.start("apply")
	}
	o := w.settle(2 * time.Minute)
	if got := w.subjectCount(bus.AllAccounts(bus.KindIngested)); got != len(w.mails) {
		t.Errorf("%d ingested events for %d messages: a resync ingested some again", got, len(w.mails))
	}
	t.Logf("UIDVALIDITY changed twice, %d of %d messages without a Message-ID: %s; each ingested once", len(w.mails)/2, len(w.mails), o)
}

// restoreInbox empties INBOX with a new UIDVALIDITY and appends its
// messages again with their flags and a trace field more, as a server
// migration would. It returns how many it restored.
func (w *world) restoreInbox() int {
	w.t.Helper()
	msgs, err := w.folder("INBOX")
	if err != nil {
		w.t.Fatal(err)
	}
	w.dovecot.RecreateMailbox(w.t, user, "INBOX")
	for _, m := range msgs {
		var flags []imap.Flag
		for _, f := range m.flags {
			if !strings.EqualFold(string(f), `\Recent`) {
				flags = append(flags, f)
			}
		}
		raw := append(fmt.Appendf(nil, "Received: from old.example.org by new.example.org; %s\r\n", time.Now().Format(time.RFC1123Z)), m.raw...)
		if bytes.Contains(m.raw, []byte("\r\nReceived:")) {
			raw = m.raw
		}
		w.dovecot.Append(w.t, user, "INBOX", raw, flags...)
	}
	return len(msgs)
}

// waitIdle waits until the named stage consumers have nothing to do.
func (w *world) waitIdle(names ...string) {
	w.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		idle := true
		for _, name := range names {
			ci, err := w.consumerInfo(name)
			idle = idle && err == nil && ci.NumPending == 0 && ci.NumAckPending == 0
		}
		if idle {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%v still busy after a minute", names)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
