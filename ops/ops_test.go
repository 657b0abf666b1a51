package ops_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"mailassist/ops"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestEndpoints(t *testing.T) {
	ready := errors.New("nats: not connected")
	s := &ops.Server{Ready: func(context.Context) error { return ready }}
	h := s.Handler()
	if code, body := get(t, h, "/readyz"); code != 503 || !strings.Contains(body, "not connected") {
		t.Errorf("readyz = %d %s", code, body)
	}
	ready = nil
	if code, _ := get(t, h, "/readyz"); code != 200 {
		t.Errorf("readyz = %d once ready", code)
	}
	if code, _ := get(t, h, "/healthz"); code != 200 {
		t.Errorf("healthz without watchers = %d", code)
	}
	if code, body := get(t, h, "/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics = %d", code)
	}
}
