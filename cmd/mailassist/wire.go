package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"mailassist/bus"
	"mailassist/configs"
	"mailassist/draft"
	"mailassist/imapx"
	"mailassist/ingest"
	"mailassist/llm"
	"mailassist/oauth"
	"mailassist/outage"
	"mailassist/reply"
)

// env is what every long-running subcommand sets up: config, logger, bus.
type env struct {
	cfg *configs.Config
	log *slog.Logger
	bus *bus.Bus
	emb *bus.Embedded // nil unless this process runs the embedded server
	// watchers is the state of this process's IMAP watchers, for /healthz.
	watchers *ingest.Registry
	// loans is where this process's account watchers lend their
	// connection to apply (when both roles run here).
	loans *imapx.Loans
	// tokens gives the OAuth2 accounts their access tokens (nil without
	// such accounts); tokenHealth lists those that need a new login.
	tokens      []*oauth.Source
	tokenHealth *oauth.Health

	// outages is the state of every server the process depends on: one
	// log line when one goes down and one when it is back; /healthz.
	outages *outage.Tracker

	llmMu sync.Mutex
	llms  map[string]*llm.Client // one client per endpoint: its slots are shared

	draftsMu sync.Mutex
	ledger   *draft.Ledger  // the drafts' ledger, opened once for the roles of the process
	voice    *reply.Voice   // the users' signatures and voice, likewise
	bg       sync.WaitGroup // background checks; close waits for them
}

// embeddedMode says whether a process may start the embedded server when
// nats.url is empty.
type embeddedMode int

const (
	embedAlways   embeddedMode = iota // `run`: this process is the server
	embedNever                        // role processes: connect to the running one
	embedIfAbsent                     // `status`: connect, or open the store briefly
)

// configEnv names the config file when --config is not given.
const configEnv = "MAILASSIST_CONFIG"

// configPlaces are where a config file is looked for, in order, when
// neither --config nor $MAILASSIST_CONFIG names one.
var configPlaces = []string{"mailassist.yaml", "/etc/mailassist/mailassist.yaml"}

// addConfigFlag adds --config (-c) to cmd.
func addConfigFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVarP(path, "config", "c", "",
		"config file (default: $"+configEnv+", then ./mailassist.yaml, then /etc/mailassist/mailassist.yaml)")
}

// findConfig is the config file to load: path when given, else the one
// $MAILASSIST_CONFIG names, else the first of configPlaces that exists.
func findConfig(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	if env := os.Getenv(configEnv); env != "" {
		return env, nil
	}
	for _, p := range configPlaces {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no config file: pass --config FILE, set $%s, or put one at ./%s or %s (configs/mailassist.yaml shows every key)",
		configEnv, configPlaces[0], configPlaces[1])
}

func loadConfig(path string) (*configs.Config, error) {
	path, err := findConfig(path)
	if err != nil {
		return nil, err
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
	servePprof(log)
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
	e := &env{cfg: cfg, log: log, watchers: ingest.NewRegistry(), loans: &imapx.Loans{}, outages: outage.NewTracker(log), llms: map[string]*llm.Client{}}
	e.outages.Register(bus.DependencyNATS, bus.DependencyStorage)
	for _, a := range cfg.Accounts {
		e.outages.Register(imapx.Dependency(a.Name))
	}
	co := cfg.NATS.ConnectOptions(credentialRole(role))
	if cfg.NATS.URL == "" {
		if mode == embedAlways {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("data_dir: %w", err)
			}
			if err := bus.CheckStoreSpace(cfg.DataDir, cfg.Stream.MaxBytes.Int64()); err != nil {
				return nil, err
			}
		}
		var err error
		if co, err = embedded(cfg, log, mode, role, e); err != nil {
			return nil, err
		}
	}
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

// embedded returns how a process of role reaches the embedded server,
// starting it as mode says (into e.emb). Every process logs in with the
// credentials `run` generated in data_dir.
func embedded(cfg *configs.Config, log *slog.Logger, mode embeddedMode, role string, e *env) (bus.ConnectOptions, error) {
	if mode == embedAlways {
		emb, err := bus.StartEmbedded(cfg.DataDir, cfg.NATS.EmbeddedListen(), log)
		if err != nil {
			return bus.ConnectOptions{}, err
		}
		e.emb = emb
		log.Info("embedded nats started", "url", emb.ClientURL(), "store", cfg.DataDir,
			"credentials", emb.Creds.SeedFile)
		return embeddedOptions(emb.ClientURL(), emb.Creds, role), nil
	}
	url, err := embeddedURL(cfg)
	if err != nil && !errors.Is(err, bus.ErrNoCredentials) {
		return bus.ConnectOptions{}, err
	}
	creds, err := bus.LoadCredentials(cfg.DataDir)
	switch {
	case err == nil && reachable(embeddedOptions(url, creds, role)):
		return embeddedOptions(url, creds, role), nil
	case mode == embedIfAbsent && (err == nil || errors.Is(err, bus.ErrNoCredentials)):
		// Nobody serves the store: open it briefly on a free port.
		emb, err := bus.StartEmbedded(cfg.DataDir, "127.0.0.1:-1", slog.New(slog.DiscardHandler))
		if err != nil {
			return bus.ConnectOptions{}, err
		}
		e.emb = emb
		return embeddedOptions(emb.ClientURL(), emb.Creds, role), nil
	case err != nil:
		return bus.ConnectOptions{}, fmt.Errorf("nats.url is empty: %w (start `mailassist run` first, or set nats.url)", err)
	}
	return bus.ConnectOptions{}, fmt.Errorf("nats.url is empty and no embedded server answers at %s: start `mailassist run` first or set nats.url", url)
}

// embeddedURL is where the embedded server of this installation listens:
// nats.listen when set, else what run recorded in data_dir.
func embeddedURL(cfg *configs.Config) (string, error) {
	if cfg.NATS.Listen != "" {
		return "nats://" + cfg.NATS.Listen, nil
	}
	return bus.ContextURL(cfg.DataDir)
}

func embeddedOptions(url string, creds *bus.Credentials, role string) bus.ConnectOptions {
	return bus.ConnectOptions{URL: url, NkeyFile: creds.SeedFile, Name: "mailassist-" + role, InboxPrefix: bus.Inbox(role)}
}

// reachable reports whether a server answers at co and accepts its
// credentials.
func reachable(co bus.ConnectOptions) bool {
	nk, err := nats.NkeyOptionFromSeed(co.NkeyFile)
	if err != nil {
		return false
	}
	nc, err := nats.Connect(co.URL, nats.Timeout(time.Second), nats.MaxReconnects(0), nk)
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
	if fix := e.watchers.NeedPerson(); len(fix) > 0 {
		return fmt.Errorf("%s need your attention: %s", plural(len(fix), "account problem", "account problems"), strings.Join(fix, "; "))
	}
	return nil
}
