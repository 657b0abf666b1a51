package oauth

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// recheck is how often Keep looks at an account that needs a login (to
// notice the login) or whose refresh failed for a transient reason.
const recheck = time.Minute

// Keep refreshes the sources' tokens before they expire until ctx is
// done, so that a dial seldom waits for a refresh and a refused refresh
// token shows in health without waiting for the next dial. Every replica
// may run it: the refresh lock makes one of them do the work.
func Keep(ctx context.Context, sources []*Source) error {
	due := make([]time.Time, len(sources)) // zero: now
	for {
		next := time.Time{}
		for i, s := range sources {
			if now := time.Now(); !due[i].After(now) {
				due[i] = s.keepOnce(ctx, now)
			}
			if next.IsZero() || due[i].Before(next) {
				next = due[i]
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if next.IsZero() {
			<-ctx.Done()
			return nil
		}
		if err := sleep(ctx, time.Until(next)); err != nil {
			return nil
		}
	}
}

// keepOnce refreshes the token if it is due and returns when to look
// again.
func (s *Source) keepOnce(ctx context.Context, now time.Time) time.Time {
	st, _, err := s.store.Load(ctx, s.account)
	switch {
	case ctx.Err() != nil:
		return now
	case errors.Is(err, ErrNoToken):
		s.health.set(s.account, loginRequired(s.account, "no token stored"))
		return now.Add(recheck)
	case err != nil:
		s.log.Warn("oauth2 token check", "err", err)
		return now.Add(recheck)
	case st.Failed != "":
		s.health.set(s.account, loginRequired(s.account, st.Failed))
		return now.Add(recheck)
	}
	if s.usable(st, now) && !st.refreshAt().IsZero() {
		return jittered(st)
	}
	if _, err := s.Token(ctx); err != nil {
		if ctx.Err() == nil && !errors.Is(err, ErrLoginRequired) {
			s.log.Warn("oauth2 token refresh failed; trying again", "err", err, "in", recheck)
		}
		return now.Add(recheck)
	}
	st, _, err = s.store.Load(ctx, s.account)
	if err != nil || st.refreshAt().IsZero() {
		return now.Add(recheck) // no expiry known: look now and then
	}
	if at := jittered(st); at.After(now.Add(time.Second)) {
		return at
	}
	return now.Add(time.Second)
}

// jittered is when to refresh st, a little later for some replicas than
// for others (which would all wake at once), and well before it expires.
func jittered(st *State) time.Time {
	return st.refreshAt().Add(time.Duration(rand.Int64N(int64(min(st.margin()/4, 5*time.Second)) + 1)))
}
