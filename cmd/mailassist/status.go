package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"mailassist/bus"
	"mailassist/configs"
)

func statusCmd() *cobra.Command {
	var cfgPath string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print stream size, per-consumer backlog, every watcher's checkpoint, dead letters and storage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			out := cmd.OutOrStdout()
			// Storage first: it is what may keep the rest from answering.
			printStorage(ctx, out, cfg)
			// Only reads: status works while the stream cannot store.
			e, err := setupReadOnly(ctx, cfg, slog.New(slog.DiscardHandler), "status")
			if err != nil {
				return err
			}
			defer e.close()
			if err := printStatus(ctx, out, e.bus); err != nil {
				return err
			}
			if err := printDeadLetterCounts(ctx, out, e.bus); err != nil {
				return err
			}
			if err := printTokens(ctx, out, e); err != nil {
				return err
			}
			printHealth(ctx, out, cfg)
			return nil
		},
	}
	addConfigFlag(cmd, &cfgPath)
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
	if b.Checkpoints == nil {
		fmt.Fprintln(out, "no checkpoints yet")
		return nil
	}
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

// printDeadLetterCounts prints how many dead letters the stream holds per
// account and cause, and how many of them were replayed.
func printDeadLetterCounts(ctx context.Context, out io.Writer, b *bus.Bus) error {
	dls, err := b.DeadLetters(ctx, bus.DeadLetterFilter{})
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	if len(dls) == 0 {
		fmt.Fprintln(out, "dead letters: none")
		return nil
	}
	type key struct{ account, cause string }
	count, replayed := map[key]int{}, map[key]int{}
	var keys []key
	for _, dl := range dls {
		k := key{dl.Account, orDash(string(dl.Cause))}
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
		if len(dl.Replays) > 0 {
			replayed[k]++
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].account != keys[j].account {
			return keys[i].account < keys[j].account
		}
		return keys[i].cause < keys[j].cause
	})
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEAD LETTERS\tCAUSE\tCOUNT\tREPLAYED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", k.account, k.cause, count[k], replayed[k])
	}
	tw.Flush()
	fmt.Fprintln(out, "(mailassist deadletter list shows them; replay puts them back)")
	return nil
}

// printStorage prints the room of data_dir when the store is there, and
// what the running process says of its readiness (/readyz), which names a
// full disk.
func printStorage(ctx context.Context, out io.Writer, cfg *configs.Config) {
	if cfg.NATS.URL == "" {
		if sp, err := bus.DiskSpace(cfg.DataDir); err == nil {
			fmt.Fprintf(out, "storage: data_dir %s: %s free of %s\n", cfg.DataDir, humanBytes(sp.Free), humanBytes(sp.Total))
		}
	}
	if cfg.HTTP.Listen == "" {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(rctx, http.MethodGet, "http://"+cfg.HTTP.Listen+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return // no process serves here
	}
	defer resp.Body.Close()
	var rep struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	if json.NewDecoder(resp.Body).Decode(&rep) != nil {
		return
	}
	if rep.OK {
		fmt.Fprintf(out, "ready: yes (%s)\n", cfg.HTTP.Listen)
		return
	}
	fmt.Fprintf(out, "ready: NO (%s): %s\n", cfg.HTTP.Listen, strings.Join(rep.Problems, "; "))
}
