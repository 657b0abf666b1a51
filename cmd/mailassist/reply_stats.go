package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mailassist/bus"
	"mailassist/draft"
)

func replyStatsCmd() *cobra.Command {
	var cfgPath, account, since string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats [--account NAME] [--since 30d|DATE] [--json]",
		Short: "How the drafts mailassist filed were used: sent unchanged, sent edited, deleted, pending",
		Long: `Counts the fate of every draft mailassist filed (from the mail_drafts
ledger): sent_unchanged (the user's reply in Sent is the draft's text),
sent_edited (with the mean normalised edit distance), deleted (gone from
Drafts unsent), pending (still in Drafts after reply.pending_after),
replaced (gave way to a newer draft of its thread) and open (none of those
yet). Acceptance is sent / (sent + deleted + pending). Overall, by source
(builtin, small_model, large_model, handoff) and by intent (none: a full
draft). Drafts are counted by when they were filed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since, time.Now())
			if err != nil {
				return err
			}
			return withReadOnlyBus(cmd.Context(), cfgPath, func(ctx context.Context, b *bus.Bus) error {
				st := draft.Stats{Account: account, Since: from, BySource: map[string]*draft.Counts{}, ByIntent: map[string]*draft.Counts{}}
				l, err := draft.OpenLedgerReadOnly(ctx, b)
				switch {
				case errors.Is(err, draft.ErrNoLedger): // nothing filed yet: all zero
				case err != nil:
					return err
				default:
					if st, err = l.Stats(ctx, account, from); err != nil {
						return err
					}
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(st)
				}
				printReplyStats(cmd.OutOrStdout(), st)
				return nil
			})
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().StringVar(&account, "account", "", "only this account")
	cmd.Flags().StringVar(&since, "since", "", "only drafts filed since then: a duration back from now (12h, 30d) or a date (2026-11-20)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the counts as JSON (overall, by_source, by_intent)")
	return cmd
}

func printReplyStats(w io.Writer, st draft.Stats) {
	scope := "every account"
	if st.Account != "" {
		scope = "account " + st.Account
	}
	if !st.Since.IsZero() {
		scope += ", filed since " + st.Since.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "drafts of %s\n", scope)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tfiled\tsent_unchanged\tsent_edited\tdeleted\tpending\treplaced\topen\tacceptance\tedit_distance\t")
	row := func(name string, c *draft.Counts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f%%\t%.2f\t\n", name, c.Filed, c.SentUnchanged, c.SentEdited,
			c.Deleted, c.Pending, c.Replaced, c.Open, 100*c.Acceptance, c.MeanEditDistance)
	}
	row("overall", &st.Overall)
	for _, group := range []struct {
		prefix string
		by     map[string]*draft.Counts
	}{{"source ", st.BySource}, {"intent ", st.ByIntent}} {
		for _, k := range slices.Sorted(maps.Keys(group.by)) {
			row(group.prefix+k, group.by[k])
		}
	}
	_ = tw.Flush()
}
