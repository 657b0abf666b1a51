package oauth_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"mailassist/bus"
	"mailassist/internal/natstest"
	"mailassist/internal/oauthtest"
	"mailassist/oauth"
)

var quiet = slog.New(slog.DiscardHandler)

func config(p *oauthtest.Server) *oauth.Config {
	return &oauth.Config{ClientID: oauthtest.ClientID, TokenURL: p.TokenURL, DeviceAuthorizationURL: p.DeviceURL, Scopes: []string{"imap", "offline_access"}}
}

// stores returns n stores over one bucket, each on its own connection,
// as n replicas would have them.
func stores(t *testing.T, n int) []*oauth.Store {
	t.Helper()
	srv := natstest.Start(t)
	out := make([]*oauth.Store, n)
	for i := range out {
		b := srv.Open(t, bus.Options{Memory: true})
		kv, err := b.KeyValue(context.Background(), oauth.BucketConfig())
		if err != nil {
			t.Fatal(err)
		}
		out[i] = oauth.NewStore(kv)
	}
	return out
}

// login runs the device grant, approving the code as user at once.
func login(t *testing.T, p *oauthtest.Server, store *oauth.Store, account, user string) *oauth.State {
	t.Helper()
	return loginAfter(t, p, store, account, user, 0)
}

// loginAfter is login with the approval after delay.
func loginAfter(t *testing.T, p *oauthtest.Server, store *oauth.Store, account, user string, delay time.Duration) *oauth.State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, _, err := oauth.Login(ctx, config(p), store, account, func(pr oauth.Prompt) {
		if pr.URI == "" || pr.Code == "" {
			t.Errorf("prompt without URI or code: %+v", pr)
		}
		time.AfterFunc(delay, func() { p.Approve(pr.Code, user) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestLoginDeviceFlow(t *testing.T) {
	p := oauthtest.Start(t)
	store := stores(t, 1)[0]
	st := loginAfter(t, p, store, "alice", "alice", 1500*time.Millisecond) // the client polls while the user approves
	if !p.Active(st.AccessToken) || st.RefreshToken == "" {
		t.Fatalf("stored state %v: access token not active or no refresh token", st)
	}
	got, _, err := store.Load(context.Background(), "alice")
	if err != nil || got.AccessToken != st.AccessToken || got.RefreshToken != st.RefreshToken || got.LoggedIn.IsZero() {
		t.Fatalf("Load = %v, %v; want what Login stored", got, err)
	}
	if c := p.Counts(); c.DeviceAuthorizations != 1 || c.DeviceTokens != 1 || c.PendingPolls == 0 {
		t.Errorf("counts %+v; want one device authorization, polls while pending, and one token", c)
	}
	for _, s := range []string{st.String(), st.LogValue().String()} {
		if strings.Contains(s, st.AccessToken) || strings.Contains(s, st.RefreshToken) {
			t.Errorf("%q shows a token", s)
		}
	}
}

func TestLoginDenied(t *testing.T) {
	p := oauthtest.Start(t)
	store := stores(t, 1)[0]
	_, _, err := oauth.Login(context.Background(), config(p), store, "alice", func(pr oauth.Prompt) { p.Deny(pr.Code) })
	if err == nil || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("Login = %v, want denied", err)
	}
	if _, _, err := store.Load(context.Background(), "alice"); !errors.Is(err, oauth.ErrNoToken) {
		t.Errorf("after a denied login Load = %v, want ErrNoToken", err)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.WithAccessTTL(3*time.Second))
	store := stores(t, 1)[0]
	first := login(t, p, store, "alice", "alice")
	src := oauth.NewSource("alice", config(p), store, nil, quiet)
	ctx := context.Background()
	if tok, err := src.Token(ctx); err != nil || tok != first.AccessToken {
		t.Fatalf("fresh token: Token = %v; want the login's token", err)
	}
	// With a third of its life left (1s of 3s), the token is replaced,
	// while it is still valid.
	time.Sleep(time.Until(first.Expiry.Add(-900 * time.Millisecond)))
	if !p.Active(first.AccessToken) {
		t.Fatal("test too slow: the token expired before the check")
	}
	tok, err := src.Token(ctx)
	if err != nil || tok == first.AccessToken || !p.Active(tok) {
		t.Fatalf("Token near expiry = %v (same as before: %v); want a fresh active token", err, tok == first.AccessToken)
	}
	if n := p.Counts().Refreshes; n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	st, _, _ := store.Load(ctx, "alice")
	if st.RefreshToken == first.RefreshToken || st.Refreshing != nil {
		t.Errorf("after refresh: rotated refresh token stored %v, lock released %v", st.RefreshToken != first.RefreshToken, st.Refreshing == nil)
	}
}

// Replicas share the token: when it is due, exactly one of them spends
// the refresh token (the provider rotates it, so a second use would be
// refused), and all of them get the new access token.
func TestOneRefreshAcrossReplicas(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.WithAccessTTL(3*time.Second))
	ss := stores(t, 3)
	first := login(t, p, ss[0], "alice", "alice")
	time.Sleep(time.Until(first.Expiry.Add(-500 * time.Millisecond)))
	var wg sync.WaitGroup
	tokens := make([]string, 12)
	errs := make([]error, len(tokens))
	for i := range tokens {
		src := oauth.NewSource("alice", config(p), ss[i%len(ss)], nil, quiet)
		wg.Go(func() { tokens[i], errs[i] = src.Token(context.Background()) })
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] || tokens[i] == first.AccessToken {
			t.Errorf("caller %d: %v; same token as caller 0: %v, new: %v", i, errs[i], tokens[i] == tokens[0], tokens[i] != first.AccessToken)
		}
	}
	if c := p.Counts(); c.Refreshes != 1 || c.RefusedRefreshes != 0 {
		t.Errorf("counts %+v; want exactly one refresh and none refused", c)
	}
}

// A revoked grant makes the account fail with the fix, in the error, in
// the store (for status and the other replicas) and in health; the
// provider is not asked again until a new login.
func TestRevokedRefreshToken(t *testing.T) {
	p := oauthtest.Start(t)
	store := stores(t, 1)[0]
	first := login(t, p, store, "alice", "alice")
	health := oauth.NewHealth()
	src := oauth.NewSource("alice", config(p), store, health, quiet)
	p.Revoke("alice")
	src.Refused(first.AccessToken) // as the IMAP server would after the revocation
	ctx := context.Background()
	_, err := src.Token(ctx)
	const fix = "run mailassist account login alice"
	if !errors.Is(err, oauth.ErrLoginRequired) || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), fix) {
		t.Fatalf("Token after revocation = %v; want ErrLoginRequired naming invalid_grant and the fix", err)
	}
	st, _, _ := store.Load(ctx, "alice")
	if st.Failed == "" || st.FailedAt.IsZero() || st.Refreshing != nil {
		t.Errorf("stored state %v: want failed, lock released", st)
	}
	if problems, _ := health.Health(time.Now()); len(problems) != 1 || !strings.Contains(problems[0], fix) {
		t.Errorf("health problems %q; want one with the fix", problems)
	}
	other := oauth.NewSource("alice", config(p), store, nil, quiet) // another replica
	if _, err := other.Token(ctx); !errors.Is(err, oauth.ErrLoginRequired) {
		t.Errorf("another replica: Token = %v, want ErrLoginRequired", err)
	}
	if n := p.Counts().RefusedRefreshes; n != 1 {
		t.Errorf("%d refused refreshes, want 1: a dead refresh token is not tried again", n)
	}

	second := login(t, p, store, "alice", "alice")
	if tok, err := src.Token(ctx); err != nil || tok != second.AccessToken {
		t.Fatalf("after a new login Token = %v", err)
	}
	if problems, _ := health.Health(time.Now()); len(problems) != 0 {
		t.Errorf("health after a new login: %q", problems)
	}
}

func TestNoTokenStored(t *testing.T) {
	src := oauth.NewSource("bob", &oauth.Config{ClientID: "x", TokenURL: "http://127.0.0.1:1/token"}, stores(t, 1)[0], nil, quiet)
	_, err := src.Token(context.Background())
	if !errors.Is(err, oauth.ErrLoginRequired) || !strings.Contains(err.Error(), "run mailassist account login bob") {
		t.Fatalf("Token without a login = %v", err)
	}
}

// A token the server refused is replaced even though it has not expired.
func TestRefusedTokenIsRefreshed(t *testing.T) {
	p := oauthtest.Start(t)
	store := stores(t, 1)[0]
	first := login(t, p, store, "alice", "alice")
	src := oauth.NewSource("alice", config(p), store, nil, quiet)
	src.Refused(first.AccessToken)
	tok, err := src.Token(context.Background())
	if err != nil || tok == first.AccessToken || !p.Active(tok) {
		t.Fatalf("Token after Refused = %v; new %v", err, tok != first.AccessToken)
	}
}

// A refresh that fails for a passing reason (the provider is down) keeps
// the refresh token and releases the lock.
func TestTransientRefreshFailure(t *testing.T) {
	p := oauthtest.Start(t)
	store := stores(t, 1)[0]
	first := login(t, p, store, "alice", "alice")
	cfg := config(p)
	cfg.TokenURL = "http://127.0.0.1:1/token" // nothing listens
	src := oauth.NewSource("alice", cfg, store, nil, quiet)
	src.Refused(first.AccessToken)
	_, err := src.Token(context.Background())
	if err == nil || errors.Is(err, oauth.ErrLoginRequired) {
		t.Fatalf("Token with the provider down = %v; want a transient error", err)
	}
	st, _, _ := store.Load(context.Background(), "alice")
	if st.Failed != "" || st.Refreshing != nil || st.RefreshToken != first.RefreshToken {
		t.Errorf("after a transient failure: %v, lock %v, refresh token kept %v", st, st.Refreshing, st.RefreshToken == first.RefreshToken)
	}
}

// Keep replaces tokens before they expire, without anyone asking.
func TestKeep(t *testing.T) {
	p := oauthtest.Start(t, oauthtest.WithAccessTTL(3*time.Second))
	store := stores(t, 1)[0]
	login(t, p, store, "alice", "alice")
	health := oauth.NewHealth()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		oauth.Keep(ctx, []*oauth.Source{
			oauth.NewSource("alice", config(p), store, health, quiet),
			oauth.NewSource("nobody", config(p), store, health, quiet),
		})
	}()
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		st, _, err := store.Load(ctx, "alice")
		if err != nil || !p.Active(st.AccessToken) {
			t.Fatalf("stored token not active at %v: %v", time.Now(), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
	if n := p.Counts().Refreshes; n < 2 {
		t.Errorf("%d refreshes in 8s of 3s tokens, want at least 2", n)
	}
	problems, _ := health.Health(time.Now())
	if len(problems) != 1 || !strings.Contains(problems[0], "account nobody: no token stored: run mailassist account login nobody") {
		t.Errorf("health: %q; want the account without a login", problems)
	}
}
