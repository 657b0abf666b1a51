package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mailassist/reply"
)

func replyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reply",
		Short: "Reply suggestions: measure the trigger, see how drafts were used",
		Long: `The reply stage decides which messages deserve reply suggestions (the
trigger), suggests up to three short replies, and saves the best as a draft.`,
	}
	cmd.AddCommand(replyTriggerEvalCmd(), replyStatsCmd())
	return cmd
}

func replyTriggerEvalCmd() *cobra.Command {
	var corpus string
	var own []string
	var threshold float64
	var asJSON bool
	var online onlineFlags
	cmd := &cobra.Command{
		Use:   "trigger-eval --corpus DIR [--own ADDR,…] [--threshold X] [--online [--personal=false] [--personal-threshold P]] [--json]",
		Short: "Measure the trigger's precision and recall on a corpus's ham/ (positive: answered by another message)",
		Long: `A message in DIR/ham is positive when its Message-ID appears in the
In-Reply-To or References of another message there: someone answered it.
The trigger predicts positive when it would suggest replies. Figures are
given for all ham (all), the ham without mailing-list headers (non-list),
those of them with a To or Cc recipient (addressed), and all ham judged by
the score alone without the skip rules (score-only).

With --online, DIR also holds sent/, the owner's sent mail: the messages
of ham/ and sent/ are taken in date order, each received message judged
before its outcome is known and (personal trigger) learnt once it is. A
received message is positive when a message in sent/ answers it within
14 days (In-Reply-To or References, or "Re:" and its subject to its
sender); without sent/, as above. The owner's addresses default to those
sent/ comes from.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			to := reply.TriggerOptions{Own: own, Threshold: threshold}
			var r reply.Report
			var err error
			if online.on {
				r, err = reply.EvaluateTriggerOnline(corpus, online.options(to))
			} else {
				r, err = reply.EvaluateTrigger(corpus, to)
			}
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			printTriggerReport(cmd.OutOrStdout(), r, r.Own)
			return nil
		},
	}
	online.add(cmd)
	cmd.Flags().StringVar(&corpus, "corpus", "", "corpus directory with ham/*.eml (required)")
	cmd.Flags().StringSliceVar(&own, "own", nil, "the mailbox owner's addresses (default: unknown, the To/Cc signal is left out)")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, fmt.Sprintf("suggest from this score (default %g)", reply.DefaultThreshold))
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON, with every mistake in the non-list subset")
	_ = cmd.MarkFlagRequired("corpus")
	return cmd
}

func printTriggerReport(w io.Writer, r reply.Report, own []string) {
	ownText := "unknown"
	if len(own) > 0 {
		ownText = strings.Join(own, ", ")
	}
	fmt.Fprintf(w, "corpus %s, threshold %g, own addresses %s\n", r.Corpus, r.Threshold, ownText)
	printOnline(w, r)
	fmt.Fprintf(w, "%-10s %8s %9s %9s %5s %5s %5s %9s %7s %6s\n",
		"set", "messages", "positives", "predicted", "tp", "fp", "fn", "precision", "recall", "f1")
	for _, row := range []struct {
		name string
		f    reply.Figures
	}{{"all", r.All}, {"non-list", r.NonList}, {"addressed", r.Addressed}, {"score-only", r.ScoreOnly}} {
		f := row.f
		fmt.Fprintf(w, "%-10s %8d %9d %9d %5d %5d %5d %9.3f %7.3f %6.3f\n",
			row.name, f.Messages, f.Positives, f.Predicted, f.TP, f.FP, f.FN, f.Precision, f.Recall, f.F1)
	}
	fmt.Fprintln(w, "skipped (never suggested), all ham:")
	for i, s := range r.Skips {
		if i == 12 {
			fmt.Fprintf(w, "  … %d more rules\n", len(r.Skips)-i)
			break
		}
		fmt.Fprintf(w, "  %5d  %s\n", s.Count, s.Skip)
	}
}
