package imapx

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"mailassist/setting"
)

// slots caps simultaneous connections in this process: a dial waits for a
// free slot, which the connection holds until it is closed.
type slots struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

var connSlots = &slots{m: map[string]chan struct{}{}}

// acquire takes one of n slots called key, waiting until one is free or
// ctx ends; the first n given for a key holds. The returned func gives
// the slot back.
func (s *slots) acquire(ctx context.Context, key string, n int) (func(), error) {
	s.mu.Lock()
	ch, ok := s.m[key]
	if !ok {
		ch = make(chan struct{}, n)
		s.m[key] = ch
	}
	s.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return sync.OnceFunc(func() { <-ch }), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a connection slot (%s): %w", key, ctx.Err())
	}
}

// accountKey names the connections of one login at one server.
func accountKey(cfg Config) string {
	return "account " + cfg.Username + " at " + strings.ToLower(cfg.Host)
}

// limit waits for the login's turn and takes the slots a connection of
// cfg needs (of its account, of its host), before it dials.
func limit(ctx context.Context, cfg Config, addr string) (func(), error) {
	releaseAccount := func() {}
	if cfg.MaxConnections > 0 {
		var err error
		if releaseAccount, err = connSlots.acquire(ctx, accountKey(cfg), cfg.MaxConnections); err != nil {
			return nil, err
		}
	}
	releaseHost, err := cfg.Limiter.acquire(ctx, addr)
	if err != nil {
		releaseAccount()
		return nil, err
	}
	return func() { releaseHost(); releaseAccount() }, nil
}

// heldConn is a connection that holds its slots (limit) until it is
// closed: the client closes it on Close and when its reading ends (the
// server went away), so no goroutine waits for that per connection.
// prelude is what the client reads first (rawConn's greeting).
type heldConn struct {
	net.Conn
	prelude []byte
	release func() // idempotent (slots.acquire)
}

func (c *heldConn) Read(p []byte) (int, error) {
	if len(c.prelude) > 0 {
		n := copy(p, c.prelude)
		c.prelude = c.prelude[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *heldConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// Limits is the imap section at the top of the config: caps on the IMAP
// connections of every account in the process. Zero fields mean the
// defaults.
type Limits struct {
	// MaxConnectionsPerHost caps the connections to one server (host and
	// port) of all accounts together; 0 means no cap.
	MaxConnectionsPerHost int `yaml:"max_connections_per_host"`
	// LoginsPerSecond paces new connections (at start, and reconnects
	// after a server restart), so that a thousand accounts do not storm
	// the server at once. Default 200.
	LoginsPerSecond int `yaml:"logins_per_second"`
}

// DefaultLoginsPerSecond is the default of Limits.LoginsPerSecond.
const DefaultLoginsPerSecond = 200

// WithDefaults returns l with its zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.LoginsPerSecond == 0 {
		l.LoginsPerSecond = DefaultLoginsPerSecond
	}
	return l
}

// Validate reports every problem of l.
func (l *Limits) Validate(p setting.Problems) {
	if l.MaxConnectionsPerHost < 0 {
		p.Add("max_connections_per_host", "%d is negative (0: no cap)", l.MaxConnectionsPerHost)
	}
	p.Between("logins_per_second", l.LoginsPerSecond, 1, 100000)
}

// Limiter applies Limits to every dial of the accounts that share it
// (Config.Limiter): logins are paced, with jitter, and connections to one
// host capped.
type Limiter struct {
	limits Limits
	slots  slots
	mu     sync.Mutex
	next   time.Time // when the next login may start
}

// NewLimiter returns the limiter of l (with its defaults filled in).
func NewLimiter(l Limits) *Limiter {
	return &Limiter{limits: l.WithDefaults(), slots: slots{m: map[string]chan struct{}{}}}
}

// pace waits for this login's turn: logins start one interval apart,
// each at a random point of its interval.
func (l *Limiter) pace(ctx context.Context) error {
	interval := time.Second / time.Duration(l.limits.LoginsPerSecond)
	l.mu.Lock()
	now := time.Now()
	start := l.next
	if start.Before(now) {
		start = now
	}
	l.next = start.Add(interval)
	l.mu.Unlock()
	at := start.Add(time.Duration(rand.Int64N(int64(interval) + 1)))
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acquire paces the login and takes a slot of the host.
func (l *Limiter) acquire(ctx context.Context, addr string) (func(), error) {
	if l == nil {
		return func() {}, nil
	}
	if err := l.pace(ctx); err != nil {
		return nil, err
	}
	if l.limits.MaxConnectionsPerHost <= 0 {
		return func() {}, nil
	}
	return l.slots.acquire(ctx, "host "+strings.ToLower(addr), l.limits.MaxConnectionsPerHost)
}
