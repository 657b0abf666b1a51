package apply

import (
	"testing"
	"time"

	"mailassist/internal/memimap"
)

// A folder an earlier batch selected is used again with a NOOP, until it
// has been selected for reselectAfter: then it is selected afresh, so
// that the server's view of it does not grow for the connection's life.
func TestSelectFolderAfresh(t *testing.T) {
	srv := memimap.Start(t)
	c := srv.Dial(t)
	sel := &selection{}
	s := &session{c: c, sel: sel}
	if _, gone, err := s.selectFolder("INBOX"); err != nil || gone {
		t.Fatalf("select: gone %v, %v", gone, err)
	}
	first := sel.at
	if first.IsZero() || sel.mailbox != "INBOX" {
		t.Fatalf("selection after SELECT: %+v", *sel)
	}
	if _, _, err := s.selectFolder("INBOX"); err != nil || sel.at != first {
		t.Errorf("a second batch at once: selection %+v (err %v), want the first kept", *sel, err)
	}
	sel.at = time.Now().Add(-reselectAfter)
	stale := sel.at
	if _, _, err := s.selectFolder("INBOX"); err != nil || !sel.at.After(stale) {
		t.Errorf("a batch %v after the SELECT: selection %+v (err %v), want a new SELECT", reselectAfter, *sel, err)
	}
}
