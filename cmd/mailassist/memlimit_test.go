package main

import (
	"log/slog"
	"os"
	"testing"

	"mailassist/setting"
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
		return 64 << 20
	}
	t.Setenv("GOMEMLIMIT", "")
	if got := applyMemoryLimit(100<<20, slog.New(slog.DiscardHandler)); got != 100<<20 || len(set) != 1 || set[0] != 100<<20 {
		t.Errorf("memory_limit: in force %d, set %v", got, set)
	}
	set = nil
	t.Setenv("GOMEMLIMIT", "64MiB")
	if got := applyMemoryLimit(100<<20, slog.New(slog.DiscardHandler)); got != 64<<20 || len(set) != 1 || set[0] != -1 {
		t.Errorf("GOMEMLIMIT=64MiB: in force %d, calls %v (want only a read)", got, set)
	}
	set = nil
	t.Setenv("GOMEMLIMIT", "off")
	if got := applyMemoryLimit(setting.ByteSize(100<<20), slog.New(slog.DiscardHandler)); got != -1 || len(set) != 1 || set[0] != -1 {
		t.Errorf("GOMEMLIMIT=off: in force %d, calls %v", got, set)
	}
}
