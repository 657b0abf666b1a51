// Package memimap runs go-imap's in-memory IMAP server on a loopback port
// for fast tests.
package memimap

import (
	"bytes"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Password is the password of every user.
const Password = "secret"

// Server is an in-memory IMAP server owned by one test.
type Server struct {
	Host string
	Port int
	User *imapmemserver.User
	ln   net.Listener
}

// Start serves user "alice" with INBOX, Drafts, Junk and Sent. caps default to
// IMAP4rev1 with IDLE, UIDPLUS and MOVE.
func Start(t testing.TB, caps ...imap.Cap) *Server {
	t.Helper()
	if len(caps) == 0 {
		caps = []imap.Cap{imap.CapIMAP4rev1, imap.CapIdle, imap.CapUIDPlus, imap.CapMove}
	}
	user := imapmemserver.NewUser("alice", Password)
	for _, name := range []string{"INBOX", "Drafts", "Junk", "Sent"} {
		if err := user.Create(name, nil); err != nil {
			t.Fatal(err)
		}
	}
	capSet := imap.CapSet{}
	for _, c := range caps {
		capSet[c] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{user: user}, nil, nil
		},
		Caps:         capSet,
		InsecureAuth: true,
		Logger:       discard{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: user, ln: ln}
}

// session is imapmemserver's session for the one user, with IDLE that
// first reports what changed before it began: go-imap's tracker only
// wakes IDLE for updates queued after it started, so a message appended
// between the client's last command and its IDLE went unreported until
// the next one (a lost wake-up that real servers do not have).
type session struct {
	*imapmemserver.UserSession // nil until login
	user                       *imapmemserver.User
}

func (s *session) Login(username, password string) error {
	if err := s.user.Login(username, password); err != nil {
		return imapserver.ErrAuthFailed
	}
	s.UserSession = imapmemserver.NewUserSession(s.user)
	return nil
}

func (s *session) Close() error {
	if s.UserSession == nil {
		return nil
	}
	return s.UserSession.Close()
}

func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := s.UserSession.Poll(w, true); err != nil {
		return err
	}
	return s.UserSession.Idle(w, stop)
}

// Append adds raw to mailbox and returns its UID.
func (s *Server) Append(t testing.TB, mailbox string, raw []byte, flags ...imap.Flag) imap.UID {
	t.Helper()
	data, err := s.User.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{Flags: flags, Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return data.UID
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

type discard struct{}

func (discard) Printf(string, ...any) {}

// Dial returns a logged-in client, closed when the test ends.
func (s *Server) Dial(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("alice", Password).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}
