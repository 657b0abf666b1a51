package ops_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailassist/ops"
)

const local = "127.0.0.1:40000"

// get asks h for path from the client at remote, with the bearer token
// when it is not empty.
func get(t *testing.T, h http.Handler, path, remote, token string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = remote
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestEndpoints(t *testing.T) {
	ready := errors.New("nats: not connected")
	s := &ops.Server{Ready: func(context.Context) error { return ready }}
	h := s.Handler()
	if code, body := get(t, h, "/readyz", local, ""); code != 503 || !strings.Contains(body, "not connected") {
		t.Errorf("readyz = %d %s", code, body)
	}
	ready = nil
	if code, _ := get(t, h, "/readyz", local, ""); code != 200 {
		t.Errorf("readyz = %d once ready", code)
	}
	if code, _ := get(t, h, "/healthz", local, ""); code != 200 {
		t.Errorf("healthz without watchers = %d", code)
	}
	if code, body := get(t, h, "/metrics", local, ""); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics = %d", code)
	}
}

type watchers struct{}

func (watchers) Health(time.Time) ([]string, any) {
	return []string{"work/INBOX: not live: dial imap.example.org:993: refused"},
		[]map[string]string{{"account": "work", "mailbox": "INBOX"}}
}

// The world gets the status; the details (account and mailbox names,
// errors) only loopback or the token. With a token, /metrics needs it.
func TestDetailsOnlyToTrustedClients(t *testing.T) {
	s := &ops.Server{Health: watchers{}, Ready: func(context.Context) error { return errors.New("nats: dial 10.0.0.5:4222: refused") }}
	h := s.Handler()
	for _, path := range []string{"/healthz", "/readyz"} {
		code, body := get(t, h, path, "203.0.113.7:5555", "")
		if code != 503 || strings.TrimSpace(body) != `{"ok":false}` {
			t.Errorf("%s from afar = %d %s, want the status only", path, code, body)
		}
		if code, body := get(t, h, path, "[::1]:5555", ""); code != 503 || !strings.Contains(body, "refused") {
			t.Errorf("%s from loopback = %d %s, want details", path, code, body)
		}
	}
	if code, _ := get(t, h, "/metrics", "203.0.113.7:5555", ""); code != 200 {
		t.Errorf("metrics without a token configured = %d", code)
	}

	s.Token = "s3cret-token"
	h = s.Handler()
	if _, body := get(t, h, "/healthz", "203.0.113.7:5555", "s3cret-token"); !strings.Contains(body, "work/INBOX") {
		t.Errorf("healthz with the token: %s", body)
	}
	for _, tok := range []string{"", "wrong", "s3cret-token "} {
		if _, body := get(t, h, "/healthz", "203.0.113.7:5555", tok); strings.Contains(body, "work") {
			t.Errorf("healthz with token %q: %s", tok, body)
		}
		if code, _ := get(t, h, "/metrics", "203.0.113.7:5555", tok); code != 401 {
			t.Errorf("metrics with token %q = %d, want 401", tok, code)
		}
	}
	if code, _ := get(t, h, "/metrics", "203.0.113.7:5555", "s3cret-token"); code != 200 {
		t.Errorf("metrics with the token = %d", code)
	}
	if code, _ := get(t, h, "/metrics", local, ""); code != 200 {
		t.Errorf("metrics from loopback = %d", code)
	}
}

func TestReadToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	os.WriteFile(path, []byte("abc\n"), 0o600)
	if tok, err := ops.ReadToken(path); err != nil || tok != "abc" {
		t.Errorf("ReadToken = %q, %v", tok, err)
	}
	os.WriteFile(path, []byte("\n"), 0o600)
	if _, err := ops.ReadToken(path); err == nil || strings.Contains(err.Error(), "abc") {
		t.Errorf("empty token file: %v", err)
	}
}
