package imapx

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2/imapclient"
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

// limit takes the slots a connection of cfg needs, before it dials.
func limit(ctx context.Context, cfg Config) (func(), error) {
	if cfg.MaxConnections <= 0 {
		return func() {}, nil
	}
	return connSlots.acquire(ctx, accountKey(cfg), cfg.MaxConnections)
}

// holdUntilClosed gives the slots back when c is closed.
func holdUntilClosed(c *imapclient.Client, release func()) {
	go func() {
		<-c.Closed()
		release()
	}()
}
