package proc

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A command name with a space and a parenthesis; utime 250 and stime
	// 50 ticks, cutime 10 and cstime 0.
	line := "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 10 0 20 0 3 0 123 456 789\n"
	s, err := ParseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{PID: 4242, PPID: 1, Pgrp: 4242, Comm: "my (odd) cmd", State: "S", CPU: 3 * time.Second, Children: 100 * time.Millisecond}
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if _, err := ParseStat([]byte("4242 (cmd) S 1")); err == nil {
		t.Error("a short stat parsed")
	}
}

func TestReadOwnProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	s, err := ReadStat(os.Getpid())
	if err != nil || s.PID != os.Getpid() {
		t.Fatalf("ReadStat: %+v, %v", s, err)
	}
	if Memory(os.Getpid(), "VmHWM") <= 0 {
		t.Error("no VmHWM")
	}
}
