package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailassist/internal/memimap"
)

// /metrics is valid Prometheus exposition from the start, as promtool
// (Debian's prometheus package) checks it: every metric family with its
// help and type, names and labels as Prometheus wants them.
func TestMetricsPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing (apt-get install prometheus): CI must run this test")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	srv := memimap.Start(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(memimap.Password), 0o600)
	httpAddr := "127.0.0.1:" + itoa(freePort(t))
	cfg := filepath.Join(dir, "mailassist.yaml")
	os.WriteFile(cfg, []byte(`data_dir: `+dir+`/data
log: {level: error}
http: {listen: "`+httpAddr+`"}
accounts:
  - name: alice
    address: alice@example.org
    imap: {host: 127.0.0.1, port: `+itoa(srv.Port)+`, tls: none, username: alice, password_file: `+pw+`}
`), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, "run", embedAlways, roles()) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var body string
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(body, "mailassist_stage_processed_total"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no stage metrics on /metrics:\n%s", body)
		}
		if resp, err := http.Get("http://" + httpAddr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for _, want := range []string{"mailassist_deadletters_total", "mailassist_ingested_total", "mailassist_sent_total", "mailassist_escalations_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s from the start", want)
		}
	}
}
