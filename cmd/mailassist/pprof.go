package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"

	"mailassist/setting"
)

// pprofEnv names the variable that, set to a loopback address, serves Go's
// profiles (/debug/pprof/) there for the life of the process: how the
// memory and CPU figures of the drain benchmark are explained. Not a
// config key: it is for developers, and never on a public address.
const pprofEnv = "MAILASSIST_PPROF"

// servePprof starts the profile server when pprofEnv asks for one.
func servePprof(log *slog.Logger) {
	addr := os.Getenv(pprofEnv)
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !setting.IsLoopback(host) {
		log.Warn("profiles not served: "+pprofEnv+" must be a loopback host:port", "value", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Warn("profile server stopped", "addr", addr, "err", err)
		}
	}()
	log.Info("serving Go profiles", "addr", "http://"+addr+"/debug/pprof/")
}
