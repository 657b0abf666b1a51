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
// unless the GOMEMLIMIT environment variable, which the runtime has read
// already, says otherwise. It returns the limit in force, or -1 for
// none.
func applyMemoryLimit(limit setting.ByteSize, log *slog.Logger) int64 {
	if env, ok := os.LookupEnv("GOMEMLIMIT"); ok && env != "" {
		cur := setMemoryLimit(-1) // -1 reads the limit without changing it
		log.Debug("memory limit from GOMEMLIMIT", "GOMEMLIMIT", env)
		if env == "off" {
			return -1
		}
		return cur
	}
	setMemoryLimit(limit.Int64())
	log.Debug("memory limit", "memory_limit", limit)
	return limit.Int64()
}
