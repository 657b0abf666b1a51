package faults

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"mailassist/bus"
)

// The NATS server process is killed with SIGKILL while work is in flight
// and started again five seconds later: mailassist reconnects by itself
// and every message reaches its terminal state, once.
func TestNATSKilledAndRestarted(t *testing.T) {
	w := newWorld(t, options{})
	w.connect()
	w.start("run")
	w.deliver(0, 120, 0, nil)
	w.waitProgress("apply", 5)
	w.nats.Kill()
	t.Log("nats-server killed mid-batch")
	time.Sleep(5 * time.Second)
	w.nats.Start(t)
	w.deliver(120, 60, time.Second, nil)
	o := w.settle(2 * time.Minute)
	w.alive("run")
	t.Logf("nats-server killed and restarted: %s; run never restarted", o)
}

// Dovecot is stopped for 90 s with hundreds of actions pending (apply
// starts right after it went down, as the issue found it: 1,000 actions
// waiting). Nothing is dead-lettered (an outage never counts towards
// max_deliver), the outage is logged once per process, not once per
// message, and within seconds of Dovecot's return the watchers are back
// and the effects applied.
func TestDovecotDown90s(t *testing.T) {
	w := newWorld(t, options{})
	w.connect()
	for _, r := range []string{"ingest", "spam", "reply", "escalate"} {
		w.start(r)
	}
	const n = 480
	w.deliver(0, n, 0, nil)
	w.waitProgress("ingest", n)
	w.waitIdle("spam", "reply", "escalate")
	w.dovecot.Stop(t)
	stopped := time.Now()
	w.start("apply")
	time.Sleep(5 * time.Second)
	pending := w.subjectCount(bus.AllAccounts(bus.KindAction))
	t.Logf("Dovecot stopped with %d actions for apply", pending)

	time.Sleep(25 * time.Second)
	for _, r := range []string{"apply", "ingest"} {
		if code, body := w.get(r, "/healthz"); code != 503 || !strings.Contains(body, "imap demo: unavailable") {
			t.Errorf("%s /healthz during the outage = %d %s", r, code, body)
		}
	}
	time.Sleep(time.Until(stopped.Add(90 * time.Second)))
	w.dovecot.Restart(t)
	back := time.Now()
	w.waitHealthy("ingest", time.Minute)
	watchers := time.Since(back)
	w.deliver(n, 12, 0, nil) // new mail after the outage is ingested too
	o := w.settle(2 * time.Minute)
	applied := time.Since(back)
	w.alive(roles...)
	var warns []map[string]any
	for _, r := range roles {
		warns = append(warns, w.logs(r, "WARN")...)
	}
	if len(warns) == 0 || len(warns) > 10 {
		t.Errorf("%d warnings, want a few (one per process and server, not one per message):", len(warns))
		for _, r := range warns[:min(len(warns), 20)] {
			t.Logf("  %v %v", r["msg"], r["dependency"])
		}
	}
	t.Logf("Dovecot down 90 s with %d actions pending: %s; watchers live %.1f s after Dovecot returned, every effect applied %.1f s after; %d warning lines in all",
		pending, o, watchers.Seconds(), applied.Seconds(), len(warns))
}

// waitProgress waits until role has done n of its work.
func (w *world) waitProgress(role string, n int) {
	w.t.Helper()
	progress := w.progress(role)
	deadline := time.Now().Add(time.Minute)
	for progress() < n {
		if time.Now().After(deadline) {
			w.t.Fatalf("%s did %d of %d within a minute", role, progress(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches a path of a role's HTTP endpoints.
func (w *world) get(role, path string) (int, string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + w.http[role] + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitHealthy waits until the role's /healthz says 200: every watcher
// live, every server it depends on up.
func (w *world) waitHealthy(role string, timeout time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := w.get(role, "/healthz")
		if code == 200 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s /healthz still %d after %s: %s", role, code, timeout, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
