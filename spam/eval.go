package spam

import "sort"

// Metrics are the figures of a classifier on labelled messages. Spam is
// the positive class. The JSON names are those of `mailassist spam eval
// --json`.
type Metrics struct {
	Messages   int     `json:"messages"`
	Ham        int     `json:"ham"`
	Spam       int     `json:"spam"`
	TP         int     `json:"tp"` // spam called spam
	FP         int     `json:"fp"` // ham called spam
	TN         int     `json:"tn"`
	FN         int     `json:"fn"`
	Precision  float64 `json:"precision"`
	Recall     float64 `json:"recall"`
	F1         float64 `json:"f1"`
	FPR        float64 `json:"fpr"` // FP / ham
	AUC        float64 `json:"auc"` // area under the ROC curve, ties counted half
	Threshold  float64 `json:"threshold"`
	MsgsPerSec float64 `json:"msgs_per_sec"` // set by the caller that timed it
}

// Evaluate computes the metrics of scores against labels (true: spam) at a
// threshold (score >= threshold is spam).
func Evaluate(scores []float64, spam []bool, threshold float64) Metrics {
	m := Metrics{Messages: len(scores), Threshold: threshold}
	for i, s := range scores {
		switch {
		case spam[i] && s >= threshold:
			m.TP++
		case spam[i]:
			m.FN++
		case s >= threshold:
			m.FP++
		default:
			m.TN++
		}
	}
	m.Spam, m.Ham = m.TP+m.FN, m.FP+m.TN
	m.Precision = ratio(m.TP, m.TP+m.FP)
	m.Recall = ratio(m.TP, m.Spam)
	m.FPR = ratio(m.FP, m.Ham)
	if m.Precision+m.Recall > 0 {
		m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
	}
	m.AUC = AUC(scores, spam)
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// AUC returns the area under the ROC curve: the probability that a random
// spam scores above a random ham, ties counting half (the Mann–Whitney
// statistic with mid-ranks). It is 0 when a class is missing.
func AUC(scores []float64, spam []bool) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	var rankSum float64 // sum of the spam messages' ranks (1-based, mid-ranks for ties)
	nSpam := 0
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if spam[idx[k]] {
				rankSum += mid
				nSpam++
			}
		}
		i = j
	}
	nHam := len(scores) - nSpam
	if nSpam == 0 || nHam == 0 {
		return 0
	}
	return (rankSum - float64(nSpam)*float64(nSpam+1)/2) / (float64(nSpam) * float64(nHam))
}

// RecallAtFP returns the largest recall reachable with at most maxFP
// false positives: the share of spam scoring above the (maxFP+1)-th
// highest ham score.
func RecallAtFP(scores []float64, spam []bool, maxFP int) float64 {
	var ham []float64
	nSpam := 0
	for i, s := range scores {
		if spam[i] {
			nSpam++
		} else {
			ham = append(ham, s)
		}
	}
	if nSpam == 0 {
		return 0
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(ham)))
	if maxFP >= len(ham) {
		return 1
	}
	cut := ham[maxFP] // spam must score above this
	tp := 0
	for i, s := range scores {
		if spam[i] && s > cut {
			tp++
		}
	}
	return float64(tp) / float64(nSpam)
}
