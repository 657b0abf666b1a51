package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
)

// startDovecot starts Dovecot with user alice and returns her account over
// implicit TLS, verified against the server's own CA.
func startDovecot(t testing.TB) (*dovecottest.Server, account.Account) {
	t.Helper()
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	return s, aliceAccount(t, s.Host, s.TLSPort, "implicit", s.CAFile, "")
}

func TestDovecotNewMailThroughIdleOnce(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	stop := startWatcher(t, b, &acct, "INBOX", reg)
	waitFor(t, "watcher in IDLE", 10*time.Second, func() bool {
		st := reg.Snapshot()
		return len(st) == 1 && st[0].Live(time.Now()) && st[0].Idle
	})

	raw := message("hello", "hello@x", "Are you there?")
	uid := s.Append(t, "alice", "INBOX", raw)
	ev.waitLen(t, 1, 2*time.Second) // IDLE, not polling: within 2 s
	got := ev.ingested()[0]
	if got.UID != uint32(uid) || got.MessageID != "<hello@x>" || !bytes.Equal(rawOf(t, b, got), raw) {
		t.Fatalf("event = uid %d message-id %q raw %d bytes; want uid %d", got.UID, got.MessageID, len(rawOf(t, b, got)), uid)
	}
	if slices.Contains(got.Flags, string(imap.FlagSeen)) {
		t.Error("message reported \\Seen")
	}
	if msgs := s.Mailbox(t, "alice", "INBOX"); slices.Contains(msgs[0].Flags, imap.FlagSeen) {
		t.Error("ingest marked the message \\Seen on the server")
	}

	// A restart of mailassist publishes nothing twice.
	stop()
	startWatcher(t, b, &acct, "INBOX", reg)
	waitFor(t, "watcher back", 10*time.Second, func() bool { return reg.Snapshot()[0].Connected })
	ev.settle(t, 1)
}

func TestDovecotReconnectsAfterServerDropsConnection(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	reg := ingest.NewRegistry()
	startWatcher(t, b, &acct, "INBOX", reg)
	s.Append(t, "alice", "INBOX", message("before", "before@x", "one"))
	ev.waitLen(t, 1, 5*time.Second)

	s.Kick(t, "alice")
	// Mail that arrives while the watcher is away is ingested once it is back.
	s.Append(t, "alice", "INBOX", message("meanwhile", "meanwhile@x", "two"))
	ev.waitLen(t, 2, 15*time.Second)
	waitFor(t, "watcher live again", 10*time.Second, func() bool { return reg.Snapshot()[0].Live(time.Now()) })
	if got := ev.ingested()[1].MessageID; got != "<meanwhile@x>" {
		t.Fatalf("second event is %q", got)
	}

	// A restart of the whole server is survived too.
	s.Restart(t)
	s.Append(t, "alice", "INBOX", message("after restart", "after@x", "three"))
	ev.waitLen(t, 3, 20*time.Second)
	ev.settle(t, 3)
}

func TestDovecotStartTLS(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := aliceAccount(t, s.Host, s.Port, "starttls", s.CAFile, "")
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	s.Append(t, "alice", "INBOX", message("tls", "tls@x", "secure"))
	startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, 1, 5*time.Second)
}

func TestDovecotUIDValidityChangeResyncsWithoutDuplicates(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	old := [][]byte{message("a", "a@x", "a"), message("b", "b@x", "b")}
	for _, m := range old {
		s.Append(t, "alice", "INBOX", m)
	}
	stop := startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, 2, 5*time.Second)
	stop()

	before := s.UIDValidity(t, "alice", "INBOX")
	s.RecreateMailbox(t, "alice", "INBOX")
	if s.UIDValidity(t, "alice", "INBOX") == before {
		t.Fatal("recreating INBOX kept its UIDVALIDITY")
	}
	for _, m := range old { // the same messages, restored under new UIDs
		s.Append(t, "alice", "INBOX", m)
	}
	s.Append(t, "alice", "INBOX", message("c", "c@x", "new"))
	startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, 3, 10*time.Second)
	ev.settle(t, 3)
	if got := ev.ingested()[2].MessageID; got != "<c@x>" {
		t.Fatalf("after resync got %q, want only <c@x>", got)
	}
}

// Bad input: every message is ingested byte for byte, whatever is wrong
// with it, and nothing stops the watcher.
func TestDovecotBadInputIsIngested(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	bad := badMessages()
	for _, m := range bad {
		s.Append(t, "alice", "INBOX", m.raw)
	}
	startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, len(bad), 60*time.Second)
	stored := s.Mailbox(t, "alice", "INBOX")
	for i, got := range ev.ingested() {
		raw, err := b.LoadBlob(context.Background(), got.Raw, got.RawKey, got.RawObject)
		if err != nil {
			t.Fatalf("%s: %v", bad[i].name, err)
		}
		if !bytes.Equal(raw, stored[i].Raw) {
			t.Errorf("%s: ingested %d bytes, server holds %d", bad[i].name, len(raw), len(stored[i].Raw))
		}
	}
}

type badMessage struct {
	name string
	raw  []byte
}

func badMessages() []badMessage {
	hdr := "From: x@example.org\r\nTo: alice@example.org\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n"
	big := bytes.Repeat([]byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"), 30<<20/74)
	return []badMessage{
		{"broken MIME boundary", []byte(hdr + "Subject: broken\r\nMessage-Id: <broken@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"abc\"\r\n\r\n--abd\r\nContent-Type: text/plain\r\n\r\nno closing boundary\r\n--ab")},
		{"unknown charset", []byte(hdr + "Subject: =?x-klingon?Q?qapla=27?=\r\nMessage-Id: <charset@x>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n\xff\xfe nonsense\r\n")},
		{"8-bit garbage in headers", []byte(hdr + "Subject: \xc3\x28\xa0\xa1 caf\xe9\r\nMessage-Id: <8bit@x>\r\nX-Junk: \x80\x81\x82\r\n\r\nbody\r\n")},
		{"NUL bytes", []byte(hdr + "Subject: nul\r\nMessage-Id: <nul@x>\r\n\r\nbefore\x00after\r\n")},
		{"no header at all", []byte("just a line of text\r\n")},
		{"30 MB attachment", fmt.Appendf(nil, "%sSubject: big\r\nMessage-Id: <big@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\n%s--b--\r\n", hdr, big)},
	}
}

// Messages of 50 MB travel through the object store intact.
func TestDovecotFiftyMegabyteMessage(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	line := []byte("SGVsbG8sIHRoaXMgaXMgYSBsYXJnZSBhdHRhY2htZW50IGZvciBhIHRlc3Qgb2YgNTAgTUIu\r\n")
	body := bytes.Repeat(line, 50<<20/len(line)+1)
	raw := append([]byte("From: x@example.org\r\nSubject: fifty\r\nMessage-Id: <fifty@x>\r\nDate: "+time.Now().Format(time.RFC1123Z)+
		"\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"), body...)
	s.Append(t, "alice", "INBOX", raw)
	startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, 1, 60*time.Second)
	got := ev.ingested()[0]
	if got.RawObject == "" || got.Size != int64(len(raw)) {
		t.Fatalf("event: object %q size %d, want object and %d", got.RawObject, got.Size, len(raw))
	}
	back, err := b.LoadBlob(context.Background(), nil, "", got.RawObject)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("object holds %d bytes (err %v), want the %d appended", len(back), err, len(raw))
	}
}

// Messages without a Message-ID are recognised by their content after a
// UIDVALIDITY change, however often it changes: nothing is ingested twice.
func TestDovecotUIDValidityChangeTwiceWithoutMessageIDs(t *testing.T) {
	s, acct := startDovecot(t)
	b := natstest.New(t)
	ev := watchStream(t, b, bus.AllAccounts(bus.KindIngested))
	anon := func(subject, body string) []byte {
		return fmt.Appendf(nil, "From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: %s\r\nDate: %s\r\n\r\n%s\r\n",
			subject, time.Now().Format(time.RFC1123Z), body)
	}
	old := [][]byte{anon("no id 1", "one"), anon("no id 2", "two"), message("with id", "id@x", "three")}
	for _, m := range old {
		s.Append(t, "alice", "INBOX", m)
	}
	stop := startWatcher(t, b, &acct, "INBOX", nil)
	ev.waitLen(t, 3, 5*time.Second)
	stop()
	for round, fresh := range [][]byte{anon("new after 1st", "four"), anon("new after 2nd", "five")} {
		s.RecreateMailbox(t, "alice", "INBOX")
		for _, m := range old { // restored under new UIDs, as a migration would
			// and with a new trace field, as a new delivery would.
			s.Append(t, "alice", "INBOX", append([]byte("Received: from mx by imap; "+time.Now().String()+"\r\n"), m...))
		}
		s.Append(t, "alice", "INBOX", fresh)
		old = append(old, fresh)
		stop = startWatcher(t, b, &acct, "INBOX", nil)
		ev.waitLen(t, 4+round, 10*time.Second)
		ev.settle(t, 4+round)
		stop()
	}
	got := ev.ingested()
	for i, in := range got[:3] {
		if (in.MessageID == "") != (in.Fingerprint != "") {
			t.Errorf("event %d: message_id %q, fingerprint %q: want exactly one", i, in.MessageID, in.Fingerprint)
		}
	}
	if got[3].Fingerprint == "" || got[4].Fingerprint == "" || got[3].Fingerprint == got[4].Fingerprint {
		t.Errorf("the new messages' fingerprints: %q, %q", got[3].Fingerprint, got[4].Fingerprint)
	}
}
