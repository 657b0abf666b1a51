// Package natsproc serves the NATS server mailassist embeds in a process
// of its own: a test or a benchmark starts its own binary again with an
// environment variable naming where the server stores and listens, and
// the binary's main (or TestMain) calls ServeIfAsked first. The faults
// and cluster tests kill such a process; cmd/mailbench measures it apart
// from mailassist.
package natsproc

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"mailassist/bus"
)

// Spec is the value of the environment variable that asks for a server
// storing under dir and listening on listen (host:port).
func Spec(dir, listen string) string { return dir + "|" + listen }

// ServeIfAsked returns at once unless the environment variable env holds
// a Spec. Then it serves JetStream as mailassist's embedded server does
// (bus.StartEmbedded: the same settings, the user nkey kept in the store
// directory) until SIGTERM or SIGINT, and exits: 0 after a clean
// shutdown, 2 for a bad Spec, 3 when the server did not start.
func ServeIfAsked(env string, log *slog.Logger) {
	spec, ok := os.LookupEnv(env)
	if !ok {
		return
	}
	dir, listen, ok := strings.Cut(spec, "|")
	if !ok {
		fmt.Fprintf(os.Stderr, "%s=%q: want <store dir>|<host:port>\n", env, spec)
		os.Exit(2)
	}
	emb, err := bus.StartEmbedded(dir, listen, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	emb.Shutdown()
	os.Exit(0)
}
