package imapx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mailassist/imapx"
	"mailassist/internal/dovecottest"
	"mailassist/internal/natstest"
	"mailassist/internal/oauthtest"
	"mailassist/internal/testacct"
	"mailassist/oauth"
)

// oauthAccount logs user in at the provider (device grant, approved at
// once) and returns the imap settings of an oauth2 account on s.
func oauthAccount(t *testing.T, s *dovecottest.Server, p *oauthtest.Server, user string) (imapx.Config, *oauth.State) {
	t.Helper()
	kv, err := natstest.New(t).KeyValue(context.Background(), oauth.BucketConfig())
	if err != nil {
		t.Fatal(err)
	}
	store := oauth.NewStore(kv)
	cfg := oauth.Config{ClientID: oauthtest.ClientID, TokenURL: p.TokenURL, DeviceAuthorizationURL: p.DeviceURL}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, _, err := oauth.Login(ctx, &cfg, store, user, func(pr oauth.Prompt) { p.Approve(pr.Code, user) })
	if err != nil {
		t.Fatal(err)
	}
	ic := imapx.Config{Host: s.Host, Port: s.Port, TLS: imapx.TLSNone, Username: user, Auth: imapx.AuthOAuth2, OAuth2: &cfg}
	ic.Tokens = oauth.NewSource(user, ic.OAuth2, store, nil, testacct.Log(t))
	return ic, st
}

func TestDovecotOAuth2(t *testing.T) {
	dovecottest.Require(t)
	p := oauthtest.Start(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		mechs   string                             // auth_mechanisms, "" for Dovecot's all
		prepare func(user string, st *oauth.State) // what happens between login and dial
		method  string                             // the mechanism Dovecot logs, or "" for a failed login
		err     error
	}{
		{name: "oauthbearer preferred", method: "OAUTHBEARER"},
		{name: "xoauth2 when alone", mechs: "plain login xoauth2", method: "XOAUTH2"},
		{name: "no mechanism", mechs: "plain login", err: imapx.ErrNoOAuthMechanism},
		{name: "expired access token is refreshed", prepare: func(user string, _ *oauth.State) { p.ExpireAccess(user) }, method: "OAUTHBEARER"},
		{name: "revoked grant needs a login", prepare: func(user string, _ *oauth.State) { p.Revoke(user) }, err: oauth.ErrLoginRequired},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []dovecottest.Option{dovecottest.WithOAuth2(p.IntrospectURL)}
			if tt.mechs != "" {
				opts = append(opts, dovecottest.WithConfig("auth_mechanisms = "+tt.mechs))
			}
			s := dovecottest.Start(t, opts...)
			user := "user" + string(rune('a'+i))
			cfg, st := oauthAccount(t, s, p, user)
			if tt.prepare != nil {
				tt.prepare(user, st)
			}
			before := p.Counts().Refreshes
			c, err := imapx.Dial(ctx, cfg, nil)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Dial = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			if log := s.LogTail(50); !strings.Contains(log, "user=<"+user+">, method="+tt.method) {
				t.Errorf("dovecot.log has no login of %s with %s:\n%s", user, tt.method, log)
			}
			refreshes := p.Counts().Refreshes - before
			if wantRefresh := tt.prepare != nil; (refreshes == 1) != wantRefresh || refreshes > 1 {
				t.Errorf("%d refreshes during the dial, want %d", refreshes, map[bool]int{true: 1}[wantRefresh])
			}
		})
	}
}
