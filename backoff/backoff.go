// Package backoff computes retry delays: exponential in the attempt,
// capped, with jitter so that many clients retrying at once spread out.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Delay returns the delay before retry n (1 is the first retry): lo
// doubled n-1 times and capped at hi, then drawn uniformly from the upper
// half of that (full jitter in the upper half, so a delay is never less
// than half the nominal one). lo <= 0 gives 0.
func Delay(n uint64, lo, hi time.Duration) time.Duration {
	if lo <= 0 {
		return 0
	}
	d := lo
	for i := uint64(1); i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + rand.N(d/2+1)
}
