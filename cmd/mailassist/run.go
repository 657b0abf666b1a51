package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"mailassist/account"
	"mailassist/apply"
	"mailassist/bus"
	"mailassist/ingest"
	"mailassist/oauth"
	"mailassist/ops"
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
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run every role in one process (embedded NATS unless nats.url is set)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cfgPath, "run", embedAlways, roles())
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "", "config file (required)")
	return cmd
}

func roleCmd(r role) *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   r.name,
		Short: r.short + " (one role, for scaling out)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cfgPath, r.name, embedNever, []role{r})
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "", "config file (required)")
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
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log)
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	e, err := setup(ctx, cfg, log, mode, name)
	if err != nil {
		return err
	}
	defer e.close()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return runRoles(gctx, e, rs) })
	g.Go(func() error {
		return (&ops.Server{Listen: cfg.HTTP.Listen, Health: e, Ready: e.ready, Log: log}).Run(gctx)
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
	kv, err := e.bus.KeyValue(ctx, ingest.MembersBucketConfig())
	if err != nil {
		return err
	}
	accounts := make([]*account.Account, len(e.cfg.Accounts))
	for i := range e.cfg.Accounts {
		accounts[i] = &e.cfg.Accounts[i]
	}
	// The accounts are shared out among the live ingest replicas
	// (rendezvous hashing); each account's folders (and Junk, for the
	// user's moves) on one connection where the server offers NOTIFY,
	// else one per folder. Logins are paced by the shared imapx.Limiter.
	a := &ingest.Assigner{KV: kv, Log: e.log}
	return a.Run(ctx, accounts, func(ctx context.Context, acct *account.Account) {
		if err := ingest.WatchAccount(ctx, e.bus, acct, e.log, e.watchers, a.Alive); err != nil {
			e.log.Error("watching the account stopped", "account", acct.Name, "err", err)
		}
		e.watchers.Forget(acct.Name) // another replica has it now, or we stop
	})
}

func runApply(ctx context.Context, e *env) error {
	a := &apply.Applier{Bus: e.bus, Accounts: e.cfg.Accounts}
	defer a.Close()
	return e.bus.Run(ctx, withGrace(e, a.Stage(e.cfg.Stages.Concurrency)), e.log)
}
