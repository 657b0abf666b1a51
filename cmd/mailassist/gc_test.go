package main

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps the commands the tests run from setting this process's
// garbage collector (memory_limit, gc_percent): the test binary is not
// the process the settings are for.
func TestMain(m *testing.M) {
	setMemoryLimit = func(int64) int64 { return -1 }
	setGCPercent = func(int) int { return 100 }
	os.Exit(m.Run())
}

// memory_limit and gc_percent are set unless GOMEMLIMIT and GOGC say
// otherwise, each on its own.
func TestApplyGC(t *testing.T) {
	var limits []int64
	var percents []int
	origLimit, origPercent := setMemoryLimit, setGCPercent
	t.Cleanup(func() { setMemoryLimit, setGCPercent = origLimit, origPercent })
	setMemoryLimit = func(n int64) int64 {
		limits = append(limits, n)
		return -1
	}
	setGCPercent = func(n int) int {
		percents = append(percents, n)
		return 100
	}
	log := slog.New(slog.DiscardHandler)
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	if applyGC(100<<20, 40, log); len(limits) != 1 || limits[0] != 100<<20 || len(percents) != 1 || percents[0] != 40 {
		t.Errorf("memory_limit 100MiB, gc_percent 40: set limits %v, percents %v", limits, percents)
	}
	for _, env := range []string{"64MiB", "off"} {
		limits, percents = nil, nil
		t.Setenv("GOMEMLIMIT", env)
		if applyGC(100<<20, 40, log); len(limits) != 0 || len(percents) != 1 {
			t.Errorf("GOMEMLIMIT=%s: set limits %v, percents %v", env, limits, percents)
		}
	}
	t.Setenv("GOMEMLIMIT", "")
	for _, env := range []string{"200", "off"} {
		limits, percents = nil, nil
		t.Setenv("GOGC", env)
		if applyGC(100<<20, 40, log); len(limits) != 1 || len(percents) != 0 {
			t.Errorf("GOGC=%s: set limits %v, percents %v", env, limits, percents)
		}
	}
}
