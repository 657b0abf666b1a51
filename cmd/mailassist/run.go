package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/configs"
	"mailassist/draft"
	"mailassist/fate"
	"mailassist/ingest"
	"mailassist/oauth"
	"mailassist/ops"
	"mailassist/reply"
)

// role is one kind of worker; `run` starts them all in one process.
type role struct {
	name  string
	short string
	run   func(ctx context.Context, e *env) error
}

// imapRoles are the roles that log in to the mailboxes: processes that
// run one keep the OAuth2 tokens fresh.
var imapRoles = map[string]bool{"ingest": true, "apply": true, "escalate": true}

func roles() []role {
	return []role{
		{"ingest", "Watch every account's folders and publish new mail (IMAP IDLE)", runIngest},
		{"spam", "Classify new mail, file spam, learn from the user's moves", runSpam},
		{"reply", "Suggest replies and draft the best; hand hard threads on", runReply},
		{"escalate", "Give hard threads to the large model, or flag them for a human", runEscalate},
		{"apply", "Carry out actions in the mailboxes: Junk moves, drafts, flags", runApply},
	}
}

func runCmd() *cobra.Command {
	var cfgPath string
	var strict bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run every role in one process (embedded NATS unless nats.url is set)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveStrict(cmd.Context(), cfgPath, "run", embedAlways, roles(), strict)
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().BoolVar(&strict, "strict", false, "refuse to start when the config has warnings (see config check)")
	return cmd
}

func roleCmd(r role) *cobra.Command {
	var cfgPath string
	var strict bool
	cmd := &cobra.Command{
		Use:   r.name,
		Short: r.short + " (one role, for scaling out)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveStrict(cmd.Context(), cfgPath, r.name, embedNever, []role{r}, strict)
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().BoolVar(&strict, "strict", false, "refuse to start when the config has warnings (see config check)")
	return cmd
}

// roleCmds returns a command per role; a role's tools (e.g. spam train)
// are its subcommands.
func roleCmds() []*cobra.Command {
	tools := map[string]*cobra.Command{"spam": spamCmd(), "reply": replyCmd(), "escalate": escalateCmd()}
	var cmds []*cobra.Command
	for _, r := range roles() {
		cmd := roleCmd(r)
		if t, ok := tools[r.name]; ok {
			cmd.Long = cmd.Short + ".\n\n" + t.Long
			for _, sub := range t.Commands() {
				cmd.AddCommand(sub)
			}
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

// serve runs the roles and the ops endpoints until SIGINT or SIGTERM,
// then shuts down in two phases (stop taking work, finish work in flight).
func serve(parent context.Context, cfgPath, name string, mode embeddedMode, rs []role) error {
	return serveStrict(parent, cfgPath, name, mode, rs, false)
}

// serveStrict is serve that logs the config's warnings, and with strict
// refuses to start when there are any.
func serveStrict(parent context.Context, cfgPath, name string, mode embeddedMode, rs []role, strict bool) error {
	cfgPath, err := findConfig(cfgPath)
	if err != nil {
		return err
	}
	cfg, warns, err := configs.Check(cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log)
	applyGC(cfg.MemoryLimit, cfg.GCPercent, log)
	if warns != nil {
		for _, w := range warns.Problems {
			log.Warn("config: "+w.Msg, "file", cfgPath, "line", w.Line, "key", w.Path)
		}
		if strict {
			return fmt.Errorf("%s: %s, refused with --strict:\n%s", cfgPath, plural(len(warns.Problems), "warning", "warnings"), warns)
		}
	}
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var token string
	if cfg.HTTP.TokenFile != "" {
		if token, err = ops.ReadToken(cfg.HTTP.TokenFile); err != nil {
			return err
		}
	}
	e, err := setup(ctx, cfg, log, mode, name)
	if err != nil {
		return err
	}
	defer e.close()
	initMetrics(cfg, rs)
	// The drafts' buckets, which several roles share, are opened (or
	// created) before the roles and the storage watch start, so that no
	// role races another to create them.
	has := func(names ...string) bool {
		return slices.ContainsFunc(rs, func(r role) bool { return slices.Contains(names, r.name) })
	}
	if has("reply", "escalate", "apply") {
		if _, _, err := e.drafts(ctx, has("reply", "escalate")); err != nil {
			return err
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return runRoles(gctx, e, rs) })
	g.Go(func() error {
		w := &bus.StorageWatch{Bus: e.bus, Embedded: e.emb, Log: log}
		if e.emb != nil {
			w.Dir = cfg.DataDir // the store is here
		}
		w.Run(gctx)
		return nil
	})
	g.Go(func() error {
		return (&ops.Server{Listen: cfg.HTTP.Listen, Health: e, Dependencies: e.outages, Ready: e.ready, Token: token, Log: log}).Run(gctx)
	})
	if len(e.tokens) > 0 && slices.ContainsFunc(rs, func(r role) bool { return imapRoles[r.name] }) {
		g.Go(func() error { return oauth.Keep(gctx, e.tokens) })
	}
	log.Info("mailassist started", "version", versionString(), "roles", len(rs), "accounts", len(cfg.Accounts))
	<-gctx.Done()
	log.Info("shutting down: finishing work in flight", "grace", cfg.Stages.Grace.D())
	return g.Wait()
}

// runRoles runs the roles until ctx is done or one of them fails.
func runRoles(parent context.Context, e *env, rs []role) error {
	g, ctx := errgroup.WithContext(parent)
	for _, r := range rs {
		g.Go(func() error {
			err := r.run(ctx, e)
			if err != nil && parent.Err() == nil { // not a shutdown cutting start-up short
				return fmt.Errorf("%s: %w", r.name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// withGrace applies the configured shutdown grace to a stage.
func withGrace(e *env, st bus.Stage) bus.Stage {
	st.Grace = e.cfg.Stages.Grace.D()
	return st
}

func runIngest(ctx context.Context, e *env) error {
	accounts := make([]*account.Account, len(e.cfg.Accounts))
	for i := range e.cfg.Accounts {
		accounts[i] = &e.cfg.Accounts[i]
	}
	// The accounts are shared out among the live ingest replicas
	// (rendezvous hashing); each account's folders (and Junk, for the
	// user's moves) on one connection where the server offers NOTIFY,
	// else one per folder. Logins are paced by the shared imapx.Limiter.
	a := &ingest.Assigner{KV: e.bus.Leases, Log: e.log}
	return a.Run(ctx, accounts, func(ctx context.Context, acct *account.Account) {
		// Until the account moves to another replica (ctx ends): a watch
		// that stops on an error starts again after a pause.
		for {
			err := ingest.WatchAccount(ctx, e.bus, acct, e.log, e.watchers, a.Alive, e.loans)
			if ctx.Err() != nil {
				break
			}
			e.log.Error("watching the account stopped; starting again in 5s", "account", acct.Name, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		}
		e.watchers.Forget(acct.Name) // another replica has it now, or we stop
	})
}

func runApply(ctx context.Context, e *env) error {
	ledger, _, err := e.drafts(ctx, false)
	if err != nil {
		return err
	}
	a := &apply.Applier{Bus: e.bus, Accounts: e.cfg.Accounts, Ledger: ledger, Loans: e.loans}
	defer a.Close()
	// The drafts' fate: the user's replies in Sent (the draft-fate stage)
	// and a look at Drafts every reply.drafts_check.
	t := &fate.Tracker{Bus: e.bus, Accounts: e.cfg.Accounts, Ledger: ledger, Log: e.log,
		PendingAfter: e.cfg.Reply.PendingAfter.D(), CheckEvery: e.cfg.Reply.DraftsCheck.D()}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, a.Stage(e.cfg.Stages.Concurrency)), e.log) })
	g.Go(func() error { return e.bus.Run(ctx, withGrace(e, t.Stage(1)), e.log) })
	g.Go(func() error { return t.Run(ctx) })
	return g.Wait()
}

// stageNames are the bus stages each role runs.
var stageNames = map[string][]string{
	"spam": {"spam", "spam-feedback"}, "reply": {"reply", "reply-voice", "reply-habits", "reply-received", "reply-fates"}, "escalate": {"escalate"}, "apply": {"apply", "draft-fate"},
}

// initMetrics exports every metric of the roles at 0 for its known label
// values (stages, accounts, mailboxes), so that they exist from the start.
func initMetrics(cfg *configs.Config, rs []role) {
	var stages, accounts []string
	for _, r := range rs {
		stages = append(stages, stageNames[r.name]...)
	}
	for i := range cfg.Accounts {
		accounts = append(accounts, cfg.Accounts[i].Name)
		ingest.InitMetrics(&cfg.Accounts[i])
	}
	bus.InitMetrics(stages, accounts)
	draft.ExportIntents(reply.Intents...)
}
