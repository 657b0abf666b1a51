package main

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps the commands the tests run from setting this process's
// memory limit (memory_limit): the test binary is not the process the
// limit is for.
func TestMain(m *testing.M) {
	setMemoryLimit = func(int64) int64 { return -1 }
	os.Exit(m.Run())
}

// memory_limit is set unless GOMEMLIMIT says otherwise.
func TestMemoryLimit(t *testing.T) {
	var set []int64
	orig := setMemoryLimit
	t.Cleanup(func() { setMemoryLimit = orig })
	setMemoryLimit = func(n int64) int64 {
		set = append(set, n)
		return -1
	}
	log := slog.New(slog.DiscardHandler)
	t.Setenv("GOMEMLIMIT", "")
	if applyMemoryLimit(100<<20, log); len(set) != 1 || set[0] != 100<<20 {
		t.Errorf("memory_limit 100MiB: set %v", set)
	}
	for _, env := range []string{"64MiB", "off"} {
		set = nil
		t.Setenv("GOMEMLIMIT", env)
		if applyMemoryLimit(100<<20, log); len(set) != 0 {
			t.Errorf("GOMEMLIMIT=%s: the limit was set anyway: %v", env, set)
		}
	}
}
