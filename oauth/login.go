package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Prompt is what the user must do to approve a login: open URI (or
// URIComplete, which holds the code) and enter Code before Expiry.
type Prompt struct {
	URI         string
	URIComplete string // may be empty
	Code        string
	Expiry      time.Time // zero: the provider did not say
}

// Login runs the device authorization grant (RFC 8628) for account:
// it asks the provider for a code, hands it to show, waits until the
// user has approved it (or the code expired, or ctx ended) and stores
// the tokens, replacing whatever was stored, failed or not. It returns
// what it stored and the store's revision.
func Login(ctx context.Context, cfg *Config, store *Store, account string, show func(Prompt)) (*State, uint64, error) {
	oc, err := cfg.oauth2Config()
	if err != nil {
		return nil, 0, err
	}
	ctx = withClient(ctx)
	da, err := oc.DeviceAuth(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("device authorization at %s: %w", cfg.DeviceAuthorizationURL, err)
	}
	show(Prompt{URI: da.VerificationURI, URIComplete: da.VerificationURIComplete, Code: da.UserCode, Expiry: da.Expiry})
	tok, err := oc.DeviceAccessToken(ctx, da)
	var re *oauth2.RetrieveError
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return nil, 0, errors.New("the code expired before it was approved: run the login again")
	case errors.As(err, &re) && re.ErrorCode == "access_denied":
		return nil, 0, errors.New("the login was denied at the provider")
	case errors.As(err, &re) && re.ErrorCode == "expired_token":
		return nil, 0, errors.New("the code expired before it was approved: run the login again")
	case err != nil:
		return nil, 0, fmt.Errorf("wait for the approval at %s: %w", cfg.TokenURL, err)
	}
	if tok.RefreshToken == "" {
		return nil, 0, errors.New("the provider issued no refresh token, so the account would stop when the access token expires: ask for the scope that grants one (e.g. offline_access)")
	}
	now := time.Now()
	st := fromToken(tok, now)
	st.LoggedIn = now.UTC()
	rev, err := store.save(context.WithoutCancel(ctx), account, st, 0)
	if err != nil {
		return nil, 0, err
	}
	return st, rev, nil
}
