// Package oauthtest runs an OAuth 2.0 provider for tests: the device
// authorization grant (RFC 8628), the refresh grant with rotating refresh
// tokens, and token introspection (RFC 7662) for Dovecot's oauth2 passdb.
// Tokens can be made to expire and be revoked.
package oauthtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// ClientID is the only client the provider knows.
const ClientID = "mailassist-test"

// Server is a running provider. Its endpoints are TokenURL, DeviceURL
// and IntrospectURL.
type Server struct {
	URL           string
	TokenURL      string
	DeviceURL     string
	IntrospectURL string

	mu        sync.Mutex
	access    map[string]grant  // access token → grant
	refresh   map[string]string // refresh token → user
	devices   map[string]*device
	accessTTL time.Duration
	secret    string
	counts    Counts
	autoUser  string // AutoApprove's user
	lastCode  string // the last user code handed out
}

type grant struct {
	user   string
	expiry time.Time
}

type device struct {
	userCode string
	user     string // set when approved
	denied   bool
}

// Counts is how often each grant was used.
type Counts struct {
	DeviceAuthorizations int
	DeviceTokens         int // device codes exchanged for tokens
	PendingPolls         int // device code polls answered authorization_pending
	Refreshes            int // refresh grants that issued a token
	RefusedRefreshes     int // refresh grants answered invalid_grant
	Introspections       int
	ActiveIntrospections int
}

// Option changes the provider.
type Option func(*Server)

// WithAccessTTL sets the lifetime of access tokens; default one hour.
func WithAccessTTL(d time.Duration) Option { return func(s *Server) { s.accessTTL = d } }

// WithClientSecret makes the client confidential: the token endpoint
// wants HTTP Basic authentication with ClientID and secret.
func WithClientSecret(secret string) Option { return func(s *Server) { s.secret = secret } }

// Start runs the provider on a loopback port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{access: map[string]grant{}, refresh: map[string]string{}, devices: map[string]*device{}, accessTTL: time.Hour}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /device", s.deviceAuth)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /introspect", s.introspect)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	s.TokenURL, s.DeviceURL, s.IntrospectURL = hs.URL+"/token", hs.URL+"/device", hs.URL+"/introspect"
	return s
}

// Approve lets the device login with userCode log in as user.
func (s *Server) Approve(userCode, user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode {
			d.user = user
			return true
		}
	}
	return false
}

// Issue mints an access token and a refresh token for user, as if a
// login had just happened.
func (s *Server) Issue(user string) (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	access, refresh = random(24), random(24)
	s.access[access] = grant{user: user, expiry: time.Now().Add(s.accessTTL)}
	s.refresh[refresh] = user
	return access, refresh
}

// AutoApprove approves every device login from now on as user, as a
// person who signs in at once would.
func (s *Server) AutoApprove(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.autoUser = user
}

// LastUserCode is the user code of the last device login begun.
func (s *Server) LastUserCode() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastCode
}

// Deny refuses the device login with userCode.
func (s *Server) Deny(userCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode {
			d.denied = true
		}
	}
}

// Revoke invalidates every access and refresh token of user, as a user
// who withdraws the application's access, or an administrator, would.
func (s *Server) Revoke(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, g := range s.access {
		if g.user == user {
			delete(s.access, tok)
		}
	}
	for tok, u := range s.refresh {
		if u == user {
			delete(s.refresh, tok)
		}
	}
}

// ExpireAccess makes every access token of user expire now; its refresh
// tokens still work.
func (s *Server) ExpireAccess(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, g := range s.access {
		if g.user == user {
			g.expiry = time.Now().Add(-time.Second)
			s.access[tok] = g
		}
	}
}

// Counts returns how often each grant was used so far.
func (s *Server) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Active reports whether token is an access token that is valid now.
func (s *Server) Active(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.access[token]
	return ok && time.Now().Before(g.expiry)
}

func (s *Server) deviceAuth(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("client_id") != ClientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.DeviceAuthorizations++
	code, user := random(16), random(4)
	s.devices[code] = &device{userCode: user, user: s.autoUser}
	s.lastCode = user
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code": code, "user_code": user, "verification_uri": s.URL + "/verify",
		"verification_uri_complete": s.URL + "/verify?code=" + user, "expires_in": 600, "interval": 1,
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if !s.clientOK(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostFormValue("grant_type") {
	case "urn:ietf:params:oauth:grant-type:device_code":
		d, ok := s.devices[r.PostFormValue("device_code")]
		switch {
		case !ok:
			oauthError(w, http.StatusBadRequest, "invalid_grant")
		case d.denied:
			delete(s.devices, r.PostFormValue("device_code"))
			oauthError(w, http.StatusBadRequest, "access_denied")
		case d.user == "":
			s.counts.PendingPolls++
			oauthError(w, http.StatusBadRequest, "authorization_pending")
		default:
			delete(s.devices, r.PostFormValue("device_code"))
			s.counts.DeviceTokens++
			s.issue(w, d.user)
		}
	case "refresh_token":
		rt := r.PostFormValue("refresh_token")
		user, ok := s.refresh[rt]
		if !ok {
			s.counts.RefusedRefreshes++
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "refresh token revoked, expired or already used"})
			return
		}
		delete(s.refresh, rt) // rotation: a refresh token works once
		s.counts.Refreshes++
		s.issue(w, user)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
	}
}

func (s *Server) clientOK(r *http.Request) bool {
	if s.secret == "" {
		return r.PostFormValue("client_id") == ClientID
	}
	id, secret, ok := r.BasicAuth()
	return ok && id == ClientID && secret == s.secret
}

// issue answers with a new access token and refresh token for user.
// Callers hold s.mu.
func (s *Server) issue(w http.ResponseWriter, user string) {
	access, refresh := random(24), random(24)
	s.access[access] = grant{user: user, expiry: time.Now().Add(s.accessTTL)}
	s.refresh[refresh] = user
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
		"expires_in": int(s.accessTTL.Round(time.Second) / time.Second), "scope": "imap",
	})
}

// introspect answers RFC 7662 token introspection, as Dovecot's oauth2
// passdb asks it with introspection_mode = post.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	tok := r.PostFormValue("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts.Introspections++
	g, ok := s.access[tok]
	if !ok || !time.Now().Before(g.expiry) {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	s.counts.ActiveIntrospections++
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "username": g.user, "client_id": ClientID, "scope": "imap", "exp": g.expiry.Unix(),
	})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
