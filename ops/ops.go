// Package ops serves the operational HTTP endpoints: Prometheus metrics,
// health (every IMAP watcher proven live) and readiness (the bus
// reachable). It also holds the metric families labelled by account
// (Family), which the stages count into.
package ops

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"mailassist/setting"
)

// Health is what /healthz asks of the process: what makes it unhealthy
// now (nothing: healthy), and details for an operator.
type Health interface {
	Health(now time.Time) (problems []string, detail any)
}

// Server serves /metrics, /healthz and /readyz.
//
// Anyone who reaches them gets the status of /healthz and /readyz (200 or
// 503, {"ok": …}). The details — account and mailbox names, errors — go
// only to a trusted client: one on a loopback address, or one that sends
// the bearer token (Authorization: Bearer …). With a token set, /metrics
// (whose labels name accounts and mailboxes) needs it too from anywhere
// but loopback. Behind a reverse proxy on the same host every client
// looks local: set a token and let the proxy strip Authorization.
type Server struct {
	// Listen is host:port. Empty disables the server.
	Listen string
	// Health reports the process's IMAP watchers; nil when it runs none.
	Health Health
	// Dependencies reports the servers the process depends on (IMAP,
	// NATS, storage, language models); nil when not tracked. One that is
	// down makes /healthz 503 too.
	Dependencies Health
	// Ready reports whether the process can do its work (bus connected).
	Ready func(ctx context.Context) error
	// Token is the bearer token (http.token_file); empty: none.
	Token string
	Log   *slog.Logger
}

// ReadToken reads the bearer token from path, without its trailing
// newline. Errors name the file, never the token.
func ReadToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("http.token_file: %w", err)
	}
	tok := strings.TrimRight(string(data), "\r\n")
	if tok == "" {
		return "", fmt.Errorf("http.token_file: %s is empty", path)
	}
	return tok, nil
}

// Handler returns the endpoints as one handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	metrics := promhttp.Handler()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if s.Token != "" && !s.trusted(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mailassist"`)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return mux
}

// trusted reports whether r may see details: it comes from a loopback
// address or carries the token (compared in constant time).
func (s *Server) trusted(r *http.Request) bool {
	if s.Token != "" {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got, want := sha256.Sum256([]byte(tok)), sha256.Sum256([]byte(s.Token))
			if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
				return true
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	return err == nil && setting.IsLoopback(host)
}

// Run serves until ctx is done.
func (s *Server) Run(ctx context.Context) error {
	if s.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	s.Log.Info("serving metrics and health", "addr", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type healthReport struct {
	OK           bool     `json:"ok"`
	Detail       any      `json:"watchers,omitempty"`
	Dependencies any      `json:"dependencies,omitempty"`
	Problems     []string `json:"problems,omitempty"`
}

// healthz is 200 when every watcher holds a connection that answered
// recently (IDLE accepted, new mail, or a poll) and no server the process
// depends on is down, 503 otherwise.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	rep := healthReport{OK: true}
	now := time.Now()
	if s.Health != nil {
		rep.Problems, rep.Detail = s.Health.Health(now)
	}
	if s.Dependencies != nil {
		var problems []string
		problems, rep.Dependencies = s.Dependencies.Health(now)
		rep.Problems = append(rep.Problems, problems...)
	}
	rep.OK = len(rep.Problems) == 0
	s.write(w, r, rep)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	rep := healthReport{OK: true}
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			rep.OK = false
			rep.Problems = []string{err.Error()}
		}
	}
	s.write(w, r, rep)
}

// write answers with rep, its details only to a trusted client.
func (s *Server) write(w http.ResponseWriter, r *http.Request, rep healthReport) {
	if !s.trusted(r) {
		rep = healthReport{OK: rep.OK}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !rep.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}
