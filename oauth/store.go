package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Bucket is the JetStream KV bucket of the tokens: one key per account.
const Bucket = "mail_oauth_tokens"

// BucketConfig is the bucket's configuration. Open it with
// bus.Bus.KeyValue, which sets storage and replicas. Anyone who may read
// the bus's KV may read the tokens: give the bus credentials the care
// the mailboxes deserve (see README, Security).
func BucketConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      Bucket,
		Description: "OAuth2 tokens of IMAP accounts (mailassist account login); secret",
		History:     5,
	}
}

// State is what the bucket holds for one account. It holds secrets: its
// String and LogValue show only the expiry and state.
type State struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"` // of AccessToken; zero: unknown
	Obtained     time.Time `json:"obtained"`        // when AccessToken was issued to us
	LoggedIn     time.Time `json:"logged_in"`       // when the device grant last ran
	// Refreshing is set while one replica refreshes the token; the
	// others wait for its result instead of spending the refresh token
	// too (providers that rotate refresh tokens refuse the second use).
	Refreshing *Lock `json:"refreshing,omitempty"`
	// Failed says why the refresh token stopped working (the provider
	// answered invalid_grant): only a new login helps.
	Failed   string    `json:"failed,omitempty"`
	FailedAt time.Time `json:"failed_at,omitzero"`
}

// Lock is a replica's claim to refresh a token, until Until.
type Lock struct {
	By    string    `json:"by"`
	Until time.Time `json:"until"`
}

// String describes s without its secrets.
func (s State) String() string {
	switch {
	case s.Failed != "":
		return "failed since " + s.FailedAt.Format(time.RFC3339) + ": " + s.Failed
	case s.Expiry.IsZero():
		return "access token without expiry"
	}
	return "access token valid until " + s.Expiry.Format(time.RFC3339)
}

// LogValue keeps the tokens out of logs.
func (s State) LogValue() slog.Value { return slog.StringValue(s.String()) }

// lifetime is how long the access token was valid when issued.
func (s *State) lifetime() time.Duration {
	if s.Expiry.IsZero() || s.Obtained.IsZero() {
		return 0
	}
	return s.Expiry.Sub(s.Obtained)
}

// maxMargin is how long before its expiry a token is refreshed, at most;
// short-lived tokens are refreshed when a third of their life is left.
const maxMargin = 5 * time.Minute

// margin is how long before its expiry the access token is replaced.
func (s *State) margin() time.Duration {
	if l := s.lifetime(); l > 0 && l/3 < maxMargin {
		return l / 3
	}
	return maxMargin
}

// refreshAt is when the access token should be replaced; zero when it
// has no known expiry.
func (s *State) refreshAt() time.Time {
	if s.Expiry.IsZero() {
		return time.Time{}
	}
	return s.Expiry.Add(-s.margin())
}

// ErrNoToken means the bucket holds nothing for the account.
var ErrNoToken = errors.New("no oauth2 token stored")

// Store reads and writes the tokens in the bucket.
type Store struct {
	kv jetstream.KeyValue
}

// NewStore returns the store in kv, the bucket opened with BucketConfig.
func NewStore(kv jetstream.KeyValue) *Store { return &Store{kv: kv} }

// Load returns the account's state and its revision, or ErrNoToken.
func (s *Store) Load(ctx context.Context, account string) (*State, uint64, error) {
	e, err := s.kv.Get(ctx, account)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, ErrNoToken
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load oauth2 token of %s: %w", account, err)
	}
	st, err := decode(account, e.Value())
	return st, e.Revision(), err
}

func decode(account string, data []byte) (*State, error) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		// The error of encoding/json quotes no input.
		return nil, fmt.Errorf("decode oauth2 token of %s: %w", account, err)
	}
	return &st, nil
}

// save writes st over revision rev (compare-and-set); rev 0 writes
// whatever is there (a login replaces everything).
func (s *Store) save(ctx context.Context, account string, st *State, rev uint64) (uint64, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		rev, err = s.kv.Put(ctx, account, data)
	} else {
		rev, err = s.kv.Update(ctx, account, data, rev)
	}
	if err != nil {
		return 0, fmt.Errorf("save oauth2 token of %s: %w", account, err)
	}
	return rev, nil
}

// isCASConflict reports whether err is a failed compare-and-set: another
// replica wrote the key first. (bus.IsCASConflict, which this package
// cannot import: the imap config imports it.)
func isCASConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
