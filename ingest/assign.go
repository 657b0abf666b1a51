package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/bus"
)

// Members live in the leases bucket (bus.LeasesKV), under
// "member.<replica>": each ingest replica renews its key every
// HeartbeatEvery, and the bucket forgets it bus.LeaseTTL after the last
// renewal. So a replica that dies is out of the list within LeaseTTL,
// and the survivors take its accounts over at their next look.
const (
	memberPrefix   = "member."
	HeartbeatEvery = time.Second
)

// MemberTTL is how long a dead replica stays in the member list.
const MemberTTL = bus.LeaseTTL

// Owner returns which of members watches account: the member with the
// highest hash of (member, account) — rendezvous hashing, so that each
// member gets about its share and, when one goes, only its accounts move.
func Owner(members []string, account string) string {
	var best string
	var bestScore uint64
	for _, m := range members {
		sum := sha256.Sum256([]byte(m + "\x00" + account)) // FNV spreads such short keys badly
		if s := binary.BigEndian.Uint64(sum[:8]); best == "" || s > bestScore {
			best, bestScore = m, s
		}
	}
	return best
}

// Assigner shares accounts out among the live ingest replicas: it keeps
// this replica in the members bucket and runs the watchers of the
// accounts it owns, starting and stopping them as replicas come and go.
type Assigner struct {
	KV  jetstream.KeyValue // the leases bucket (bus.Bus.Leases)
	Log *slog.Logger
	// ID names this replica among the members. Default Self(), the id its
	// leases carry (so that Alive can judge a lease's holder).
	ID string
	// Settle is how long a replica listens before it starts its first
	// watchers, so that replicas started together see each other first.
	// Default 2 heartbeats.
	Settle time.Duration

	mu      sync.Mutex
	members map[string]bool
}

type member struct {
	Since time.Time `json:"since"`
}

// Alive reports whether instance (a replica's id in leases) is a live
// member; before the first listing it reports true (so nothing is taken
// from anyone).
func (a *Assigner) Alive(instance string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.members == nil || a.members[instance]
}

// Self is this replica's id, as it appears in the members bucket and in
// the leases it holds.
func Self() string { return instance }

// Run keeps this replica a member and runs watch for each account it
// owns until ctx is done; then it leaves the bucket at once, so that the
// others take its accounts over without waiting for MemberTTL.
func (a *Assigner) Run(ctx context.Context, accounts []*account.Account, watch func(ctx context.Context, acct *account.Account)) error {
	if a.Settle <= 0 {
		a.Settle = 2 * HeartbeatEvery
	}
	if a.ID == "" {
		a.ID = instance
	}
	since, _ := json.Marshal(member{Since: time.Now().UTC()})
	running := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, cancel := range running {
			cancel()
		}
		wg.Wait()
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = a.KV.Delete(dctx, memberPrefix+a.ID)
	}()
	start := time.Now()
	tick := time.NewTicker(HeartbeatEvery)
	defer tick.Stop()
	for {
		if _, err := a.KV.Put(ctx, memberPrefix+a.ID, since); err != nil && ctx.Err() == nil {
			a.Log.Warn("ingest heartbeat", "err", err)
		}
		members, err := a.list(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			a.Log.Warn("list ingest replicas", "err", err) // keep what runs
		case time.Since(start) >= a.Settle:
			a.rebalance(ctx, members, accounts, running, &wg, watch)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// list returns the live members, sorted, and remembers them for Alive.
func (a *Assigner) list(ctx context.Context) ([]string, error) {
	lister, err := a.KV.ListKeysFiltered(ctx, memberPrefix+">")
	if err != nil {
		return nil, err
	}
	var members []string
	for k := range lister.Keys() {
		members = append(members, strings.TrimPrefix(k, memberPrefix))
	}
	if !slices.Contains(members, a.ID) {
		members = append(members, a.ID) // our own heartbeat may have failed just now
	}
	slices.Sort(members)
	set := map[string]bool{}
	for _, m := range members {
		set[m] = true
	}
	a.mu.Lock()
	a.members = set
	a.mu.Unlock()
	return members, nil
}

// rebalance starts the watchers of the accounts this replica owns now
// and stops the others.
func (a *Assigner) rebalance(ctx context.Context, members []string, accounts []*account.Account, running map[string]context.CancelFunc, wg *sync.WaitGroup, watch func(context.Context, *account.Account)) {
	var started, stopped int
	for _, acct := range accounts {
		mine := Owner(members, acct.Name) == a.ID
		cancel, runs := running[acct.Name]
		switch {
		case mine && !runs:
			wctx, cancel := context.WithCancel(ctx)
			running[acct.Name] = cancel
			wg.Go(func() { watch(wctx, acct) })
			started++
		case !mine && runs:
			cancel()
			delete(running, acct.Name)
			stopped++
		}
	}
	if started+stopped > 0 {
		a.Log.Info("accounts shared among ingest replicas", "replicas", len(members), "mine", len(running), "started", started, "stopped", stopped)
	}
}
