// Package ops serves the operational HTTP endpoints: Prometheus metrics,
// health (every IMAP watcher proven live) and readiness (the bus reachable).
package ops

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Health is what /healthz asks of the process: what makes it unhealthy
// now (nothing: healthy), and details for an operator.
type Health interface {
	Health(now time.Time) (problems []string, detail any)
}

// Server serves /metrics, /healthz and /readyz.
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
	Log   *slog.Logger
}

// Handler returns the endpoints as one handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return mux
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
	write(w, rep)
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
	write(w, rep)
}

func write(w http.ResponseWriter, rep healthReport) {
	w.Header().Set("Content-Type", "application/json")
	if !rep.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}
