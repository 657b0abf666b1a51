package oauth

import (
	"sort"
	"sync"
	"time"
)

// Health records which accounts need a new login, for /healthz: an
// account whose refresh token was refused is failed until a token works
// again, while the other accounts go on.
type Health struct {
	mu     sync.Mutex
	failed map[string]string // account → the error, with the fix
}

// AccountState is one failed account, as /healthz details it.
type AccountState struct {
	Account string `json:"account"`
	Error   string `json:"error"`
}

// NewHealth returns a Health with no failed account.
func NewHealth() *Health { return &Health{failed: map[string]string{}} }

// set records err (nil: the account works) for account.
func (h *Health) set(account string, err error) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		delete(h.failed, account)
	} else {
		h.failed[account] = err.Error()
	}
}

// Health implements the ops server's health check: a problem for every
// account that needs a new login.
func (h *Health) Health(time.Time) (problems []string, detail any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	states := make([]AccountState, 0, len(h.failed))
	for account, msg := range h.failed {
		states = append(states, AccountState{Account: account, Error: msg})
	}
	sort.Slice(states, func(i, j int) bool { return states[i].Account < states[j].Account })
	for _, s := range states {
		problems = append(problems, s.Error)
	}
	return problems, states
}
