// Package natstest starts an embedded JetStream server and opens the bus on
// it, for tests.
package natstest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"mailassist/bus"
)

// Server is an embedded nats-server owned by one test. Like the real
// one, it accepts only the user whose seed it keeps in Dir.
type Server struct {
	Dir string
	URL string
	emb *bus.Embedded
}

// ConnectOptions says how a client logs in to the server.
func (s *Server) ConnectOptions(name string) bus.ConnectOptions { return s.emb.ConnectOptions(name) }

// Start runs an embedded server on a free loopback port; it is shut down
// when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	dir := t.TempDir()
	emb, err := bus.StartEmbedded(dir, "127.0.0.1:-1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return &Server{Dir: dir, URL: emb.ClientURL(), emb: emb}
}

// Shutdown stops the server early (a test of NATS going away).
func (s *Server) Shutdown() { s.emb.Shutdown() }

// Open connects a new client and opens the bus with opts.
func (s *Server) Open(t testing.TB, opts bus.Options) *bus.Bus {
	t.Helper()
	nc, err := bus.Connect(s.ConnectOptions(t.Name()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, nc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// New is Start followed by Open with default options.
func New(t testing.TB) *bus.Bus {
	t.Helper()
	return Start(t).Open(t, bus.Options{})
}
