package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"mailassist/setting"
)

// setMemoryLimit and setGCPercent are runtime/debug's; the tests, which
// run many commands in one process, leave the runtime's settings alone.
var (
	setMemoryLimit = debug.SetMemoryLimit
	setGCPercent   = debug.SetGCPercent
)

// applyGC sets the process's garbage collector from the config: its soft
// memory limit (memory_limit) unless the GOMEMLIMIT environment variable,
// which the runtime has applied already, is set, and its target heap
// growth (gc_percent) unless GOGC is set.
func applyGC(limit setting.ByteSize, percent int, log *slog.Logger) {
	if env := os.Getenv("GOMEMLIMIT"); env != "" {
		log.Debug("memory limit from GOMEMLIMIT", "GOMEMLIMIT", env)
	} else {
		setMemoryLimit(limit.Int64())
		log.Debug("memory limit", "memory_limit", limit)
	}
	if env := os.Getenv("GOGC"); env != "" {
		log.Debug("GC percent from GOGC", "GOGC", env)
	} else {
		setGCPercent(percent)
		log.Debug("GC percent", "gc_percent", percent)
	}
}
