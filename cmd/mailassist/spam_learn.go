package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"mailassist/bus"
	"mailassist/learn"
	"mailassist/spam"
)

// spamLearning completes the spam stage with what the account's own mail
// teaches (lists, correspondents, the receiving side, DKIM) and returns
// the learner that bootstraps accounts and follows their Sent folders.
func spamLearning(ctx context.Context, e *env, st *spam.Stage, models *spam.Models) (*learn.Learner, error) {
	sc := e.cfg.Spam
	corr, err := spam.OpenCorrespondents(ctx, e.bus)
	if err != nil {
		return nil, err
	}
	st.Mailbox = sc.Mailbox()
	st.VerifyDKIM = sc.VerifyDKIM
	if sc.VerifyDKIM {
		st.Resolver = dkimResolver
	}
	st.Lists = sc.ListsFor
	st.Correspondents, st.CorrespondentScore = corr, sc.CorrespondentScore
	l, err := learn.New(ctx, e.bus, models, corr, sc, e.log)
	if err != nil {
		return nil, err
	}
	// The first start also reads the history into the reply habits.
	if l.Habits, err = replyHabits(ctx, e); err != nil {
		return nil, err
	}
	tc := e.cfg.Reply.Trigger
	l.HabitsDays, l.HabitsMax = tc.HistoryDays, tc.HistoryMax
	return l, nil
}

func spamLearnCmd() *cobra.Command {
	var cfgPath, name string
	cmd := &cobra.Command{
		Use:   "learn --config FILE --account NAME",
		Short: "Learn an account's own mail now: Junk as spam, read or answered mail as ham",
		Long: `learn does what an account's first start does (spam.bootstrap): it reads the
account's Junk folder as spam and, as ham, the messages in its watched, Sent
and archive folders that the user has read or answered and not put in Junk —
the newest spam.bootstrap.max_spam and max_ham — and trains the account's
model from them, the shipped model as the prior. Messages learnt before (by
this command or the first start) are not learnt again. The account's
threshold is chosen again from its own labelled mail for spam.target_fpr,
never below spam.threshold_floor. It also records the recipients of the Sent
folder as correspondents. Progress goes to the log; the summary to stdout and
to ` + "`mailassist status`" + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cfgPath)
			if err != nil {
				return err
			}
			acct, ok := cfg.Account(name)
			if !ok {
				return fmt.Errorf("no account %q in %s", name, cfgPath)
			}
			log := newLogger(cfg.Log)
			e, err := setup(cmd.Context(), cfg, log, embedIfAbsent, "spam-learn")
			if err != nil {
				return err
			}
			defer e.close()
			base, err := baseModel(cfg.Spam.Model)
			if err != nil {
				return err
			}
			models, err := spam.NewModels(cmd.Context(), e.bus, base, log)
			if err != nil {
				return err
			}
			st := &spam.Stage{}
			l, err := spamLearning(cmd.Context(), e, st, models)
			if err != nil {
				return err
			}
			s, err := l.Bootstrap(cmd.Context(), acct, true)
			printBootstrap(cmd.OutOrStdout(), []learn.Status{s})
			return err
		},
	}
	addConfigFlag(cmd, &cfgPath)
	cmd.Flags().StringVar(&name, "account", "", "account name (required)")
	_ = cmd.MarkFlagRequired("account")
	return cmd
}

// printSpamBootstrap adds the accounts' bootstrap status to `status`.
func printSpamBootstrap(ctx context.Context, out io.Writer, b *bus.Bus) error {
	sts, err := learn.Statuses(ctx, b)
	if err != nil {
		return fmt.Errorf("spam bootstrap status: %w", err)
	}
	if len(sts) == 0 {
		return nil
	}
	fmt.Fprintln(out)
	printBootstrap(out, sts)
	return nil
}

func printBootstrap(out io.Writer, sts []learn.Status) {
	sort.Slice(sts, func(i, j int) bool { return sts[i].Account < sts[j].Account })
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSPAM BOOTSTRAP\tSPAM\tHAM\tSKIPPED\tCORRESPONDENTS\tTHRESHOLD\tUPDATED\tDETAIL")
	for _, s := range sts {
		thr := "-"
		if s.Threshold > 0 {
			thr = fmt.Sprintf("%.4f", s.Threshold)
			if !s.Chosen {
				thr += " (model's)"
			}
		}
		detail := s.Progress
		switch {
		case s.Error != "":
			detail = s.Error
		case detail == "" && s.OwnMoves > 0:
			detail = fmt.Sprintf("%d in Junk by the pipeline's own moves: not learnt", s.OwnMoves)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Account, s.State, s.Spam, s.Ham, s.Skipped,
			s.Correspondents, thr, s.Updated.Format(time.RFC3339), detail)
	}
	tw.Flush()
	printHabitsBootstrap(out, sts)
}

// printHabitsBootstrap shows what the first start read into each
// account's reply habits.
func printHabitsBootstrap(out io.Writer, sts []learn.Status) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	header := false
	for _, s := range sts {
		h := s.Habits
		if h == nil {
			continue
		}
		if !header {
			fmt.Fprintln(tw, "\nACCOUNT\tREPLY HABITS BOOTSTRAP\tRECEIVED\tSENT\tANSWERED\tUNANSWERED\tOUTCOMES")
			header = true
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\n", s.Account, h.State, h.Received, h.Sent, h.Answered, h.Unanswered, h.Outcomes)
	}
	tw.Flush()
}
