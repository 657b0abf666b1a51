package main

import (
	"log/slog"
	"os"
	"runtime/debug"

	"mailassist/setting"
)

// setMemoryLimit is runtime/debug.SetMemoryLimit; the tests, which run
// many commands in one process, leave the runtime's limit alone.
var setMemoryLimit = debug.SetMemoryLimit

// applyMemoryLimit sets the process's soft memory limit (memory_limit),
// unless the GOMEMLIMIT environment variable, which the runtime has
// applied already, is set.
func applyMemoryLimit(limit setting.ByteSize, log *slog.Logger) {
	if env := os.Getenv("GOMEMLIMIT"); env != "" {
		log.Debug("memory limit from GOMEMLIMIT", "GOMEMLIMIT", env)
		return
	}
	setMemoryLimit(limit.Int64())
	log.Debug("memory limit", "memory_limit", limit)
}
