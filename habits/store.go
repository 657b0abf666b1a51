package habits

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// Bucket holds each account's profile under the account's name.
const Bucket = "reply_habits"

// maxAttempts bounds the compare-and-set retries of one Update.
const maxAttempts = 20

// Store keeps the accounts' profiles in the bus's KV and the latest of
// each in memory: a trigger reads a profile without a round trip (after
// the first, per account and process), and Watch replaces a cached
// profile as soon as any replica saves a newer one.
type Store struct {
	kv  jetstream.KeyValue
	log *slog.Logger

	mu       sync.Mutex
	profiles map[string]cached
	writers  map[string]*sync.Mutex
}

type cached struct {
	p   *Profile
	rev uint64 // 0: not in the bucket yet
}

// Open opens (creating it if needed) the bucket.
func Open(ctx context.Context, b *bus.Bus, log *slog.Logger) (*Store, error) {
	kv, err := b.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: Bucket, Description: "each account's reply habits: history and trigger model",
	})
	if err != nil {
		return nil, err
	}
	return &Store{kv: kv, log: log, profiles: map[string]cached{}, writers: map[string]*sync.Mutex{}}, nil
}

// Profile returns the account's latest profile, an empty one when it has
// none yet. It is shared: do not change it.
func (s *Store) Profile(ctx context.Context, account string) (*Profile, error) {
	c, err := s.current(ctx, account)
	return c.p, err
}

func (s *Store) current(ctx context.Context, account string) (cached, error) {
	s.mu.Lock()
	c, ok := s.profiles[account]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	return s.load(ctx, account)
}

// load reads the account's profile from the bucket and caches it.
func (s *Store) load(ctx context.Context, account string) (cached, error) {
	e, err := s.kv.Get(ctx, account)
	var c cached
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		c = cached{p: New()}
	case err != nil:
		return cached{}, fmt.Errorf("read reply habits of %s: %w", account, err)
	default:
		c = cached{p: s.decode(account, e.Value()), rev: e.Revision()}
	}
	s.set(account, c)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.profiles[account], nil
}

// decode decodes a saved profile; one this build cannot read (another
// format version) is started afresh, and says so.
func (s *Store) decode(account string, data []byte) *Profile {
	p, err := Unmarshal(data)
	if err != nil {
		s.log.Warn("reply habits unreadable, starting afresh", "account", account, "err", err)
		return New()
	}
	return p
}

// set caches c unless a newer revision is cached.
func (s *Store) set(account string, c cached) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.profiles[account]; ok && old.rev > c.rev {
		return
	}
	s.profiles[account] = c
}

func (s *Store) writer(account string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.writers[account]
	if !ok {
		w = &sync.Mutex{}
		s.writers[account] = w
	}
	return w
}

// Update changes the account's profile with fn and saves it when fn
// reports a change: fn gets a copy of the latest profile; when another
// writer saved first (compare-and-set), it runs again on theirs. Updates
// of one account in one process run one at a time.
func (s *Store) Update(ctx context.Context, account string, fn func(*Profile) (changed bool, err error)) (*Profile, error) {
	w := s.writer(account)
	w.Lock()
	defer w.Unlock()
	c, err := s.current(ctx, account)
	if err != nil {
		return nil, err
	}
	for range maxAttempts {
		p := c.p.Clone()
		changed, err := fn(p)
		if err != nil || !changed {
			return c.p, err
		}
		data := p.Marshal()
		var rev uint64
		if c.rev == 0 {
			rev, err = s.kv.Create(ctx, account, data)
		} else {
			rev, err = s.kv.Update(ctx, account, data, c.rev)
		}
		if bus.IsCASConflict(err) {
			if c, err = s.load(ctx, account); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("save reply habits of %s: %w", account, err)
		}
		s.set(account, cached{p: p, rev: rev})
		return p, nil
	}
	return nil, fmt.Errorf("save reply habits of %s: %d writers raced; try again", account, maxAttempts)
}

// Watch keeps the cached profiles current until ctx is done: a profile
// another replica saved replaces the one cached here.
func (s *Store) Watch(ctx context.Context) error {
	w, err := s.kv.WatchAll(ctx, jetstream.UpdatesOnly())
	if err != nil {
		return fmt.Errorf("watch %s: %w", Bucket, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil {
				continue
			}
			if e.Operation() != jetstream.KeyValuePut {
				s.Forget(e.Key())
				continue
			}
			s.mu.Lock()
			c, known := s.profiles[e.Key()]
			s.mu.Unlock()
			if !known || c.rev >= e.Revision() {
				continue // not used here (loaded on demand), or not newer
			}
			s.set(e.Key(), cached{p: s.decode(e.Key(), e.Value()), rev: e.Revision()})
		}
	}
}

// Forget drops the cached profile of account (the next read loads it).
func (s *Store) Forget(account string) {
	s.mu.Lock()
	delete(s.profiles, account)
	s.mu.Unlock()
}
