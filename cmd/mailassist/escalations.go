package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"mailassist/bus"
	"mailassist/hardness"
	"mailassist/setting"
)

func escalationsCmd() *cobra.Command {
	var (
		cfgPath, account, since string
		asJSON                  bool
	)
	cmd := &cobra.Command{
		Use:   "escalations [--account NAME] [--since 7d]",
		Short: "List recent escalations: priority, reasons, summary and asks",
		Long: `escalations lists the hard threads mailassist escalated (mail.escalated
events still in the stream), newest last: when, which account and message,
who handled it (the large model or you), the priority, the reasons, the
summary and the asks. --since takes a duration (7d, 12h) or a date
(2026-11-20).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			cfg, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			defer cancel()
			e, err := setup(ctx, cfg, slog.New(slog.DiscardHandler), embedIfAbsent, "escalations")
			if err != nil {
				return err
			}
			defer e.close()
			filter := bus.AllAccounts(bus.KindEscalated)
			if account != "" {
				filter = bus.Subject(bus.KindEscalated, account)
			}
			var list []bus.Escalated
			err = e.bus.Scan(ctx, filter, from, func(s bus.Stored) error {
				var ev bus.Escalated
				if json.Unmarshal(s.Data, &ev) == nil {
					list = append(list, ev)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			printEscalations(cmd.OutOrStdout(), list)
			return nil
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().StringVar(&account, "account", "", "only this account")
	cmd.Flags().StringVar(&since, "since", "7d", "how far back: a duration (12h, 7d) or a date (2006-01-02)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the events as JSON")
	return cmd
}

// parseSince reads --since: a duration back from now, or a date or time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := setting.ParseDuration(s); err == nil {
		return now.Add(-d.D()), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration such as 12h or 7d, or a date such as 2026-11-20", s)
}

func printEscalations(out io.Writer, list []bus.Escalated) {
	if len(list) == 0 {
		fmt.Fprintln(out, "no escalations in that time")
		return
	}
	for _, ev := range list {
		fmt.Fprintf(out, "%s  %s uid %d  priority %s, handled by %s",
			ev.At.Local().Format("2006-01-02 15:04"), ev.Account, ev.UID, ev.Priority, handlerName(ev.Handler))
		if ev.Handoff != "" {
			fmt.Fprintf(out, " (%s)", ev.Handoff)
		}
		fmt.Fprintln(out)
		var why []string
		for _, r := range ev.Reasons {
			if r.Weight > 0 {
				why = append(why, hardness.Describe(r.Name))
			}
		}
		if len(why) > 0 {
			fmt.Fprintf(out, "  why: %s (score %.2f)\n", strings.Join(why, ", "), ev.Score)
		}
		if first, _, _ := strings.Cut(ev.Summary, "\n"); first != "" {
			fmt.Fprintf(out, "  %s\n", first)
		}
		for _, ask := range ev.Asks {
			fmt.Fprintf(out, "  [ ] %s\n", ask)
		}
		if ev.Drafted {
			fmt.Fprintln(out, "  a draft is in your Drafts folder")
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "%s\n", plural(len(list), "escalation", "escalations"))
}

func handlerName(h bus.EscalationHandler) string {
	if h == bus.HandlerHuman {
		return "you"
	}
	return "the large model"
}

// plural writes "1 account", "2 accounts", "0 accounts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
