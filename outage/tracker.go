package outage

import (
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var dependencyUp = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Name: "mailassist_dependency_up",
	Help: "1 while a server the process depends on answers (imap <account>, nats, storage, llm <endpoint>), 0 during an outage.",
}, []string{"dependency"})

// State is what a Tracker knows of one server.
type State struct {
	Name  string    `json:"name"`
	Up    bool      `json:"up"`
	Since time.Time `json:"since"`         // when it last went up or down
	Err   string    `json:"err,omitempty"` // why it is down
	// Downs counts the outages seen since start.
	Downs int `json:"downs"`
}

// Tracker holds the state of every server a process depends on, by name
// ("imap alice", "nats", "storage", "llm small"). Many parts of the
// process report to it — every connection of an account, every message
// that met the outage — and it logs one line when a server goes down and
// one when it is back, never one per report. The zero value is not
// usable; a nil *Tracker ignores reports.
type Tracker struct {
	log *slog.Logger
	now func() time.Time

	mu   sync.Mutex
	deps map[string]*State
}

// NewTracker returns a Tracker that logs transitions to log.
func NewTracker(log *slog.Logger) *Tracker {
	return &Tracker{log: log, now: time.Now, deps: map[string]*State{}}
}

// Register declares a server as up, so that it is exported from the
// start (mailassist_dependency_up 1) and listed by Snapshot.
func (t *Tracker) Register(names ...string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range names {
		if _, ok := t.deps[name]; !ok {
			t.deps[name] = &State{Name: name, Up: true, Since: t.now()}
			dependencyUp.WithLabelValues(name).Set(1)
		}
	}
}

// Down reports that name did not answer, with err. The first report of an
// outage is logged at warning level; the ones after it are not logged.
// It returns true for that first report.
func (t *Tracker) Down(name string, err error) bool {
	if t == nil {
		return false
	}
	t.mu.Lock()
	s := t.state(name)
	first := s.Up
	if first {
		s.Up, s.Since, s.Downs = false, t.now(), s.Downs+1
	}
	if err != nil {
		s.Err = err.Error()
	}
	t.mu.Unlock()
	if first {
		dependencyUp.WithLabelValues(name).Set(0)
		t.log.Warn(name+" is unavailable; work that needs it waits and is retried", "dependency", name, "err", err)
	}
	return first
}

// Up reports that name answered. If it was down, that is logged once,
// with how long the outage lasted.
func (t *Tracker) Up(name string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	s, known := t.deps[name]
	if !known { // never reported down: nothing to say
		t.mu.Unlock()
		return
	}
	was := s.Up
	var lasted time.Duration
	if !was {
		lasted = t.now().Sub(s.Since)
		s.Up, s.Since, s.Err = true, t.now(), ""
	}
	t.mu.Unlock()
	if !was {
		dependencyUp.WithLabelValues(name).Set(1)
		t.log.Info(name+" is back", "dependency", name, "outage", lasted.Round(time.Millisecond))
	}
}

// IsUp reports whether name is up (a server never reported is up).
func (t *Tracker) IsUp(name string) bool {
	if t == nil {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.deps[name]
	return !ok || s.Up
}

// State returns what the tracker knows of name; false if nothing.
func (t *Tracker) State(name string) (State, bool) {
	if t == nil {
		return State{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.deps[name]
	if !ok {
		return State{}, false
	}
	return *s, true
}

// state returns name's state, creating it (up) on first use. t.mu is held.
func (t *Tracker) state(name string) *State {
	s, ok := t.deps[name]
	if !ok {
		s = &State{Name: name, Up: true, Since: t.now()}
		t.deps[name] = s
	}
	return s
}

// Snapshot returns every server's state, sorted by name.
func (t *Tracker) Snapshot() []State {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]State, 0, len(t.deps))
	for _, s := range t.deps {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Health is the ops server's health check: a problem for every server
// that is down, and every server's state as detail.
func (t *Tracker) Health(now time.Time) (problems []string, detail any) {
	states := t.Snapshot()
	for _, s := range states {
		if !s.Up {
			problems = append(problems, s.Name+": unavailable for "+now.Sub(s.Since).Round(time.Second).String()+": "+s.Err)
		}
	}
	return problems, states
}
