// Package proc reads what Linux's /proc says of a process — its CPU
// time, its process group, its memory — for the benchmarks
// (cmd/mailbench, BenchmarkAccounts).
package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux this runs on.
const clockTick = 100

// Stat is what /proc/<pid>/stat says of one process.
type Stat struct {
	PID, PPID, Pgrp int
	Comm            string
	State           string
	// CPU is utime + stime; Children is cutime + cstime (the CPU of the
	// children it waited for).
	CPU, Children time.Duration
}

// ReadStat reads /proc/<pid>/stat.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(b)
}

// ParseStat reads "pid (comm) state ppid pgrp … utime stime cutime cstime …";
// comm may hold spaces and parentheses.
func ParseStat(b []byte) (Stat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("unreadable stat %q", b)
	}
	var s Stat
	s.PID, _ = strconv.Atoi(strings.TrimSpace(string(b[:open])))
	s.Comm = string(b[open+1 : end])
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 15 {
		return Stat{}, fmt.Errorf("short stat %q", b)
	}
	s.State = f[0]
	s.PPID, _ = strconv.Atoi(f[1])
	s.Pgrp, _ = strconv.Atoi(f[2])
	tick := func(i int) time.Duration {
		v, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(v) * time.Second / clockTick
	}
	// Fields after the state: utime is the 12th (index 11), stime,
	// cutime, cstime follow.
	s.CPU, s.Children = tick(11)+tick(12), tick(13)+tick(14)
	return s, nil
}

// Memory reads a field of /proc/<pid>/status in bytes — VmRSS now, VmHWM
// the peak — or 0 when there is none.
func Memory(pid int, field string) int64 {
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
