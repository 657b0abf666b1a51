package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"mailassist/escalate"
	"mailassist/hardness"
)

func escalateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "escalate",
		Short: "Tools for the escalation stage (hardness score)",
		Long: `The escalation stage sends hard threads to a large model, or flags them for
a human. A thread's hardness score is in [0,1] with the reasons that made it;
see docs/escalate.md.`,
	}
	cmd.AddCommand(escalateRateCmd())
	return cmd
}

func escalateRateCmd() *cobra.Command {
	var (
		corpus    string
		asJSON    bool
		list      bool
		threshold float64
	)
	cmd := &cobra.Command{
		Use:   "rate --corpus DIR",
		Short: "Measure how many messages of a ham corpus the default score escalates",
		Long: `rate scores every DIR/ham/*.eml with the default score config (threads are
reconstructed within the corpus by Message-ID and References) and prints how
many would escalate and the most common reasons.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := hardness.DefaultScoreConfig()
			if threshold > 0 {
				cfg.Threshold = threshold
			}
			rep, err := escalate.EscalationRate(corpus, cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printRate(out, rep, list)
			return nil
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", "", "corpus directory with ham/*.eml (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the whole report as JSON")
	cmd.Flags().BoolVar(&list, "list", false, "also list every escalated message with its reasons")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, "use this threshold instead of the default")
	_ = cmd.MarkFlagRequired("corpus")
	return cmd
}

func printRate(w io.Writer, rep escalate.Report, list bool) {
	fmt.Fprintf(w, "corpus      %s\n", rep.Corpus)
	fmt.Fprintf(w, "messages    %d (%d with an earlier message of their thread in the corpus)\n", rep.Messages, rep.InThread)
	fmt.Fprintf(w, "escalated   %d (%.2f%%)\n\n", rep.Escalated, 100*rep.Rate)
	fmt.Fprintf(w, "%-22s %10s %10s\n", "reason", "escalated", "fired")
	for _, r := range rep.Reasons {
		fmt.Fprintf(w, "%-22s %10d %10d\n", r.Name, r.Escalated, r.Fired)
	}
	if list {
		fmt.Fprintln(w)
		for _, e := range rep.Escalations {
			fmt.Fprintf(w, "%s  %.3f  %s\n", e.Path, e.Score, strings.Join(e.Reasons, " "))
		}
	}
}
