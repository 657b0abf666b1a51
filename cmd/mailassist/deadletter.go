package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mailassist/bus"
)

// deadletterFlags are what list and replay select by.
type deadletterFlags struct {
	cfgPath string
	account string
	since   string
	reason  string
}

func (f *deadletterFlags) register(cmd *cobra.Command) {
	addConfigFlag(cmd, &f.cfgPath)
	cmd.Flags().StringVar(&f.account, "account", "", "only this account")
	cmd.Flags().StringVar(&f.since, "since", "", "only dead letters since then: a duration back from now (24h, 30m) or an RFC 3339 time")
	cmd.Flags().StringVar(&f.reason, "reason", "", "only this cause (invalid, panic, failed, unfetchable) or reasons containing this text")
}

func (f *deadletterFlags) filter(now time.Time) (bus.DeadLetterFilter, error) {
	flt := bus.DeadLetterFilter{Account: f.account, Reason: f.reason}
	if f.since == "" {
		return flt, nil
	}
	if d, err := time.ParseDuration(f.since); err == nil {
		flt.Since = now.Add(-d)
		return flt, nil
	}
	t, err := time.Parse(time.RFC3339, f.since)
	if err != nil {
		return flt, fmt.Errorf("--since %q: want a duration such as 24h or an RFC 3339 time such as 2025-06-02T10:00:00Z", f.since)
	}
	flt.Since = t
	return flt, nil
}

func deadletterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deadletter",
		Short: "List, show and replay the messages a stage gave up on (mail.deadletter)",
		Long: `A stage dead-letters a message that no retry can fix (invalid input, a
panic), or whose failures reached stages.max_deliver (outages never count).
Each dead letter keeps the reason and the original message's place in the
stream. Once the cause is fixed, replay puts the original message back
before its stage; stages are idempotent, so a replay never doubles an effect.`,
	}
	cmd.AddCommand(deadletterListCmd(), deadletterShowCmd(), deadletterReplayCmd())
	return cmd
}

func deadletterListCmd() *cobra.Command {
	var f deadletterFlags
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flt, err := f.filter(time.Now())
			if err != nil {
				return err
			}
			return withReadOnlyBus(cmd.Context(), f.cfgPath, func(ctx context.Context, b *bus.Bus) error {
				dls, err := b.DeadLetters(ctx, flt)
				if err != nil {
					return err
				}
				printDeadLetters(cmd.OutOrStdout(), dls)
				return nil
			})
		},
	}
	f.register(cmd)
	return cmd
}

func printDeadLetters(out io.Writer, dls []bus.StoredDeadLetter) {
	if len(dls) == 0 {
		fmt.Fprintln(out, "no dead letters")
		return
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tAT\tACCOUNT\tSTAGE\tCAUSE\tREPLAYED\tREASON")
	for _, dl := range dls {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", dl.Seq, dl.At.Format(time.RFC3339), dl.Account, dl.Stage,
			orDash(string(dl.Cause)), len(dl.Replays), truncateText(dl.Reason, 100))
	}
	tw.Flush()
}

func deadletterShowCmd() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "show SEQ",
		Short: "Show one dead letter with its original message",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			seq, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("SEQ %q: want the dead letter's sequence, as list shows it", args[0])
			}
			return withReadOnlyBus(cmd.Context(), cfgPath, func(ctx context.Context, b *bus.Bus) error {
				dl, err := b.DeadLetter(ctx, seq)
				if err != nil {
					return err
				}
				return showDeadLetter(cmd.OutOrStdout(), dl)
			})
		},
	}
	addConfigFlag(cmd, &cfgPath)
	return cmd
}

// showDeadLetter prints the dead letter and its original event; raw
// message bytes are left out (they are in the mailbox).
func showDeadLetter(out io.Writer, dl *bus.StoredDeadLetter) error {
	fmt.Fprintf(out, "dead letter %d\n  at:         %s\n  account:    %s\n  stage:      %s\n  cause:      %s\n  reason:     %s\n  deliveries: %d\n  original:   %s seq %d (%s)\n",
		dl.Seq, dl.At.Format(time.RFC3339), dl.Account, dl.Stage, orDash(string(dl.Cause)), dl.Reason, dl.Deliveries,
		orDash(dl.Subject), dl.StreamSeq, orDash(dl.MsgID))
	for _, r := range dl.Replays {
		fmt.Fprintf(out, "  replayed:   %s as seq %d (%s)\n", r.At.Format(time.RFC3339), r.Seq, r.MsgID)
	}
	if dl.Original == nil {
		fmt.Fprintln(out, "  the original message is no longer available")
		return nil
	}
	var ev map[string]any
	if json.Unmarshal(dl.Original, &ev) != nil {
		fmt.Fprintf(out, "  original payload (%d bytes, not JSON)\n", len(dl.Original))
		return nil
	}
	for _, k := range []string{"raw", "draft"} {
		if s, ok := ev[k].(string); ok {
			ev[k] = fmt.Sprintf("(%d bytes of base64 left out)", len(s))
		}
	}
	pretty, _ := json.MarshalIndent(ev, "  ", "  ")
	fmt.Fprintf(out, "  original event:\n  %s\n", pretty)
	return nil
}

func deadletterReplayCmd() *cobra.Command {
	var f deadletterFlags
	var all bool
	cmd := &cobra.Command{
		Use:   "replay [SEQ...]",
		Short: "Put the original messages of dead letters back before their stages",
		Long: `replay publishes the original message of each dead letter named (or, with
--all, of every dead letter the filters select that was not replayed yet)
again on its subject, with a new Nats-Msg-Id, so that its stage takes it
again. Stages are idempotent: replaying twice has no second effect.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var seqs []uint64
			for _, a := range args {
				seq, err := strconv.ParseUint(a, 10, 64)
				if err != nil {
					return fmt.Errorf("SEQ %q: want a dead letter's sequence, as list shows it", a)
				}
				seqs = append(seqs, seq)
			}
			if len(seqs) == 0 && !all {
				return errors.New("name the dead letters to replay (SEQ...), or select them with --all and the filters")
			}
			flt, err := f.filter(time.Now())
			if err != nil {
				return err
			}
			return withBus(cmd.Context(), f.cfgPath, func(ctx context.Context, b *bus.Bus) error {
				if all {
					dls, err := b.DeadLetters(ctx, flt)
					if err != nil {
						return err
					}
					for _, dl := range dls {
						if len(dl.Replays) == 0 && dl.Subject != "" {
							seqs = append(seqs, dl.Seq)
						}
					}
				}
				return replay(ctx, cmd.OutOrStdout(), b, seqs)
			})
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&all, "all", false, "replay every selected dead letter not replayed yet")
	return cmd
}

func replay(ctx context.Context, out io.Writer, b *bus.Bus, seqs []uint64) error {
	var failed []error
	for _, seq := range seqs {
		r, err := b.Replay(ctx, seq)
		if err != nil {
			failed = append(failed, err)
			fmt.Fprintf(out, "dead letter %d: %v\n", seq, err)
			continue
		}
		fmt.Fprintf(out, "dead letter %d replayed as seq %d\n", seq, r.Seq)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d dead letters not replayed", len(failed), len(seqs))
	}
	if len(seqs) == 0 {
		fmt.Fprintln(out, "nothing to replay")
	}
	return nil
}

// withReadOnlyBus runs f on a bus opened for reading only.
func withReadOnlyBus(parent context.Context, cfgPath string, f func(context.Context, *bus.Bus) error) error {
	return withEnv(parent, cfgPath, true, f)
}

// withBus runs f on a bus opened for writing.
func withBus(parent context.Context, cfgPath string, f func(context.Context, *bus.Bus) error) error {
	return withEnv(parent, cfgPath, false, f)
}

func withEnv(parent context.Context, cfgPath string, readOnly bool, f func(context.Context, *bus.Bus) error) error {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, 2*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	var e *env
	if readOnly {
		e, err = setupReadOnly(ctx, cfg, quiet, "deadletter")
	} else {
		e, err = setup(ctx, cfg, quiet, embedIfAbsent, "deadletter")
	}
	if err != nil {
		return err
	}
	defer e.close()
	return f(ctx, e.bus)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
