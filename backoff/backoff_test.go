package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	lo, hi := time.Second, time.Minute
	for _, tc := range []struct {
		n       uint64
		nominal time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {7, time.Minute}, {1000, time.Minute}} {
		for range 100 {
			d := Delay(tc.n, lo, hi)
			if d < tc.nominal/2 || d > tc.nominal {
				t.Fatalf("Delay(%d) = %s, want within [%s, %s]", tc.n, d, tc.nominal/2, tc.nominal)
			}
		}
	}
	if d := Delay(3, 0, hi); d != 0 {
		t.Errorf("Delay with lo 0 = %s", d)
	}
}
