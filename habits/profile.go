package habits

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// Bounds of a profile: each table keeps its most recently active entries,
// so that a profile stays under about 400 KB however much mail the
// account gets (docs/reply.md).
const (
	MaxSenders = 2000
	MaxDomains = 500
	MaxLists   = 100
	MaxThreads = 2000
	// MaxPending messages wait for an answer at once; beyond it the
	// oldest is learnt as unanswered early.
	MaxPending = 1000
	// MaxSentIDs are the user's sent messages remembered (threads the user
	// started or wrote in; each sent message learnt once).
	MaxSentIDs = 5000
	// MaxSeen are the received messages remembered so that each is
	// learnt once (a redelivery, the bootstrap and the first sync).
	MaxSeen = 6000
	// maxRecent bounds the ids and subjects the user's recent replies
	// answered (a message received after its answer still counts).
	maxRecent = 4000
)

// Stat is what the history holds of one sender, domain, list or thread.
type Stat struct {
	Key      uint64
	Received uint16 // messages received
	Answered uint16 // of them, answered within the Window
	Ignored  uint16 // of them, not answered within the Window
	Wrote    uint16 // messages the user sent to it (sender, domain) or in it (thread)
	// DelayHours is the sum of the delays of the answers counted in
	// Answered, in hours.
	DelayHours float32
	// Times, in minutes since 2000-01-01 UTC (0: never).
	LastAnswer, LastWrote, LastSeen uint32
}

func (s *Stat) touch(at uint32) { s.LastSeen = max(s.LastSeen, at) }

func inc(n *uint16) {
	if *n < ^uint16(0) {
		*n++
	}
}

// table is a bounded set of Stats sorted by key.
type table struct {
	max  int
	recs []Stat
}

func (t *table) find(key uint64) (*Stat, bool) {
	i, ok := slices.BinarySearchFunc(t.recs, key, func(s Stat, k uint64) int { return cmp.Compare(s.Key, k) })
	if !ok {
		return nil, false
	}
	return &t.recs[i], true
}

// get returns the entry of key, creating it (and making room) if needed.
func (t *table) get(key uint64, at uint32) *Stat {
	i, ok := slices.BinarySearchFunc(t.recs, key, func(s Stat, k uint64) int { return cmp.Compare(s.Key, k) })
	if ok {
		return &t.recs[i]
	}
	if len(t.recs) >= t.max {
		t.evict()
		i, _ = slices.BinarySearchFunc(t.recs, key, func(s Stat, k uint64) int { return cmp.Compare(s.Key, k) })
	}
	t.recs = slices.Insert(t.recs, i, Stat{Key: key, LastSeen: at})
	return &t.recs[i]
}

// evict drops the least recently active tenth of the table.
func (t *table) evict() {
	n := len(t.recs) - t.max*9/10
	if n <= 0 {
		return
	}
	seen := make([]uint32, len(t.recs))
	for i, r := range t.recs {
		seen[i] = r.LastSeen
	}
	slices.Sort(seen)
	cut := seen[n-1] // drop entries last seen at or before cut, at most n
	out := t.recs[:0]
	dropped := 0
	for _, r := range t.recs {
		if r.LastSeen <= cut && dropped < n {
			dropped++
			continue
		}
		out = append(out, r)
	}
	t.recs = out
}

// stamp is a time as a profile keeps it: whole minutes since 2000-01-01
// UTC, 0 for the zero time.
func stamp(t time.Time) uint32 {
	if t.IsZero() {
		return 0
	}
	m := t.Sub(epoch) / time.Minute
	switch {
	case m < 1:
		return 1
	case m > 1<<32-1:
		return 1<<32 - 1
	}
	return uint32(m)
}

// timeOf is the inverse of stamp.
func timeOf(s uint32) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return epoch.Add(time.Duration(s) * time.Minute)
}

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const windowMinutes = uint32(Window / time.Minute)

// idTime is an id (short key) with a time.
type idTime struct {
	ID uint32
	At uint32
}

// idSet is a bounded set of ids with times, sorted by id; when full the
// oldest tenth goes.
type idSet struct {
	max  int
	recs []idTime
}

func (s *idSet) at(id uint32) (uint32, bool) {
	i, ok := sort.Find(len(s.recs), func(i int) int { return cmp32(id, s.recs[i].ID) })
	if !ok {
		return 0, false
	}
	return s.recs[i].At, true
}

// add records id at time at; an id already there keeps the earlier time.
func (s *idSet) add(id, at uint32) {
	i, ok := sort.Find(len(s.recs), func(i int) int { return cmp32(id, s.recs[i].ID) })
	if ok {
		s.recs[i].At = min(s.recs[i].At, at)
		return
	}
	if len(s.recs) >= s.max {
		s.dropOldest(len(s.recs) - s.max*9/10)
		i, _ = sort.Find(len(s.recs), func(i int) int { return cmp32(id, s.recs[i].ID) })
	}
	s.recs = slices.Insert(s.recs, i, idTime{id, at})
}

func (s *idSet) dropOldest(n int) {
	if n <= 0 {
		return
	}
	ats := make([]uint32, len(s.recs))
	for i, r := range s.recs {
		ats[i] = r.At
	}
	slices.Sort(ats)
	cut := ats[n-1]
	dropped := 0
	s.recs = slices.DeleteFunc(s.recs, func(r idTime) bool {
		if r.At <= cut && dropped < n {
			dropped++
			return true
		}
		return false
	})
}

// dropBefore removes the entries older than at.
func (s *idSet) dropBefore(at uint32) {
	s.recs = slices.DeleteFunc(s.recs, func(r idTime) bool { return r.At < at })
}

func cmp32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// replyTo is a reply the user sent: its subject (without reply prefixes)
// to one recipient, for answers matched by subject.
type replyTo struct {
	Subject, Rcpt uint32
	At            uint32
}

// pending is a received message waiting for the user's answer, with what
// the model saw when it arrived.
type pending struct {
	Key                                   uint64
	Ref                                   uint32
	Sender, Domain, List, Thread, Subject uint64
	At, Deadline                          uint32
	Score                                 float32 // the prediction made when it arrived
	X                                     [NumFeatures]int16
}

// Totals count what a profile has seen.
type Totals struct {
	Received   uint32 `json:"received"`   // messages observed
	Answered   uint32 `json:"answered"`   // learnt as answered
	Unanswered uint32 `json:"unanswered"` // learnt as unanswered
	Sent       uint32 `json:"sent"`       // the user's sent messages read
}

// Profile is one account's history and model. A Profile from a Cache is
// shared and must not be changed; Store.Update hands out a copy to change.
type Profile struct {
	Totals  Totals
	Model   Model
	clock   uint32 // the latest event's time (stamp)
	senders table
	domains table
	lists   table
	threads table
	pending []pending // in arrival order
	sentIDs idSet     // the user's sent messages by id
	replied idSet     // ids the user's replies answered, within the Window
	replies []replyTo // subjects of the user's replies, within the Window
	seen    []uint32  // received messages observed, a ring
	seenPos int
}

// New returns an empty profile whose model is the prior.
func New() *Profile {
	p := &Profile{Model: newModel()}
	p.init()
	return p
}

func (p *Profile) init() {
	p.senders.max, p.domains.max, p.lists.max, p.threads.max = MaxSenders, MaxDomains, MaxLists, MaxThreads
	p.sentIDs.max, p.replied.max = MaxSentIDs, maxRecent
}

// Clone returns a deep copy of p.
func (p *Profile) Clone() *Profile {
	c := *p
	c.Model = p.Model.clone()
	for _, t := range []*table{&c.senders, &c.domains, &c.lists, &c.threads} {
		t.recs = slices.Clone(t.recs)
	}
	c.pending = slices.Clone(p.pending)
	c.sentIDs.recs = slices.Clone(p.sentIDs.recs)
	c.replied.recs = slices.Clone(p.replied.recs)
	c.replies = slices.Clone(p.replies)
	c.seen = slices.Clone(p.seen)
	return &c
}

// Pending is how many received messages wait for an answer.
func (p *Profile) Pending() int { return len(p.pending) }

// Sizes are the entries of each of a profile's tables.
type Sizes struct {
	Senders, Domains, Lists, Threads, Pending, SentIDs, Seen int
}

// Sizes returns how full p's tables are.
func (p *Profile) Sizes() Sizes {
	return Sizes{len(p.senders.recs), len(p.domains.recs), len(p.lists.recs), len(p.threads.recs),
		len(p.pending), len(p.sentIDs.recs), len(p.seen)}
}

// hasSeen reports whether the received message key was observed, and
// records it when not.
func (p *Profile) markSeen(key uint64) (already bool) {
	id := short(key)
	if slices.Contains(p.seen, id) {
		return true
	}
	if len(p.seen) < MaxSeen {
		p.seen = append(p.seen, id)
		return false
	}
	p.seen[p.seenPos] = id
	p.seenPos = (p.seenPos + 1) % MaxSeen
	return false
}
