package escalate

import (
	"context"
	"errors"
	"fmt"
	"mailassist/bus"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BudgetBucket is the JetStream KV bucket of the large-model budget.
const BudgetBucket = "mail_escalate_budget"

// BudgetBucketConfig is the bucket's configuration: one key per account
// and hour, kept two hours so that a window outlives its hour. Open it
// with bus.Bus.KeyValue, which sets storage and replicas.
func BudgetBucketConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:      BudgetBucket,
		Description: "large-model calls per account and hour (escalate.max_per_hour)",
		History:     1,
		TTL:         2 * time.Hour,
	}
}

// maxCASAttempts bounds the compare-and-set retries of one Take or
// Refund under contention.
const maxCASAttempts = 64

// Budget limits large-model calls per account and clock hour (UTC),
// across every replica and restart: the count lives in JetStream KV
// under "<account>.<YYYYMMDDHH>" and moves only by compare-and-set.
type Budget struct {
	kv         jetstream.KeyValue
	maxPerHour int
	now        func() time.Time
}

// NewBudget returns a budget of maxPerHour calls per account and hour in
// kv (see BudgetBucketConfig). maxPerHour 0 or less means no limit; now
// nil means time.Now.
func NewBudget(kv jetstream.KeyValue, maxPerHour int, now func() time.Time) *Budget {
	if now == nil {
		now = time.Now
	}
	return &Budget{kv: kv, maxPerHour: maxPerHour, now: now}
}

// Take spends one call of the account's budget for the current hour. When
// the hour's budget is spent it returns ok false and how long until the
// next hour starts. err is set only when the KV store could not be read
// or written (the caller retries later).
func (b *Budget) Take(ctx context.Context, account string) (ok bool, retryAfter time.Duration, err error) {
	if b.maxPerHour <= 0 {
		return true, 0, nil
	}
	now := b.now().UTC()
	key := budgetKey(account, now)
	for range maxCASAttempts {
		n, rev, err := b.count(ctx, key)
		if err != nil {
			return false, 0, err
		}
		if n >= b.maxPerHour {
			return false, now.Truncate(time.Hour).Add(time.Hour).Sub(now), nil
		}
		err = b.put(ctx, key, n+1, rev)
		if err == nil {
			return true, 0, nil
		}
		if !bus.IsCASConflict(err) {
			return false, 0, fmt.Errorf("budget %s: %w", key, err)
		}
	}
	return false, 0, fmt.Errorf("budget %s: still contended after %d attempts", key, maxCASAttempts)
}

// Refund gives back one call of the account's current hour, for a call
// that never reached the model (it was down). It never goes below zero;
// after the hour has turned there is nothing to give back.
func (b *Budget) Refund(ctx context.Context, account string) error {
	if b.maxPerHour <= 0 {
		return nil
	}
	key := budgetKey(account, b.now().UTC())
	for range maxCASAttempts {
		n, rev, err := b.count(ctx, key)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		err = b.put(ctx, key, n-1, rev)
		if err == nil || !bus.IsCASConflict(err) {
			return err
		}
	}
	return fmt.Errorf("budget %s: still contended after %d attempts", key, maxCASAttempts)
}

// Used returns how many calls the account has taken this hour.
func (b *Budget) Used(ctx context.Context, account string) (int, error) {
	n, _, err := b.count(ctx, budgetKey(account, b.now().UTC()))
	return n, err
}

func budgetKey(account string, t time.Time) string {
	return account + "." + t.Format("2006010215")
}

// count reads the counter and its revision; a missing key is 0 at
// revision 0.
func (b *Budget) count(ctx context.Context, key string) (n int, rev uint64, err error) {
	e, err := b.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("budget %s: %w", key, err)
	}
	n, err = strconv.Atoi(string(e.Value()))
	if err != nil {
		return 0, 0, fmt.Errorf("budget %s: bad counter %q", key, e.Value())
	}
	return n, e.Revision(), nil
}

// put writes n if the key is still at rev (0: if it does not exist).
func (b *Budget) put(ctx context.Context, key string, n int, rev uint64) error {
	v := []byte(strconv.Itoa(n))
	var err error
	if rev == 0 {
		_, err = b.kv.Create(ctx, key, v)
	} else {
		_, err = b.kv.Update(ctx, key, v, rev)
	}
	return err
}
