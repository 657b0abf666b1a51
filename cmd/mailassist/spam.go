package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"mailassist/spam"
)

func spamCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spam",
		Short: "Train, evaluate and run the spam model",
		Long: `The spam model scores each message in microseconds. A corpus is a directory
with ham/ and spam/ subdirectories of raw messages; a split file is a TSV with
the columns path, label and split (train or test).`,
	}
	cmd.AddCommand(spamTrainCmd(), spamEvalCmd(), spamClassifyCmd(), spamCVCmd(), spamLearnCmd())
	return cmd
}

// trainFlags are the model options shared by train and cv.
type trainFlags struct {
	family    string
	bits      int
	epochs    int
	rate      float64
	hamWeight float64
	average   int
	folds     int
	targetFPR float64
	threshold float64
	seed      uint64
	mailbox   mailboxFlags
}

// mailboxFlags describe the receiving side of a corpus's mailbox.
type mailboxFlags struct {
	receiving []string
	authserv  []string
}

func (f *mailboxFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&f.receiving, "receiving-domains", nil,
		"registered domains of the corpus mailbox's receiving hosts (comma-separated): their Received hops are not features")
	cmd.Flags().StringSliceVar(&f.authserv, "authserv-id", nil,
		"authserv-ids of the Authentication-Results to trust (default: the topmost added by the receiving side)")
}

// mailbox returns the Mailbox the flags describe, or nil.
func (f *mailboxFlags) mailbox() *spam.Mailbox {
	if len(f.receiving) == 0 && len(f.authserv) == 0 {
		return nil
	}
	return &spam.Mailbox{ReceivingDomains: f.receiving, AuthservIDs: f.authserv}
}

func (f *trainFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.family, "family", string(spam.Logistic), "model family: logistic or bayes")
	fl.IntVar(&f.bits, "bits", 0, "log2 of the feature table size (default 21)")
	fl.IntVar(&f.epochs, "epochs", 0, "logistic: passes over the training set (default 5)")
	fl.Float64Var(&f.rate, "rate", 0, "logistic: AdaGrad learning rate (default 1)")
	fl.Float64Var(&f.hamWeight, "ham-weight", 0, "logistic: weight of ham examples (default 1)")
	fl.IntVar(&f.average, "average", 0, "logistic: models trained on different orders and averaged (default 5)")
	fl.IntVar(&f.folds, "folds", 0, "cross-validation folds for the threshold (default 5)")
	fl.Float64Var(&f.targetFPR, "target-fpr", 0, "out-of-fold false-positive rate the threshold aims at (default 0.001)")
	fl.Float64Var(&f.threshold, "threshold", 0, "use this threshold instead of a cross-validated one")
	fl.Uint64Var(&f.seed, "seed", 0, "seed for shuffling and folds (default 1)")
	f.mailbox.register(cmd)
}

func (f *trainFlags) options() spam.TrainOptions {
	return spam.TrainOptions{
		Family: spam.Family(f.family),
		Bits:   f.bits,
		Logistic: spam.LogisticOptions{
			Epochs: f.epochs, Rate: f.rate, HamWeight: f.hamWeight, Average: f.average,
		},
		Folds:     f.folds,
		TargetFPR: f.targetFPR,
		Threshold: f.threshold,
		Seed:      f.seed,
		Mailbox:   f.mailbox.mailbox(),
	}
}

func spamTrainCmd() *cobra.Command {
	var corpus, split, out string
	var tf trainFlags
	cmd := &cobra.Command{
		Use:   "train --corpus DIR [--split FILE] --out FILE",
		Short: "Train a model on a corpus (the train rows of a split, or all messages)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			msgs, err := spam.LoadCorpus(corpus, split, "train")
			if err != nil {
				return err
			}
			start := time.Now()
			m, err := spam.Train(spam.Examples(msgs), tf.options())
			if err != nil {
				return err
			}
			if err := saveModel(m, out); err != nil {
				return err
			}
			info := m.Info()
			fmt.Fprintf(cmd.OutOrStdout(), "trained %s on %d ham, %d spam in %.1fs; threshold %.6f; version %s; wrote %s\n",
				info.Family, info.Ham, info.Spam, time.Since(start).Seconds(), m.Threshold(), m.Version(), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", "", "corpus directory with ham/ and spam/ (required)")
	cmd.Flags().StringVar(&split, "split", "", "split TSV; train on its train rows (default: all messages)")
	cmd.Flags().StringVar(&out, "out", "", "model file to write (required)")
	_ = cmd.MarkFlagRequired("corpus")
	_ = cmd.MarkFlagRequired("out")
	tf.register(cmd)
	return cmd
}

// saveModel writes the model to a temporary file and renames it, so a
// failed write leaves no half file.
func saveModel(m *spam.Model, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".model-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := m.Save(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func loadModel(path string) (*spam.Model, error) {
	if path == "" {
		return spam.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := spam.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func spamCVCmd() *cobra.Command {
	var corpus, split string
	var asJSON bool
	var worst int
	var tf trainFlags
	cmd := &cobra.Command{
		Use:   "cv --corpus DIR [--split FILE] [model flags]",
		Short: "Cross-validate model options on the training rows",
		Long: `cv splits the train rows of the split (all messages when no split is given)
into folds, trains on all folds but one and scores the one left out, and
prints the figures of those out-of-fold scores at the threshold they choose.
It never reads test rows: use it to choose families and options.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			msgs, err := spam.LoadCorpus(corpus, split, "train")
			if err != nil {
				return err
			}
			opts := tf.options()
			xs, ys := spam.Featurize(spam.Examples(msgs), opts)
			start := time.Now()
			cv, err := spam.CrossValidate(xs, ys, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: cross-validated in %.1fs\n", cv.Options, time.Since(start).Seconds())
			fmt.Fprintf(cmd.ErrOrStderr(), "recall at most 0/1/2/3/5 false positives: %.4f %.4f %.4f %.4f %.4f\n",
				spam.RecallAtFP(cv.Scores, cv.Labels, 0), spam.RecallAtFP(cv.Scores, cv.Labels, 1),
				spam.RecallAtFP(cv.Scores, cv.Labels, 2), spam.RecallAtFP(cv.Scores, cv.Labels, 3),
				spam.RecallAtFP(cv.Scores, cv.Labels, 5))
			if worst > 0 {
				printWorst(cmd.ErrOrStderr(), msgs, cv.Scores, worst)
			}
			return printMetrics(cmd.OutOrStdout(), evalMetrics{Metrics: cv.Metrics}, asJSON)
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", "", "corpus directory with ham/ and spam/ (required)")
	cmd.Flags().StringVar(&split, "split", "", "split TSV; use its train rows (default: all messages)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().IntVar(&worst, "worst", 0, "also print the N highest-scored ham and lowest-scored spam (to stderr)")
	_ = cmd.MarkFlagRequired("corpus")
	tf.register(cmd)
	return cmd
}

// printWorst lists the hardest training messages by out-of-fold score.
func printWorst(w io.Writer, msgs []spam.CorpusMessage, scores []float64, n int) {
	idx := make([]int, len(msgs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	fmt.Fprintln(w, "highest-scored ham:")
	for k, c := len(idx)-1, 0; k >= 0 && c < n; k-- {
		if i := idx[k]; !msgs[i].Spam {
			fmt.Fprintf(w, "  %.6f %s\n", scores[i], msgs[i].Path)
			c++
		}
	}
	fmt.Fprintln(w, "lowest-scored spam:")
	for k, c := 0, 0; k < len(idx) && c < n; k++ {
		if i := idx[k]; msgs[i].Spam {
			fmt.Fprintf(w, "  %.6f %s\n", scores[i], msgs[i].Path)
			c++
		}
	}
}
