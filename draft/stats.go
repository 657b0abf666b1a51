package draft

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"mailassist/bus"
)

// Counts are the fates of a set of filed drafts. Filed is the sum of the
// others: every draft that reached Drafts is in exactly one of them.
type Counts struct {
	Filed         int `json:"filed"`
	SentUnchanged int `json:"sent_unchanged"`
	SentEdited    int `json:"sent_edited"`
	Deleted       int `json:"deleted"`
	Pending       int `json:"pending"`
	Replaced      int `json:"replaced"`
	// Open drafts are younger than reply.pending_after and have no fate
	// yet.
	Open int `json:"open"`
	// Acceptance is the share of drafts the user decided on that were
	// sent: (sent_unchanged + sent_edited) / (those + deleted + pending);
	// 0 when there are none.
	Acceptance float64 `json:"acceptance"`
	// MeanEditDistance is the mean edit distance of the drafts sent
	// (unchanged ones count 0); 0 when none was sent.
	MeanEditDistance float64 `json:"mean_edit_distance"`

	distanceSum float64
}

func (c *Counts) add(r *Record) {
	c.Filed++
	switch r.Fate {
	case bus.FateSentUnchanged:
		c.SentUnchanged++
	case bus.FateSentEdited:
		c.SentEdited++
		c.distanceSum += r.EditDistance
	case bus.FateDeleted:
		c.Deleted++
	case bus.FatePending:
		c.Pending++
	case bus.FateReplaced:
		c.Replaced++
	default:
		c.Open++
	}
}

func (c *Counts) finish() {
	sent := c.SentUnchanged + c.SentEdited
	if decided := sent + c.Deleted + c.Pending; decided > 0 {
		c.Acceptance = float64(sent) / float64(decided)
	}
	if sent > 0 {
		c.MeanEditDistance = c.distanceSum / float64(sent)
	}
}

// Stats are the fates of the drafts filed since a time, overall, by
// source (builtin, small_model, large_model, handoff) and by intent
// (none for a full draft).
type Stats struct {
	Account  string             `json:"account,omitempty"` // empty: every account
	Since    time.Time          `json:"since,omitzero"`
	Overall  Counts             `json:"overall"`
	BySource map[string]*Counts `json:"by_source"`
	ByIntent map[string]*Counts `json:"by_intent"`
}

// Stats counts the fates of the drafts of account (every account when
// empty) filed since since (all when zero) that reached Drafts; drafts
// withheld or superseded before apply filed them are not counted.
func (l *Ledger) Stats(ctx context.Context, account string, since time.Time) (Stats, error) {
	st := Stats{Account: account, Since: since, BySource: map[string]*Counts{}, ByIntent: map[string]*Counts{}}
	filter := "*.d.>"
	if account != "" {
		filter = account + ".d.>"
	}
	keys, err := l.keys(ctx, filter)
	if err != nil {
		return st, err
	}
	for _, k := range keys {
		e, err := l.kv.Get(ctx, k)
		if err != nil {
			continue // expired or deleted since it was listed
		}
		var r Record
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return st, fmt.Errorf("draft ledger: record %s: %w", k, err)
		}
		if r.State != StateFiled && r.State != StateRemoved || r.Filed.Before(since) {
			continue
		}
		st.Overall.add(&r)
		for _, m := range []struct {
			by  map[string]*Counts
			key string
		}{{st.BySource, string(r.Source)}, {st.ByIntent, intentLabel(r.Intent)}} {
			if m.by[m.key] == nil {
				m.by[m.key] = &Counts{}
			}
			m.by[m.key].add(&r)
		}
	}
	st.Overall.finish()
	for _, by := range []map[string]*Counts{st.BySource, st.ByIntent} {
		for _, c := range by {
			c.finish()
		}
	}
	return st, nil
}
