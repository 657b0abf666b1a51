package imapx_test

import (
	"context"
	"strings"
	"testing"

	"mailassist/imapx"
	"mailassist/internal/dovecottest"
	"mailassist/internal/testacct"
)

func TestDovecotRefusesUnverifiedCertificate(t *testing.T) {
	s := dovecottest.Start(t, dovecottest.WithUser("alice", "secret"))
	acct := testacct.Account(t, s.Host, s.TLSPort, "implicit", "", "") // no ca_file: the self-signed cert must fail
	_, err := imapx.Dial(context.Background(), acct.IMAP, nil)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("dial with an unknown CA: err = %v, want a certificate error", err)
	}
}
