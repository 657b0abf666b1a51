package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/imapx"
	"mailassist/ingest"
	"mailassist/llm"
	"mailassist/outage"
)

// env is what every long-running subcommand sets up: config, logger, bus.
type env struct {
	cfg *configs.Config
	log *slog.Logger
	bus *bus.Bus
	emb *bus.Embedded // nil unless this process runs the embedded server
	// watchers is the state of this process's IMAP watchers, for /healthz.
	watchers *ingest.Registry
	// outages is the state of every server the process depends on: one
	// log line when one goes down and one when it is back; /healthz.
	outages *outage.Tracker

	llmMu sync.Mutex
	llms  map[string]*llm.Client // one client per endpoint: its slots are shared
	bg    sync.WaitGroup         // background checks; close waits for them
}

// embeddedMode says whether a process may start the embedded server when
// nats.url is empty.
type embeddedMode int

const (
	embedAlways   embeddedMode = iota // `run`: this process is the server
	embedNever                        // role processes: connect to the running one
	embedIfAbsent                     // `status`: connect, or open the store briefly
)

func loadConfig(path string) (*configs.Config, error) {
	if path == "" {
		return nil, errors.New("no config file: pass --config FILE (see configs/mailassist.yaml)")
	}
	return configs.Load(path)
}

func newLogger(c configs.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func busOptions(cfg *configs.Config) bus.Options { return cfg.Stream.Options(cfg.Stages) }

// setup connects to the bus (starting the embedded server as mode says)
// and opens the stream and buckets.
func setup(ctx context.Context, cfg *configs.Config, log *slog.Logger, mode embeddedMode, role string) (*env, error) {
	return setupWith(ctx, cfg, log, mode, role, bus.Open)
}

// setupReadOnly is setup for tools that only read (status, deadletter
// list): it changes nothing on the server, so it works while the stream
// cannot store.
func setupReadOnly(ctx context.Context, cfg *configs.Config, log *slog.Logger, role string) (*env, error) {
	return setupWith(ctx, cfg, log, embedIfAbsent, role, bus.Attach)
}

func setupWith(ctx context.Context, cfg *configs.Config, log *slog.Logger, mode embeddedMode, role string,
	open func(context.Context, *nats.Conn, bus.Options) (*bus.Bus, error)) (*env, error) {
	e := &env{cfg: cfg, log: log, watchers: ingest.NewRegistry(), outages: outage.NewTracker(log), llms: map[string]*llm.Client{}}
	e.outages.Register(bus.DependencyNATS, bus.DependencyStorage)
	for _, a := range cfg.Accounts {
		e.outages.Register(imapx.Dependency(a.Name))
	}
	url := cfg.NATS.URL
	if url == "" {
		url = "nats://" + cfg.NATS.Listen
		switch mode {
		case embedAlways:
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data_dir: %w", err)
			}
			if err := bus.CheckStoreSpace(cfg.DataDir, cfg.Stream.MaxBytes.Int64()); err != nil {
				return nil, err
			}
			emb, err := bus.StartEmbedded(cfg.DataDir, cfg.NATS.Listen, log)
			if err != nil {
				return nil, err
			}
			e.emb = emb
			url = emb.ClientURL()
			log.Info("embedded nats started", "url", url, "store", cfg.DataDir)
		case embedIfAbsent:
			if !reachable(url) {
				emb, err := bus.StartEmbedded(cfg.DataDir, "127.0.0.1:-1", slog.New(slog.DiscardHandler))
				if err != nil {
					return nil, err
				}
				e.emb, url = emb, emb.ClientURL()
			}
		case embedNever:
			if !reachable(url) {
				return nil, fmt.Errorf("nats.url is empty and no embedded server answers at %s: start `mailassist run` first or set nats.url", cfg.NATS.Listen)
			}
		}
	}
	co := cfg.NATS.ConnectOptions("mailassist-" + role)
	co.URL = url
	co.Outages = e.outages
	nc, err := bus.Connect(co, log)
	if err != nil {
		e.close()
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e.bus, err = open(octx, nc, busOptions(cfg))
	if err != nil {
		nc.Close()
		e.close()
		return nil, err
	}
	e.bus.Outages = e.outages
	return e, nil
}

func reachable(url string) bool {
	nc, err := nats.Connect(url, nats.Timeout(time.Second), nats.MaxReconnects(0))
	if err != nil {
		return false
	}
	nc.Close()
	return true
}

// close drains the connection and stops the embedded server.
func (e *env) close() {
	e.bg.Wait()
	if e.bus != nil {
		if err := bus.Drain(e.bus.NC, 10*time.Second); err != nil {
			e.log.Warn("closing the bus connection", "err", err)
		}
	}
	if e.emb != nil {
		e.emb.Shutdown()
	}
}

// ready is the /readyz check: the bus answers and can store.
func (e *env) ready(ctx context.Context) error {
	if st, ok := e.outages.State(bus.DependencyStorage); ok && !st.Up {
		return fmt.Errorf("storage full since %s, pulling paused: %s", st.Since.Format(time.RFC3339), st.Err)
	}
	if !e.bus.NC.IsConnected() {
		return errors.New("nats: not connected")
	}
	if _, err := e.bus.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}
