package imapx_test

import (
	"errors"
	"testing"

	"github.com/emersion/go-imap/v2"

	"mailassist/imapx"
)

func TestOAuthMechanism(t *testing.T) {
	tests := []struct {
		caps []imap.Cap
		want string
		err  error
	}{
		{[]imap.Cap{"AUTH=PLAIN", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER"}, imapx.MechOAuthBearer, nil},
		{[]imap.Cap{"AUTH=XOAUTH2"}, imapx.MechXOAuth2, nil},
		{[]imap.Cap{"AUTH=oauthbearer"}, imapx.MechOAuthBearer, nil}, // capability names are case-insensitive
		{[]imap.Cap{"AUTH=PLAIN"}, "", imapx.ErrNoOAuthMechanism},
	}
	for _, tt := range tests {
		caps := imap.CapSet{}
		for _, c := range tt.caps {
			caps[c] = struct{}{}
		}
		got, err := imapx.OAuthMechanism(caps)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("OAuthMechanism(%v) = %q, %v; want %q, %v", tt.caps, got, err, tt.want, tt.err)
		}
	}
}
