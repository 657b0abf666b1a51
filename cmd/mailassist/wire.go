package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/imapx"
	"mailassist/ingest"
	"mailassist/oauth"
)

// env is what every long-running subcommand sets up: config, logger, bus.
type env struct {
	cfg *configs.Config
	log *slog.Logger
	bus *bus.Bus
	emb *bus.Embedded // nil unless this process runs the embedded server
	// watchers is the state of this process's IMAP watchers, for /healthz.
	watchers *ingest.Registry
	// tokens gives the OAuth2 accounts their access tokens (nil without
	// such accounts); tokenHealth lists those that need a new login.
	tokens      []*oauth.Source
	tokenHealth *oauth.Health
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
	e := &env{cfg: cfg, log: log, watchers: ingest.NewRegistry()}
	url := cfg.NATS.URL
	if url == "" {
		url = "nats://" + cfg.NATS.Listen
		switch mode {
		case embedAlways:
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
	nc, err := bus.Connect(co, log)
	if err != nil {
		e.close()
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	e.bus, err = bus.Open(octx, nc, busOptions(cfg))
	if err != nil {
		nc.Close()
		e.close()
		return nil, err
	}
	limiter := imapx.NewLimiter(cfg.IMAP) // one for every account of the process
	for i := range cfg.Accounts {
		cfg.Accounts[i].IMAP.Limiter = limiter
	}
	if err := e.openTokens(octx); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// openTokens gives every oauth2 account its token source, reading the
// tokens from the bus.
func (e *env) openTokens(ctx context.Context) error {
	e.tokenHealth = oauth.NewHealth()
	var store *oauth.Store
	for i := range e.cfg.Accounts {
		imap := &e.cfg.Accounts[i].IMAP
		if imap.Auth != imapx.AuthOAuth2 {
			continue
		}
		if store == nil {
			kv, err := e.bus.KeyValue(ctx, oauth.BucketConfig())
			if err != nil {
				return err
			}
			store = oauth.NewStore(kv)
		}
		src := oauth.NewSource(e.cfg.Accounts[i].Name, imap.OAuth2, store, e.tokenHealth, e.log)
		imap.Tokens = src
		e.tokens = append(e.tokens, src)
	}
	return nil
}

// Health is the process's /healthz: its IMAP watchers, and the OAuth2
// accounts that need a new login (each with the command that fixes it).
func (e *env) Health(now time.Time) (problems []string, detail any) {
	problems, detail = e.watchers.Health(now)
	tokenProblems, _ := e.tokenHealth.Health(now)
	return append(tokenProblems, problems...), detail
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
	if e.bus != nil {
		if err := bus.Drain(e.bus.NC, 10*time.Second); err != nil {
			e.log.Warn("closing the bus connection", "err", err)
		}
	}
	if e.emb != nil {
		e.emb.Shutdown()
	}
}

// ready is the /readyz check: the bus answers.
func (e *env) ready(ctx context.Context) error {
	if !e.bus.NC.IsConnected() {
		return errors.New("nats: not connected")
	}
	if _, err := e.bus.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}
