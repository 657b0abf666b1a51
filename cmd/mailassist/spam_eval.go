package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"mailassist/spam"
)

func spamEvalCmd() *cobra.Command {
	var corpus, split, model, cpuProfile, order, feedback string
	var asJSON, online bool
	var tf trainFlags
	cmd := &cobra.Command{
		Use:   "eval --corpus DIR [--split FILE] [--model FILE] [--json] | eval --online --corpus DIR [--order FILE] [--feedback all|errors] [--json]",
		Short: "Classify a corpus's test rows (or all messages) and print the figures; or evaluate online, TREC style",
		Long: `eval classifies the test rows of the split (every message when no split is
given) with the model (the shipped default when none is given), in one
goroutine, and prints messages, ham, spam, tp, fp, tn, fn, precision, recall,
f1, fpr, auc, threshold and msgs_per_sec. msgs_per_sec is messages per CPU
second (user and system time of the whole process, garbage collector
included) spent reading each message's file and classifying it, not loading
the model: the measure bogofilter's figures are quoted in.

It warns (on stderr, and as "trained_on" in JSON) when messages evaluated are
among the model's own training messages: the model file records a fingerprint
of each, and such figures say nothing of mail the model has not seen.

With --online, eval measures the way the TREC spam track did: it starts from
an untrained model (or --model), classifies each message in order and then
learns its true label — every message with --feedback all (TREC's immediate
feedback), only the mistakes with --feedback errors (a user who moves
misfiled mail). It prints messages, ham, spam, fp, fn (mistakes made before
learning), (1-ROCA)% of the scores in order, and recall and false-positive
rate per 1,000 messages as a learning curve. --order FILE gives the order:
one corpus-relative path a line (spam/00001.eml); without it the messages are
taken sorted by path. The JSON has messages, fp, fn, one_minus_roca_pct and
curve (a list of {end, ham, spam, fp, fn, recall, fpr}).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if online {
				return evalOnline(cmd, corpus, order, model, spam.Feedback(feedback), tf, asJSON)
			}
			if order != "" || cmd.Flags().Changed("feedback") {
				return fmt.Errorf("--order and --feedback go with --online")
			}
			m, err := loadModel(model)
			if err != nil {
				return err
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			res, err := evaluate(m, corpus, split, spam.Context{Mailbox: tf.mailbox.mailbox()})
			if err != nil {
				return err
			}
			if res.TrainedOn > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %d of %d messages evaluated (%.1f%%) are among the model's own training messages: these figures are not held out and overstate how it does on new mail\n",
					res.TrainedOn, res.Messages, 100*float64(res.TrainedOn)/float64(res.Messages))
			}
			return printMetrics(cmd.OutOrStdout(), res, asJSON)
		},
	}
	cmd.Flags().StringVar(&corpus, "corpus", "", "corpus directory with ham/ and spam/ (required)")
	cmd.Flags().StringVar(&split, "split", "", "split TSV; evaluate its test rows (default: all messages)")
	cmd.Flags().StringVar(&model, "model", "", "model file (default: the shipped model; with --online, an untrained one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the evaluation to this file")
	cmd.Flags().BoolVar(&online, "online", false, "classify in order and learn each true label (TREC spam track)")
	cmd.Flags().StringVar(&order, "order", "", "with --online: file of corpus-relative paths, one a line (default: sorted by path)")
	cmd.Flags().StringVar(&feedback, "feedback", string(spam.FeedbackAll), "with --online: learn all messages, or only errors")
	tf.mailbox.register(cmd)
	_ = cmd.MarkFlagRequired("corpus")
	return cmd
}

// evalMetrics are the figures of `spam eval`, with how many messages were
// among the model's training messages.
type evalMetrics struct {
	spam.Metrics
	TrainedOn int `json:"trained_on"`
}

// evaluate classifies the corpus's test rows one after the other, timing
// the reading and classifying of each message.
func evaluate(m *spam.Model, corpus, split string, c spam.Context) (evalMetrics, error) {
	var rows []spam.CorpusMessage
	var err error
	if split != "" {
		rows, err = spam.LoadCorpus(corpus, split, "test")
	} else {
		rows, err = spam.LoadCorpus(corpus, "", "")
	}
	if err != nil {
		return evalMetrics{}, err
	}
	trainedOn := 0
	for _, r := range rows {
		if m.TrainedOn(r.Raw) {
			trainedOn++
		}
	}
	// LoadCorpus read the files once, which also warms the page cache; the
	// timed loop reads them again, as a filter reading mail would.
	scores := make([]float64, len(rows))
	labels := make([]bool, len(rows))
	var buf []byte
	runtime.GC()
	start, cpuStart := time.Now(), processCPU()
	for i, r := range rows {
		raw, err := readFile(filepath.Join(corpus, filepath.FromSlash(r.Path)), buf[:0])
		if err != nil {
			return evalMetrics{}, err
		}
		scores[i] = m.ClassifyIn(spam.Parse(raw), c).Score
		labels[i] = r.Spam
		buf = raw
	}
	elapsed := time.Since(start)
	if cpu := processCPU() - cpuStart; cpu > 0 {
		elapsed = cpu
	}
	res := evalMetrics{Metrics: spam.Evaluate(scores, labels, m.Threshold()), TrainedOn: trainedOn}
	if elapsed > 0 {
		res.MsgsPerSec = float64(len(rows)) / elapsed.Seconds()
	}
	return res, nil
}

func printMetrics(w io.Writer, r evalMetrics, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(r)
	}
	_, err := fmt.Fprintf(w, `messages      %d
ham           %d
spam          %d
tp            %d
fp            %d
tn            %d
fn            %d
precision     %.4f
recall        %.4f
f1            %.4f
fpr           %.5f
auc           %.6f
threshold     %.6f
msgs_per_sec  %.0f
`, r.Messages, r.Ham, r.Spam, r.TP, r.FP, r.TN, r.FN, r.Precision, r.Recall, r.F1, r.FPR, r.AUC, r.Threshold, r.MsgsPerSec)
	return err
}

// evalOnline runs `spam eval --online`.
func evalOnline(cmd *cobra.Command, corpus, order, model string, fb spam.Feedback, tf trainFlags, asJSON bool) error {
	var rows []spam.CorpusMessage
	var err error
	if order != "" {
		rows, err = spam.LoadOrder(corpus, order)
	} else {
		rows, err = spam.LoadCorpus(corpus, "", "") // ham/… then spam/…: sorted by path
	}
	if err != nil {
		return err
	}
	var m *spam.Model
	if model != "" {
		if m, err = loadModel(model); err != nil {
			return err
		}
		m = m.Clone()
		trainedOn := 0
		for _, r := range rows {
			if m.TrainedOn(r.Raw) {
				trainedOn++
			}
		}
		if trainedOn > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %d of %d messages are among the starting model's own training messages\n", trainedOn, len(rows))
		}
	} else if m, err = spam.New(spam.TrainOptions{}); err != nil {
		return err
	}
	res, err := spam.OnlineEval(m, rows, spam.OnlineOptions{Feedback: fb, Context: spam.Context{Mailbox: tf.mailbox.mailbox()}})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if asJSON {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "messages            %d\nham                 %d\nspam                %d\nfp                  %d\nfn                  %d\n",
		res.Messages, res.Ham, res.Spam, res.FP, res.FN)
	fmt.Fprintf(out, "recall              %.4f\nfpr                 %.5f\n(1-ROCA)%%           %.4f\nlearned             %d (feedback %s)\n",
		res.Recall, res.FPR, res.OneMinusROCAPct, res.Learned, res.Feedback)
	fmt.Fprintln(out, "curve (per window): end  ham  spam  fp  fn  recall  fpr")
	for _, p := range res.Curve {
		fmt.Fprintf(out, "  %6d %5d %5d %3d %3d  %.4f  %.5f\n", p.End, p.Ham, p.Spam, p.FP, p.FN, p.Recall, p.FPR)
	}
	return nil
}
