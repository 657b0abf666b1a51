package draft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/bus"
)

// How the user's fates of drafts weigh an intent (IntentWeights).
const (
	// IntentHalfLife is the age at which a fate counts half: old habits
	// fade, so an intent the user once deleted comes back.
	IntentHalfLife = 30 * 24 * time.Hour
	// IntentFloor is the lowest weight: an intent the user always
	// deletes is ranked lower, never removed for good.
	IntentFloor = 0.3
	// intentRecent is how many counted fates are remembered, so that a
	// fate retried after a crash is counted once.
	intentRecent = 256
)

// tally is how an account's user received one intent's drafts: kept
// (sent, weighted by how little they changed it) and dropped (deleted,
// or rewritten), decayed to At.
type tally struct {
	Kept    float64   `json:"kept"`
	Dropped float64   `json:"dropped"`
	At      time.Time `json:"at"`
}

func (t tally) decayed(now time.Time) tally {
	if age := now.Sub(t.At); age > 0 {
		f := math.Exp2(-float64(age) / float64(IntentHalfLife))
		t.Kept, t.Dropped, t.At = t.Kept*f, t.Dropped*f, now
	}
	return t
}

type intentTallies struct {
	Intents map[string]tally `json:"intents"`
	Counted []string         `json:"counted"` // the last fates counted (ref and fate)
}

func intentsKey(account string) string { return account + ".intents" }

// keptDropped is what a fate says of its draft's intent.
func keptDropped(r *Record) (kept, dropped float64, ok bool) {
	switch r.Fate {
	case bus.FateSentUnchanged:
		return 1, 0, true
	case bus.FateSentEdited:
		d := min(max(r.EditDistance, 0), 1)
		return 1 - d, d, true
	case bus.FateDeleted:
		return 0, 1, true
	}
	return 0, 0, false
}

// countIntent adds the fate of r to its account's tally of its intent,
// once (a redelivery is recognised by the draft and its fate).
func (l *Ledger) countIntent(ctx context.Context, r *Record, now time.Time) error {
	kept, dropped, ok := keptDropped(r)
	if !ok || r.Intent == "" {
		return nil
	}
	key, mark := intentsKey(r.Original.Account), r.Ref()+" "+string(r.Fate)
	for attempt := 0; ; attempt++ {
		var t intentTallies
		var rev uint64
		switch e, err := l.kv.Get(ctx, key); {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("draft ledger: intents: %w", err)
		default:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &t); err != nil {
				return fmt.Errorf("draft ledger: intents of %s: %w", r.Original.Account, err)
			}
		}
		if slices.Contains(t.Counted, mark) {
			return nil
		}
		if t.Intents == nil {
			t.Intents = map[string]tally{}
		}
		cur := t.Intents[r.Intent].decayed(now)
		cur.Kept, cur.Dropped, cur.At = cur.Kept+kept, cur.Dropped+dropped, now
		t.Intents[r.Intent] = cur
		t.Counted = append(t.Counted, mark)
		if len(t.Counted) > intentRecent {
			t.Counted = t.Counted[len(t.Counted)-intentRecent:]
		}
		data, _ := json.Marshal(&t)
		if rev == 0 {
			_, err := l.kv.Create(ctx, key, data)
			if err == nil {
				return nil
			}
			if !errors.Is(err, jetstream.ErrKeyExists) || attempt == 20 {
				return fmt.Errorf("draft ledger: intents: %w", err)
			}
			continue
		}
		_, err := l.kv.Update(ctx, key, data, rev)
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) || attempt == 20 {
			return fmt.Errorf("draft ledger: intents: %w", err)
		}
	}
}

// IntentWeights says, per intent, how the account's user received the
// drafts of that intent: 1 without evidence, up to 2 for an intent whose
// drafts they send unchanged, down to IntentFloor for one whose drafts
// they delete or rewrite. It is 2k for the kept share k with one kept
// and one dropped draft added as a prior, fates fading with
// IntentHalfLife. Intents without a fate are absent (weight 1).
func (l *Ledger) IntentWeights(ctx context.Context, account string, now time.Time) (map[string]float64, error) {
	e, err := l.kv.Get(ctx, intentsKey(account))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("draft ledger: intents: %w", err)
	}
	var t intentTallies
	if err := json.Unmarshal(e.Value(), &t); err != nil {
		return nil, fmt.Errorf("draft ledger: intents of %s: %w", account, err)
	}
	out := make(map[string]float64, len(t.Intents))
	for intent, x := range t.Intents {
		out[intent] = IntentWeight(x.decayed(now).Kept, x.decayed(now).Dropped)
	}
	return out, nil
}

// IntentWeight is the weight of an intent whose drafts were kept and
// dropped so often (IntentWeights).
func IntentWeight(kept, dropped float64) float64 {
	k := (kept + 1) / (kept + dropped + 2)
	return max(IntentFloor, 2*k)
}
