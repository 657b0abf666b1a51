package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/internal/natstest"
)

func TestOwnerSharesEvenlyAndMovesLittle(t *testing.T) {
	members := []string{"a", "b", "c"}
	count := map[string]int{}
	moved := 0
	for i := range 3000 {
		acct := fmt.Sprintf("acct%d", i)
		owner := ingest.Owner(members, acct)
		count[owner]++
		if after := ingest.Owner([]string{"a", "c"}, acct); owner != "b" && after != owner {
			moved++ // an account of a survivor must stay where it is
		}
	}
	for m, n := range count {
		if n < 900 || n > 1100 {
			t.Errorf("member %s owns %d of 3000 accounts; want about 1000", m, n)
		}
	}
	if moved != 0 {
		t.Errorf("%d accounts of the survivors moved when b left", moved)
	}
}

// replica is one ingest process's assigner in the test: which accounts
// it watches now.
type replica struct {
	mu      sync.Mutex
	running map[string]bool
	cancel  context.CancelFunc
	done    chan struct{}
	bus     *bus.Bus
}

func (r *replica) owned() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for k := range r.running {
		out[k] = true
	}
	return out
}

func startReplica(t *testing.T, srv *natstest.Server, id string, accounts []*account.Account) *replica {
	t.Helper()
	b := srv.Open(t, bus.Options{Memory: true})
	kv := b.Leases
	r := &replica{running: map[string]bool{}, done: make(chan struct{}), bus: b}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	a := &ingest.Assigner{KV: kv, Log: testLog(t), ID: id}
	go func() {
		defer close(r.done)
		a.Run(ctx, accounts, func(ctx context.Context, acct *account.Account) {
			r.mu.Lock()
			r.running[acct.Name] = true
			r.mu.Unlock()
			<-ctx.Done()
			r.mu.Lock()
			delete(r.running, acct.Name)
			r.mu.Unlock()
		})
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// Three replicas share 100 accounts about evenly; when one dies without
// a word (its connection cut, no farewell), the other two take its
// accounts over within seconds, each account watched by exactly one.
func TestAssignerSharesAndFailsOver(t *testing.T) {
	srv := natstest.Start(t)
	var accounts []*account.Account
	for i := range 100 {
		accounts = append(accounts, &account.Account{Name: fmt.Sprintf("a%03d", i)})
	}
	rs := []*replica{startReplica(t, srv, "r1", accounts), startReplica(t, srv, "r2", accounts), startReplica(t, srv, "r3", accounts)}
	exactlyOnce := func(rs []*replica) (bool, []int) {
		seen := map[string]int{}
		var counts []int
		for _, r := range rs {
			o := r.owned()
			counts = append(counts, len(o))
			for a := range o {
				seen[a]++
			}
		}
		for _, a := range accounts {
			if seen[a.Name] != 1 {
				return false, counts
			}
		}
		return true, counts
	}
	var counts []int
	waitFor(t, "100 accounts shared out", 15*time.Second, func() bool { ok, c := exactlyOnce(rs); counts = c; return ok })
	t.Logf("accounts per replica: %v", counts)
	for _, n := range counts {
		if n < 20 || n > 47 {
			t.Errorf("accounts per replica %v: not about a third each", counts)
		}
	}

	// r2 dies: its bus connection is cut first, so it cannot say goodbye.
	rs[1].bus.NC.Close()
	rs[1].cancel()
	start := time.Now()
	waitFor(t, "the survivors take r2's accounts", 15*time.Second, func() bool { ok, c := exactlyOnce([]*replica{rs[0], rs[2]}); counts = c; return ok })
	t.Logf("failover after %v; accounts per survivor: %v", time.Since(start).Round(100*time.Millisecond), counts)
	if d := time.Since(start); d > ingest.MemberTTL+3*ingest.HeartbeatEvery {
		t.Errorf("failover took %v", d)
	}
}
