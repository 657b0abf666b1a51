// Package dovecottest runs a throwaway Dovecot IMAP server for integration tests.
//
// Each server lives in its own directory (config, TLS certificate,
// passwd-file users, Maildir store, dovecot.log) and listens on free
// loopback ports: Port for plain IMAP and STARTTLS, TLSPort for implicit
// TLS. It needs the Debian package dovecot-imapd (Dovecot 2.3). As root,
// mail is stored as the system user "mail"; as another user, everything
// runs as that user.
//
// One server per test:
//
//	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
//	uid := s.Append(t, "alice", "INBOX", raw)
//
// One server per package, started in TestMain:
//
//	var srv *dovecottest.Server
//
//	func TestMain(m *testing.M) {
//		if dovecottest.Available() {
//			var err error
//			if srv, err = dovecottest.Launch(dovecottest.WithUser("alice", "secret")); err != nil {
//				fmt.Fprintln(os.Stderr, err)
//				os.Exit(1)
//			}
//		}
//		code := m.Run()
//		if srv != nil {
//			srv.Close()
//		}
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		dovecottest.Require(t) // skip, or fail on CI, without Dovecot
//		c := srv.Dial(t, "alice")
//		...
//	}
//
// On failure a test started with Start logs the tail of dovecot.log. Set
// DOVECOTTEST_KEEP=1 to keep the directories for a look afterwards.
package dovecottest
