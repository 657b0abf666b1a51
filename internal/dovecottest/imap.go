package dovecottest

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Message is one message as stored by Dovecot.
type Message struct {
	UID   imap.UID
	Flags []imap.Flag
	Raw   []byte // the full message, BODY.PEEK[]
}

// Dial returns a client logged in as user over plaintext loopback IMAP. It
// is closed when the test ends. It is meant for test setup and assertions,
// not as the code under test.
func (s *Server) Dial(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	return s.DialOptions(t, user, nil)
}

// DialOptions is Dial with client options, e.g. a UnilateralDataHandler to
// watch IDLE notifications.
func (s *Server) DialOptions(t testing.TB, user string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := s.login(user, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) login(user string, opts *imapclient.Options) (*imapclient.Client, error) {
	pw, ok := s.password(user)
	if !ok {
		return nil, fmt.Errorf("dovecottest: unknown user %q; add it with AddUser or WithUser", user)
	}
	c, err := imapclient.DialInsecure(s.Addr(), opts)
	if err != nil {
		return nil, fmt.Errorf("dovecottest: dial %s: %w", s.Addr(), err)
	}
	if err := c.Login(user, pw).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("dovecottest: login %s: %w", user, err)
	}
	return c, nil
}

// session runs f on a fresh logged-in connection and logs out afterwards,
// so the helpers below leave no connection behind for Kick to find.
func (s *Server) session(t testing.TB, user string, f func(c *imapclient.Client) error) {
	t.Helper()
	c, err := s.login(user, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = f(c)
	c.Logout().Wait()
	c.Close()
	if err != nil {
		t.Fatalf("dovecottest: %s: %v", user, err)
	}
}

// Append stores raw in the user's mailbox with the given flags and returns
// its UID.
func (s *Server) Append(t testing.TB, user, mailbox string, raw []byte, flags ...imap.Flag) imap.UID {
	t.Helper()
	var uid imap.UID
	s.session(t, user, func(c *imapclient.Client) error {
		cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
		if _, err := cmd.Write(raw); err != nil {
			return fmt.Errorf("append to %s: %w", mailbox, err)
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("append to %s: %w", mailbox, err)
		}
		data, err := cmd.Wait()
		if err != nil {
			return fmt.Errorf("append to %s: %w", mailbox, err)
		}
		if data.UID == 0 {
			return fmt.Errorf("append to %s: server returned no UID (UIDPLUS)", mailbox)
		}
		uid = data.UID
		return nil
	})
	return uid
}

// Mailbox lists the messages in the user's mailbox in UID order, without
// changing their flags (the mailbox is opened read-only).
func (s *Server) Mailbox(t testing.TB, user, mailbox string) []Message {
	t.Helper()
	var msgs []Message
	s.session(t, user, func(c *imapclient.Client) error {
		sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return fmt.Errorf("examine %s: %w", mailbox, err)
		}
		if sel.NumMessages == 0 {
			return nil
		}
		section := &imap.FetchItemBodySection{Peek: true}
		all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}} // 1:*
		bufs, err := c.Fetch(all, &imap.FetchOptions{
			UID:         true,
			Flags:       true,
			BodySection: []*imap.FetchItemBodySection{section},
		}).Collect()
		if err != nil {
			return fmt.Errorf("fetch %s: %w", mailbox, err)
		}
		for _, b := range bufs {
			msgs = append(msgs, Message{UID: b.UID, Flags: b.Flags, Raw: b.FindBodySection(section)})
		}
		slices.SortFunc(msgs, func(a, b Message) int { return int(a.UID) - int(b.UID) })
		return nil
	})
	return msgs
}

// UIDValidity returns the mailbox's UIDVALIDITY.
func (s *Server) UIDValidity(t testing.TB, user, mailbox string) uint32 {
	t.Helper()
	var v uint32
	s.session(t, user, func(c *imapclient.Client) error {
		data, err := c.Status(mailbox, &imap.StatusOptions{UIDValidity: true}).Wait()
		if err != nil {
			return fmt.Errorf("status %s: %w", mailbox, err)
		}
		v = data.UIDValidity
		return nil
	})
	return v
}

// RecreateMailbox deletes the mailbox and creates it again, empty and with a
// new UIDVALIDITY. INBOX cannot be deleted in IMAP; for it every message is
// expunged and doveadm gives it a new UIDVALIDITY, which to a client is the
// same thing.
func (s *Server) RecreateMailbox(t testing.TB, user, mailbox string) {
	t.Helper()
	old := s.UIDValidity(t, user, mailbox)
	if strings.EqualFold(mailbox, "INBOX") {
		s.session(t, user, func(c *imapclient.Client) error {
			sel, err := c.Select(mailbox, nil).Wait()
			if err != nil || sel.NumMessages == 0 {
				return err
			}
			all := imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}
			store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
			if err := c.Store(all, store, nil).Close(); err != nil {
				return fmt.Errorf("store \\Deleted in %s: %w", mailbox, err)
			}
			if err := c.Expunge().Close(); err != nil {
				return fmt.Errorf("expunge %s: %w", mailbox, err)
			}
			return nil
		})
		// UIDVALIDITY is conventionally a timestamp; make sure it moves on.
		next := max(uint32(time.Now().Unix()), old+1)
		s.doveadm(t, nil, "mailbox", "update", "-u", user, "--uid-validity", strconv.FormatUint(uint64(next), 10), mailbox)
	} else {
		s.session(t, user, func(c *imapclient.Client) error {
			if err := c.Delete(mailbox).Wait(); err != nil {
				return fmt.Errorf("delete %s: %w", mailbox, err)
			}
			if err := c.Create(mailbox, nil).Wait(); err != nil {
				return fmt.Errorf("create %s: %w", mailbox, err)
			}
			return nil
		})
	}
	if v := s.UIDValidity(t, user, mailbox); v == old {
		t.Fatalf("dovecottest: recreate %s/%s: UIDVALIDITY still %d", user, mailbox, v)
	}
}

// Kick disconnects every IMAP session of the user, as an administrator
// would: Dovecot signals each session's process, and clients get
// "* BYE Server shutting down." and then EOF, as on a server restart. A user without sessions is not an error;
// use Connections to wait for the code under test to connect first.
func (s *Server) Kick(t testing.TB, user string) {
	t.Helper()
	s.doveadm(t, []int{exNotFound}, "kick", user)
}

// Connections returns how many IMAP sessions the user has logged in.
func (s *Server) Connections(t testing.TB, user string) int {
	t.Helper()
	out := s.doveadm(t, nil, "who", "-1", user)
	n := 0
	for _, line := range strings.Split(out, "\n")[1:] { // a header comes first
		if f := strings.Fields(line); len(f) > 0 && f[0] == user {
			n++
		}
	}
	return n
}

// Sessions returns how many IMAP sessions all users have logged in.
func (s *Server) Sessions(t testing.TB) int {
	t.Helper()
	out := s.doveadm(t, nil, "who", "-1")
	n := 0
	for _, line := range strings.Split(out, "\n")[1:] { // a header comes first
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n
}

// exNotFound is doveadm's exit code when nothing matched, e.g. "no users
// kicked" (DOVEADM_EX_NOTFOUND, which is sysexits' EX_NOHOST).
const exNotFound = 68

// doveadm runs doveadm against this server's config. Exit codes in ok are
// not failures.
func (s *Server) doveadm(t testing.TB, ok []int, args ...string) string {
	t.Helper()
	cmd := exec.Command(doveadmBinary(), append([]string{"-c", s.conf}, args...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && slices.Contains(ok, exit.ExitCode()) {
		err = nil
	}
	if err != nil {
		t.Fatalf("dovecottest: doveadm %v: %v\n%s", args, err, out)
	}
	return string(out)
}
