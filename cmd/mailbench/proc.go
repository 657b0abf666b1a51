package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux this runs on.
const clockTick = 100

// procStat is what /proc/<pid>/stat says of one process.
type procStat struct {
	pid, ppid, pgrp int
	comm            string
	state           string
	// cpu is utime + stime; children is cutime + cstime (the CPU of the
	// children it waited for).
	cpu, children time.Duration
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// parseStat reads "pid (comm) state ppid pgrp … utime stime cutime cstime …";
// comm may hold spaces and parentheses.
func parseStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("unreadable stat %q", b)
	}
	var s procStat
	s.pid, _ = strconv.Atoi(strings.TrimSpace(string(b[:open])))
	s.comm = string(b[open+1 : end])
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("short stat %q", b)
	}
	s.state = f[0]
	s.ppid, _ = strconv.Atoi(f[1])
	s.pgrp, _ = strconv.Atoi(f[2])
	tick := func(i int) time.Duration {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(v) * time.Second / clockTick
	}
	// Fields after the state: utime is the 12th (index 11), stime,
	// cutime, cstime follow.
	s.cpu, s.children = tick(11)+tick(12), tick(13)+tick(14)
	return s, nil
}

// groupCPU is the CPU of every process in the process group pgrp, with
// the children they waited for: a process that ended and was reaped
// moves its time into its parent's children time, so the sum only grows.
// Processes in skip are left out (with what they reaped).
func groupCPU(pgrp int, skip map[int]bool) time.Duration {
	var total time.Duration
	for _, s := range groupProcs(pgrp) {
		if !skip[s.pid] {
			total += s.cpu + s.children
		}
	}
	return total
}

// groupProcs lists the live processes of a process group.
func groupProcs(pgrp int) []procStat {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []procStat
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, err := readStat(pid)
		if err != nil || s.pgrp != pgrp || s.state == "Z" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// rss reads a field of /proc/<pid>/status in bytes: VmRSS now, VmHWM
// the peak.
func rss(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
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
