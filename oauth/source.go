package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nuid"
	"golang.org/x/oauth2"
)

// ErrLoginRequired means no usable token is left for an account: none
// was stored, or the provider refused the refresh token. Only the user
// can fix it, with `mailassist account login NAME`.
var ErrLoginRequired = errors.New("oauth2 login required")

func loginRequired(account, why string) error {
	return fmt.Errorf("%w: account %s: %s: run mailassist account login %s", ErrLoginRequired, account, why, account)
}

// instance names this process in refresh locks.
var instance = nuid.Next()

const (
	// lockTTL bounds how long a refresh may hold the lock; a replica that
	// died holding it is taken over after this.
	lockTTL = 2 * httpTimeout
	// lockPoll is how often a replica waiting for another's refresh looks.
	lockPoll = 200 * time.Millisecond
)

// Source gives one account's access token to the IMAP dialer. It reads
// the token from the store on every call, so every replica sees a login
// or a refresh at once, and refreshes it before it expires: one replica
// at a time, the others waiting for its result.
type Source struct {
	account string
	cfg     *Config
	store   *Store
	log     *slog.Logger
	health  *Health // may be nil
	now     func() time.Time

	mu      sync.Mutex
	refused string // an access token the server refused: refresh it
}

// NewSource returns the token source of account, configured by cfg. health
// (may be nil) learns when a login is required.
func NewSource(account string, cfg *Config, store *Store, health *Health, log *slog.Logger) *Source {
	return &Source{account: account, cfg: cfg, store: store, health: health, log: log.With("account", account), now: time.Now}
}

// Token returns an access token that is valid for a while yet,
// refreshing it first when needed. The error wraps ErrLoginRequired when
// only a new login can help; any other error is transient.
func (s *Source) Token(ctx context.Context) (string, error) {
	deadline := s.now().Add(lockTTL + httpTimeout)
	for {
		st, rev, err := s.store.Load(ctx, s.account)
		if errors.Is(err, ErrNoToken) {
			err = loginRequired(s.account, "no token stored")
			s.health.set(s.account, err)
			return "", err
		}
		if err != nil {
			return "", err
		}
		if st.Failed != "" {
			err = loginRequired(s.account, st.Failed)
			s.health.set(s.account, err)
			return "", err
		}
		now := s.now()
		if s.usable(st, now) {
			s.health.set(s.account, nil)
			return st.AccessToken, nil
		}
		if now.After(deadline) {
			return "", fmt.Errorf("oauth2 token of account %s: still being refreshed elsewhere after %v", s.account, lockTTL+httpTimeout)
		}
		if l := st.Refreshing; l != nil && now.Before(l.Until) {
			if err := sleep(ctx, lockPoll); err != nil { // another replica refreshes it
				return "", err
			}
			continue
		}
		tok, err := s.refresh(ctx, st, rev)
		if isCASConflict(err) {
			continue // another replica took the lock first, or a login replaced the token
		}
		return tok, err
	}
}

// Refused tells the source that the server refused token: the next
// Token refreshes it, even if it has not expired (it may have been
// revoked).
func (s *Source) Refused(token string) {
	s.mu.Lock()
	s.refused = token
	s.mu.Unlock()
}

func (s *Source) usable(st *State, now time.Time) bool {
	s.mu.Lock()
	refused := s.refused
	s.mu.Unlock()
	if st.AccessToken == "" || st.AccessToken == refused {
		return false
	}
	at := st.refreshAt()
	return at.IsZero() || now.Before(at)
}

// refresh takes the lock (compare-and-set on rev), asks the token
// endpoint for a new access token and stores it. A failed compare-and-set
// is returned as is: the caller starts over.
func (s *Source) refresh(ctx context.Context, st *State, rev uint64) (string, error) {
	// Once the provider has answered, its answer must be stored even if
	// ctx ends: a rotated refresh token that is not saved is lost.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), httpTimeout+5*time.Second)
	defer cancel()
	locked := *st
	locked.Refreshing = &Lock{By: instance, Until: s.now().Add(lockTTL)}
	rev, err := s.store.save(ctx, s.account, &locked, rev)
	if err != nil {
		return "", err
	}
	tok, err := s.exchange(ctx, st.RefreshToken)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return "", s.fail(ctx, st, rev, re)
		}
		st.Refreshing = nil // release the lock; the next call tries again
		if _, serr := s.store.save(ctx, s.account, st, rev); serr != nil {
			s.log.Warn("releasing the oauth2 refresh lock", "err", serr)
		}
		return "", fmt.Errorf("refresh oauth2 token of account %s: %w", s.account, err)
	}
	next := fromToken(tok, s.now())
	next.LoggedIn = st.LoggedIn
	if next.RefreshToken == "" {
		next.RefreshToken = st.RefreshToken
	}
	if _, err := s.store.save(ctx, s.account, next, rev); err != nil {
		if isCASConflict(err) {
			s.log.Warn("oauth2 token replaced while it was refreshed (a new login?); using the new one")
		}
		return "", err
	}
	s.log.Info("oauth2 token refreshed", "token", next)
	s.health.set(s.account, nil)
	return next.AccessToken, nil
}

// exchange spends the refresh token at the token endpoint.
func (s *Source) exchange(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, &oauth2.RetrieveError{ErrorCode: "invalid_grant", ErrorDescription: "no refresh token was issued"}
	}
	oc, err := s.cfg.oauth2Config()
	if err != nil {
		return nil, err
	}
	return oc.TokenSource(withClient(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// fail records that the refresh token is dead, for every replica and
// for status, and returns the error that says what to do.
func (s *Source) fail(ctx context.Context, st *State, rev uint64, re *oauth2.RetrieveError) error {
	why := "the provider refused the refresh token (invalid_grant"
	if re.ErrorDescription != "" {
		why += ": " + re.ErrorDescription
	}
	why += ")"
	failed := *st
	failed.Refreshing, failed.Failed, failed.FailedAt = nil, why, s.now()
	if _, err := s.store.save(ctx, s.account, &failed, rev); err != nil && !isCASConflict(err) {
		s.log.Warn("recording the failed oauth2 refresh", "err", err)
	}
	err := loginRequired(s.account, why)
	s.health.set(s.account, err)
	s.log.Error("oauth2 refresh refused; the account stops until a new login", "err", err)
	return err
}

// fromToken is the state of a token just issued at now.
func fromToken(tok *oauth2.Token, now time.Time) *State {
	st := &State{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, Obtained: now}
	if !st.Expiry.IsZero() {
		st.Expiry = st.Expiry.UTC()
	}
	return st
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
