package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"mailassist/bus"
)

func statusCmd() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print stream size, per-consumer backlog and every watcher's checkpoint",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			e, err := setup(ctx, cfg, slog.New(slog.DiscardHandler), embedIfAbsent, "status")
			if err != nil {
				return err
			}
			defer e.close()
			if err := printStatus(ctx, cmd.OutOrStdout(), e.bus); err != nil {
				return err
			}
			return printTokens(ctx, cmd.OutOrStdout(), e)
		},
	}
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "", "config file (required)")
	return cmd
}

func printStatus(ctx context.Context, out io.Writer, b *bus.Bus) error {
	info, err := b.Stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream info: %w", err)
	}
	st := info.State
	fmt.Fprintf(out, "stream %s: %d messages, %s, seq %d..%d\n\n", bus.StreamName, st.Msgs, humanBytes(st.Bytes), st.FirstSeq, st.LastSeq)

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONSUMER\tFILTER\tPENDING\tACK PENDING\tREDELIVERED")
	lister := b.Stream.ListConsumers(ctx)
	var consumers []*jetstream.ConsumerInfo
	for ci := range lister.Info() {
		consumers = append(consumers, ci)
	}
	if err := lister.Err(); err != nil {
		return fmt.Errorf("list consumers: %w", err)
	}
	sort.Slice(consumers, func(i, j int) bool { return consumers[i].Name < consumers[j].Name })
	for _, ci := range consumers {
		filter := ci.Config.FilterSubject
		if len(ci.Config.FilterSubjects) > 0 {
			filter = fmt.Sprint(ci.Config.FilterSubjects)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", ci.Name, filter, ci.NumPending, ci.NumAckPending, ci.NumRedelivered)
	}
	tw.Flush()

	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tMAILBOX\tUIDVALIDITY\tLAST UID\tUPDATED")
	keys, err := b.Checkpoints.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("list checkpoints: %w", err)
	}
	for key := range keys.Keys() {
		e, err := b.Checkpoints.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("checkpoint %s: %w", key, err)
		}
		var cp bus.Checkpoint
		if err := json.Unmarshal(e.Value(), &cp); err != nil {
			fmt.Fprintf(tw, "%s\t?\t?\t?\tunreadable: %v\n", key, err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", cp.Account, cp.Mailbox, cp.UIDValidity, cp.LastUID, cp.Updated.Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return printSpamBootstrap(ctx, out, b)
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
