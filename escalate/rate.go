package escalate

import (
	"cmp"
	"context"
	"fmt"
	"mailassist/hardness"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mailassist/mailmsg"
)

// Report is the escalation rate of a config over a corpus of ham.
type Report struct {
	Corpus    string  `json:"corpus"`
	Messages  int     `json:"messages"`
	Escalated int     `json:"escalated"`
	Rate      float64 `json:"rate"` // Escalated / Messages
	// InThread is how many messages had at least one earlier message of
	// their thread in the corpus.
	InThread int `json:"in_thread"`
	// Reasons counts each reason: how often it fired at all, and how
	// often in an escalated message. Most frequent in escalations first.
	Reasons []ReasonCount `json:"reasons"`
	// Escalations lists the escalated messages.
	Escalations []Escalation `json:"escalations"`
}

// ReasonCount is how often one reason fired.
type ReasonCount struct {
	Name      string `json:"name"`
	Fired     int    `json:"fired"`
	Escalated int    `json:"escalated"`
}

// Escalation is one escalated message of a Report.
type Escalation struct {
	Path    string   `json:"path"` // relative to the corpus
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// EscalationRate scores every message of dir/ham/*.eml with cfg and no
// signals from earlier stages. Threads are reconstructed within the
// corpus itself (an in-memory index by Message-ID stands in for the
// mailbox), so thread length and participants count what the corpus
// holds of each thread, and at least what References names.
func EscalationRate(dir string, cfg hardness.ScoreConfig) (Report, error) {
	scorer, err := hardness.NewScorer(cfg)
	if err != nil {
		return Report{}, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "ham", "*.eml"))
	if err != nil {
		return Report{}, err
	}
	if len(paths) == 0 {
		return Report{}, fmt.Errorf("corpus %s: no ham/*.eml", dir)
	}
	slices.Sort(paths)
	raws := make([][]byte, len(paths))
	index := MapLookup{}
	for i, p := range paths {
		if raws[i], err = os.ReadFile(p); err != nil {
			return Report{}, fmt.Errorf("corpus: %w", err)
		}
		index.Add(raws[i])
	}

	rep := Report{Corpus: dir, Messages: len(paths)}
	counts := map[string]*ReasonCount{}
	for i, p := range paths {
		t, err := Reconstruct(context.Background(), mailmsg.Parse(raws[i]), index)
		if err != nil {
			return Report{}, fmt.Errorf("%s: %w", p, err)
		}
		if len(t.Messages) > 1 {
			rep.InThread++
		}
		a := scorer.Score(t, hardness.Signals{})
		if a.Escalate {
			rep.Escalated++
			rel, _ := filepath.Rel(dir, p)
			rep.Escalations = append(rep.Escalations, Escalation{Path: filepath.ToSlash(rel), Score: a.Score, Reasons: a.Names()})
		}
		for _, r := range a.Reasons {
			c := counts[r.Name]
			if c == nil {
				c = &ReasonCount{Name: r.Name}
				counts[r.Name] = c
			}
			c.Fired++
			if a.Escalate {
				c.Escalated++
			}
		}
	}
	rep.Rate = float64(rep.Escalated) / float64(rep.Messages)
	for _, c := range counts {
		rep.Reasons = append(rep.Reasons, *c)
	}
	slices.SortFunc(rep.Reasons, func(a, b ReasonCount) int {
		return cmp.Or(-cmp.Compare(a.Escalated, b.Escalated), -cmp.Compare(a.Fired, b.Fired), strings.Compare(a.Name, b.Name))
	})
	return rep, nil
}
