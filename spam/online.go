package spam

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Feedback says which messages an online evaluation learns from.
type Feedback string

// Feedback modes of OnlineEval.
const (
	// FeedbackAll learns every message's true label after classifying
	// it: the TREC spam track's immediate feedback.
	FeedbackAll Feedback = "all"
	// FeedbackErrors learns only the mistakes, as a user who moves
	// misfiled mail and leaves the rest alone.
	FeedbackErrors Feedback = "errors"
)

// OnlineResult are the figures of an online evaluation. The JSON names
// are those of `mailassist spam eval --online --json`.
type OnlineResult struct {
	Messages int `json:"messages"`
	Ham      int `json:"ham"`
	Spam     int `json:"spam"`
	FP       int `json:"fp"` // ham classified spam before its label was learnt
	FN       int `json:"fn"`
	// OneMinusROCAPct is 100 × (1 − area under the ROC curve) of the
	// scores given in order, each before its message was learnt: the
	// TREC spam track's (1-ROCA)%. Lower is better.
	OneMinusROCAPct float64  `json:"one_minus_roca_pct"`
	Recall          float64  `json:"recall"`
	FPR             float64  `json:"fpr"`
	Learned         int      `json:"learned"` // messages learnt
	Feedback        Feedback `json:"feedback"`
	// Curve is the learning curve: recall and false-positive rate of each
	// window of Window messages, in order.
	Curve []CurvePoint `json:"curve"`
}

// CurvePoint is one window of the learning curve.
type CurvePoint struct {
	End    int     `json:"end"` // messages classified at the end of the window
	Ham    int     `json:"ham"`
	Spam   int     `json:"spam"`
	FP     int     `json:"fp"`
	FN     int     `json:"fn"`
	Recall float64 `json:"recall"`
	FPR    float64 `json:"fpr"`
}

// OnlineOptions tune OnlineEval; the zero value means feedback on every
// message and windows of 1,000 messages.
type OnlineOptions struct {
	Feedback Feedback
	Window   int
	Context  Context
}

// OnlineEval classifies the messages in order with m and, after each,
// learns its true label (every message, or only mistakes): the way the
// TREC spam track measured filters. m is changed by the learning; pass a
// Clone to keep it.
func OnlineEval(m *Model, msgs []CorpusMessage, o OnlineOptions) (OnlineResult, error) {
	if o.Feedback == "" {
		o.Feedback = FeedbackAll
	}
	if o.Feedback != FeedbackAll && o.Feedback != FeedbackErrors {
		return OnlineResult{}, fmt.Errorf("spam: feedback %q is not %q or %q", o.Feedback, FeedbackAll, FeedbackErrors)
	}
	if o.Window <= 0 {
		o.Window = 1000
	}
	r := OnlineResult{Messages: len(msgs), Feedback: o.Feedback}
	scores := make([]float64, len(msgs))
	labels := make([]bool, len(msgs))
	var win CurvePoint
	for i, msg := range msgs {
		res := m.ClassifyIn(parse(msg.Raw), o.Context)
		scores[i], labels[i] = res.Score, msg.Spam
		wrong := res.Spam != msg.Spam
		if msg.Spam {
			r.Spam++
			win.Spam++
			if wrong {
				r.FN++
				win.FN++
			}
		} else {
			r.Ham++
			win.Ham++
			if wrong {
				r.FP++
				win.FP++
			}
		}
		if o.Feedback == FeedbackAll || wrong {
			m.LearnIn(msg.Raw, msg.Spam, o.Context)
			r.Learned++
		}
		if (i+1)%o.Window == 0 || i == len(msgs)-1 {
			win.End = i + 1
			win.Recall = 1 - ratio(win.FN, win.Spam)
			if win.Spam == 0 {
				win.Recall = 0
			}
			win.FPR = ratio(win.FP, win.Ham)
			r.Curve = append(r.Curve, win)
			win = CurvePoint{}
		}
	}
	if r.Spam > 0 {
		r.Recall = 1 - ratio(r.FN, r.Spam)
	}
	r.FPR = ratio(r.FP, r.Ham)
	if r.Spam > 0 && r.Ham > 0 {
		r.OneMinusROCAPct = 100 * (1 - AUC(scores, labels))
	}
	return r, nil
}

// LoadOrder reads the messages of a corpus in the order an order file
// gives: one corpus-relative path a line ("spam/00001.eml"), its label the
// first path element (ham or spam). Blank lines and lines starting with #
// are skipped.
func LoadOrder(dir, order string) ([]CorpusMessage, error) {
	f, err := os.Open(order)
	if err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	defer f.Close()
	var rows []CorpusMessage
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		p := strings.TrimSpace(sc.Text())
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		label, _, _ := strings.Cut(p, "/")
		if label != "ham" && label != "spam" || strings.Contains(p, "..") || filepath.IsAbs(p) {
			return nil, fmt.Errorf("order %s:%d: %q is not a path under ham/ or spam/", order, line, p)
		}
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, fmt.Errorf("order %s:%d: %w", order, line, err)
		}
		rows = append(rows, CorpusMessage{Path: p, Example: Example{Raw: raw, Spam: label == "spam"}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("order %s: %w", order, err)
	}
	return rows, nil
}
