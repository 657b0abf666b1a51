package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"mailassist/spam"
)

// dkimResolver looks up DKIM keys for spam.verify_dkim and
// `spam classify --verify-dkim`; tests replace it.
var dkimResolver spam.Resolver = net.DefaultResolver

func spamClassifyCmd() *cobra.Command {
	var model string
	var explain, verifyDKIM bool
	var mf mailboxFlags
	cmd := &cobra.Command{
		Use:   "classify [--explain] FILE...",
		Short: "Score messages: score, verdict and the features that weighed most",
		Long: `classify prints, for each file, its name, verdict and score, then the
features that weighed most (weight in log-odds of spam, positive toward spam).
With --explain it also prints the sender authentication as the trusted
Authentication-Results recorded it, and every signal the message fired
(sig:auth-…, sig:phish-…) with its weight, and whether the message is one of
the model's own training messages. With --verify-dkim it verifies the
message's DKIM signatures with DNS look-ups, as spam.verify_dkim does, and
uses that DKIM result.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := loadModel(model)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			c := spam.Context{Mailbox: mf.mailbox()}
			for _, name := range args {
				raw, err := os.ReadFile(name)
				if err != nil {
					return err
				}
				c.DKIM = nil
				if verifyDKIM {
					ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
					c.DKIM, err = spam.VerifyDKIM(ctx, raw, dkimResolver)
					cancel()
					if err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
				}
				r := m.ClassifyIn(spam.Parse(raw), c)
				printVerdict(out, name, m, r, explain, m.TrainedOn(raw))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "model file (default: the shipped model)")
	cmd.Flags().BoolVar(&explain, "explain", false, "also print the sender authentication and every signal")
	cmd.Flags().BoolVar(&verifyDKIM, "verify-dkim", false, "verify the message's DKIM signatures with DNS look-ups (as spam.verify_dkim)")
	mf.register(cmd)
	return cmd
}

func printVerdict(out io.Writer, name string, m *spam.Model, r spam.Result, explain, trainedOn bool) {
	verdict := "ham"
	if r.Spam {
		verdict = "spam"
	}
	fmt.Fprintf(out, "%s\t%s\t%.6f\n", name, verdict, r.Score)
	for _, why := range r.Reasons {
		fmt.Fprintf(out, "\t%+.3f\t%s\t(%q)\n", why.Weight, spam.Describe(why.Feature), why.Feature)
	}
	if !explain {
		return
	}
	fmt.Fprintf(out, "\tthreshold %.6f, model %s\n", m.Threshold(), m.Version())
	a := r.Auth
	if a.Trusted {
		fmt.Fprintf(out, "\tauth: spf=%s dkim=%s dmarc=%s from=%s dkim-domains=%v authenticated=%v failed=%v\n",
			orNone(a.SPF), orNone(a.DKIM), orNone(a.DMARC), a.FromDomain, a.DKIMDomains, a.Authenticated(), a.Failed())
	} else {
		fmt.Fprintln(out, "\tauth: no trusted Authentication-Results")
	}
	if len(r.Signals) == 0 {
		fmt.Fprintln(out, "\tsignals: none")
	}
	for _, s := range r.Signals {
		fmt.Fprintf(out, "\tsignal\t%+.3f\t%s\t(%s)\n", s.Weight, spam.Describe(s.Feature), s.Feature)
	}
	if trainedOn {
		fmt.Fprintln(out, "\tnote: this message is one of the model's training messages")
	}
}

func orNone(r spam.AuthResult) string {
	if r == "" {
		return "-"
	}
	return string(r)
}
