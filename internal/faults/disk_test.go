package faults

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailassist/internal/tmpfstest"
)

// data_dir (the embedded NATS store) lies on a 64 MiB tmpfs that fills up
// while mail flows: /readyz says so, status still answers, pulling
// pauses; once the space is freed everything resumes by itself — no
// restart, nothing lost, nothing doubled.
func TestDataDirFullAndFreed(t *testing.T) {
	dir := tmpfstest.Mount(t, 64<<20)
	w := newWorld(t, options{embedded: true, dataDir: dir, stream: "stream: {max_bytes: 16MiB}"})
	w.start("run")
	w.connect()
	w.deliver(0, 120, 0, nil)
	w.waitProgress("spam", 10)
	filler := tmpfstest.Fill(t, dir)
	full := time.Now()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := w.get("run", "/readyz")
		if code == 503 && strings.Contains(body, "storage full") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d %s with data_dir full", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	status, err := exec.Command(binary, "status", "--config", filepath.Join(w.dir, "run.yaml")).CombinedOutput()
	if err != nil || !strings.Contains(string(status), "ready: NO") || !strings.Contains(string(status), "CONSUMER") {
		t.Errorf("status while the disk is full: %v\n%s", err, status)
	}
	w.deliver(120, 30, 0, nil) // arrives while nothing can be stored
	time.Sleep(5 * time.Second)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	for {
		if code, _ := w.get("run", "/readyz"); code == 200 {
			break
		}
		if time.Since(freed) > time.Minute {
			t.Fatal("/readyz not ready a minute after the space was freed")
		}
		time.Sleep(200 * time.Millisecond)
	}
	ready := time.Since(freed)
	o := w.settle(2 * time.Minute)
	w.alive("run")
	reopened := 0
	for _, r := range w.logs("run", "WARN") {
		msg, _ := r["msg"].(string)
		if strings.Contains(msg, "restarting the embedded server's JetStream") {
			reopened++
		}
	}
	t.Logf("data_dir full for %.0f s, then freed: %s; ready again %.1f s after (JetStream reopened %d times); status answered while full; run never restarted",
		freed.Sub(full).Seconds(), o, ready.Seconds(), reopened)
}
