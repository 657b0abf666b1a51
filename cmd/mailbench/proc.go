package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"mailassist/internal/proc"
)

// groupCPU is the CPU of every process in the process group pgrp, with
// the children they waited for: a process that ended and was reaped
// moves its time into its parent's children time, so the sum only grows.
// Processes in skip are left out (with what they reaped).
func groupCPU(pgrp int, skip map[int]bool) time.Duration {
	var total time.Duration
	for _, s := range groupProcs(pgrp) {
		if !skip[s.PID] {
			total += s.CPU + s.Children
		}
	}
	return total
}

// groupProcs lists the live processes of a process group.
func groupProcs(pgrp int) []proc.Stat {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc.Stat
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, err := proc.ReadStat(pid)
		if err != nil || s.Pgrp != pgrp || s.State == "Z" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// diskUsage is the space the files under dir take on disk (allocated
// blocks, as du counts them).
func diskUsage(dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			}
		}
		return nil
	})
	return total
}
