package reply

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"mailassist/mailmsg"
)

// Report is the trigger measured on a corpus: how well Decision.Suggest
// predicts that a message was answered.
type Report struct {
	Corpus    string  `json:"corpus"`
	Threshold float64 `json:"threshold"`
	// All is every ham message.
	All Figures `json:"all"`
	// NonList is the ham messages without mailing-list headers (the
	// SkipList rule does not match).
	NonList Figures `json:"non_list"`
	// Addressed is NonList minus the messages with no To or Cc
	// recipient at all (list or Bcc copies whose headers were stripped).
	Addressed Figures `json:"addressed"`
	// ScoreOnly is every ham message judged by the score alone, skip
	// rules left out: whether "expects a reply" separates the answered
	// messages where the rules do not decide (on lists, mostly).
	ScoreOnly Figures `json:"score_only"`
	// Skips counts the rules that never suggest, most frequent first.
	Skips []SkipCount `json:"skips"`
	// Mistakes are the false positives and false negatives in NonList.
	Mistakes []Mistake `json:"mistakes,omitempty"`
	// Online is "content" or "personal" for EvaluateTriggerOnline: the
	// trigger that decided; empty for EvaluateTrigger.
	Online string `json:"online,omitempty"`
	// Own are the owner's addresses used (online: read from sent/ unless
	// given), and Sent the owner's messages read from sent/.
	Own  []string `json:"own,omitempty"`
	Sent int      `json:"sent,omitempty"`
	// Habits is what the personal trigger learnt (online, personal).
	Habits *HabitsSummary `json:"habits,omitempty"`
}

// Figures are the confusion counts of one set of messages. A positive is
// a message another message in the corpus answers.
type Figures struct {
	Messages  int     `json:"messages"`
	Positives int     `json:"positives"`
	Predicted int     `json:"predicted"`
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// SkipCount is how many messages one skip rule matched.
type SkipCount struct {
	Skip  string `json:"skip"`
	Count int    `json:"count"`
}

// Mistake is one message the trigger got wrong.
type Mistake struct {
	File  string  `json:"file"`
	Kind  string  `json:"kind"` // "fp" or "fn"
	Score float64 `json:"score"`
	Skip  string  `json:"skip,omitempty"`
}

// EvaluateTrigger runs Trigger (spam false) on every message in dir/ham,
// the layout of the SpamAssassin corpus (ham/*.eml, spam/*.eml), and
// compares its decisions with whether another ham message answers the
// message: a message is positive when its Message-ID appears in another
// message's In-Reply-To or References.
func EvaluateTrigger(dir string, o TriggerOptions) (Report, error) {
	hamDir := filepath.Join(dir, "ham")
	entries, err := os.ReadDir(hamDir)
	if err != nil {
		return Report{}, fmt.Errorf("trigger eval: %w", err)
	}
	var items []evalItem
	answered := make(map[string]map[string]bool) // Message-ID -> ids of the answers
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(hamDir, e.Name()))
		if err != nil {
			return Report{}, fmt.Errorf("trigger eval: %w", err)
		}
		m := mailmsg.Parse(raw)
		items = append(items, evalItem{
			file:      "ham/" + e.Name(),
			id:        m.MessageID,
			isList:    listHeader(m.Header) != "",
			addressed: len(m.To)+len(m.Cc) > 0,
			d:         Trigger(m, false, o),
			scored:    score(m, o).Suggest,
		})
		for _, parent := range slices.Concat(m.InReplyTo, m.References) {
			if parent == m.MessageID {
				continue
			}
			if answered[parent] == nil {
				answered[parent] = make(map[string]bool)
			}
			answered[parent][m.MessageID+"\x00"+e.Name()] = true
		}
	}
	if len(items) == 0 {
		return Report{}, fmt.Errorf("trigger eval: no .eml files in %s", hamDir)
	}
	for i := range items {
		items[i].pos = items[i].id != "" && len(answered[items[i].id]) > 0
	}
	r := Report{Corpus: dir, Threshold: o.threshold()}
	r.add(items)
	return r, nil
}

// evalItem is one ham message of an evaluation: what the trigger
// decided and whether the message was answered.
type evalItem struct {
	file      string
	id        string
	isList    bool
	addressed bool
	d         Decision
	scored    bool // the score alone says suggest
	pos       bool // answered
}

// add counts the items into r's figures, skips and mistakes.
func (r *Report) add(items []evalItem) {
	skips := make(map[string]int)
	for _, it := range items {
		r.All.count(it.pos, it.d.Suggest)
		r.ScoreOnly.count(it.pos, it.scored)
		if it.d.Skip != "" {
			skips[skipKey(it.d.Skip)]++
		}
		if it.isList {
			continue
		}
		r.NonList.count(it.pos, it.d.Suggest)
		if it.addressed {
			r.Addressed.count(it.pos, it.d.Suggest)
		}
		switch {
		case it.pos && !it.d.Suggest:
			r.Mistakes = append(r.Mistakes, Mistake{File: it.file, Kind: "fn", Score: it.d.Score, Skip: it.d.Skip})
		case !it.pos && it.d.Suggest:
			r.Mistakes = append(r.Mistakes, Mistake{File: it.file, Kind: "fp", Score: it.d.Score})
		}
	}
	for _, f := range []*Figures{&r.All, &r.NonList, &r.Addressed, &r.ScoreOnly} {
		f.finish()
	}
	for k, n := range skips {
		r.Skips = append(r.Skips, SkipCount{Skip: k, Count: n})
	}
	sort.Slice(r.Skips, func(i, j int) bool {
		if r.Skips[i].Count != r.Skips[j].Count {
			return r.Skips[i].Count > r.Skips[j].Count
		}
		return r.Skips[i].Skip < r.Skips[j].Skip
	})
}

// skipKey groups skip reasons whose detail is an address or a date by
// their category; the others keep their header detail.
func skipKey(skip string) string {
	switch cat := SkipCategory(skip); cat {
	case SkipOwn, SkipOld, SkipNoReply:
		return cat
	}
	return skip
}

func (f *Figures) count(positive, predicted bool) {
	f.Messages++
	if positive {
		f.Positives++
	}
	if predicted {
		f.Predicted++
	}
	switch {
	case positive && predicted:
		f.TP++
	case predicted:
		f.FP++
	case positive:
		f.FN++
	}
}

func (f *Figures) finish() {
	if f.Predicted > 0 {
		f.Precision = float64(f.TP) / float64(f.Predicted)
	}
	if f.Positives > 0 {
		f.Recall = float64(f.TP) / float64(f.Positives)
	}
	if f.Precision+f.Recall > 0 {
		f.F1 = 2 * f.Precision * f.Recall / (f.Precision + f.Recall)
	}
}
