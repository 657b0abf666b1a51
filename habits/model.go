package habits

import (
	"math"
)

// DefaultThreshold is the chance of an answer from which the personal
// trigger suggests replies while an account has too few outcomes to
// choose its own (and the one the prior is built around: with no
// history, the personal trigger decides as the content trigger does).
const DefaultThreshold = 0.2

// DefaultTargetRecall is the share of the messages the user answers that
// a chosen threshold must have caught, in the predictions made so far.
const DefaultTargetRecall = 0.55

// A threshold is chosen from an account's own outcomes once they hold
// at least minChosenAnswered answered and minChosenOutcomes in all.
const (
	minChosenAnswered = 10
	minChosenOutcomes = 100
)

// Learning: AdaGrad steps of rate eta on the log loss, plus an L2 pull of
// strength lambda towards the prior weights.
const (
	eta    = 0.2
	lambda = 0.01
)

// The histogram of predictions: bins of logit(score) from histLo, histStep
// wide; halved when it holds more than histCap outcomes, so that it
// follows the model as it learns.
const (
	histBins = 48
	histLo   = -8.0
	histStep = 0.25
	histCap  = 4000
)

// prior are the weights before any outcome: the content trigger's score,
// its rules for automatic mail (soft: the history may overrule them), and
// for the history what one expects of anyone's habits, chosen by
// judgement and not fitted to any mail. The bias makes a message with no
// history reach DefaultThreshold exactly when its content score reaches
// the content trigger's threshold. Learning pulls the weights towards
// these.
var prior = [NumFeatures]float64{
	fBias:           logit(DefaultThreshold),
	fContent:        1.5,
	fList:           -8,
	fBulk:           -8,
	fNoReply:        -8,
	fSenderAnswered: 0.8,
	fSenderIgnored:  -0.4,
	fSenderWrote:    0.3,
	fSenderFast:     0.5,
	fDomainAnswered: 0.3,
	fDomainIgnored:  -0.2,
	fListAnswered:   0.8,
	fListIgnored:    -0.3,
	fThreadStarted:  0.8,
	fThreadWrote:    0.5,
	fAnswersYou:     1.0,
	fThreadAnswered: 0.3,
	fThreadIgnored:  -0.3,
}

// Model is an account's logistic model of "the user answers this".
type Model struct {
	W  [NumFeatures]float64
	G2 [NumFeatures]float64 // AdaGrad's sums of squared gradients
	// N outcomes learnt, Answered of them positive.
	N, Answered uint32
	// Hist holds the predictions made before each outcome was known:
	// [bin][0] unanswered, [bin][1] answered.
	Hist [histBins][2]float32
}

func newModel() Model { return Model{W: prior} }

func (m Model) clone() Model { return m } // arrays: a value copy is deep

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func (m *Model) score(x *[NumFeatures]float64) float64 {
	z := 0.0
	for i, v := range x {
		z += m.W[i] * v
	}
	return sigmoid(z)
}

// learn takes one step towards predicting y for x.
func (m *Model) learn(x *[NumFeatures]float64, y bool) {
	g := m.score(x)
	if y {
		g--
		m.Answered++
	}
	m.N++
	for i, v := range x {
		if v == 0 {
			continue
		}
		grad := g*v + lambda*(m.W[i]-prior[i])
		m.G2[i] += grad * grad
		m.W[i] -= eta * grad / (math.Sqrt(m.G2[i]) + 1e-9)
	}
}

func histBin(score float64) int {
	z := logit(min(max(score, 1e-6), 1-1e-6))
	return min(max(int(math.Floor((z-histLo)/histStep)), 0), histBins-1)
}

// record adds a prediction made before its outcome was known.
func (m *Model) record(score float64, y bool) {
	b := 0
	if y {
		b = 1
	}
	m.Hist[histBin(score)][b]++
	total := float32(0)
	for _, h := range m.Hist {
		total += h[0] + h[1]
	}
	if total > histCap {
		for i := range m.Hist {
			m.Hist[i][0] /= 2
			m.Hist[i][1] /= 2
		}
	}
}

// Threshold returns the threshold the account's own predictions choose:
// of the cuts that would have caught at least targetRecall of the
// answered messages, the one with the best F1. chosen is false, and the
// threshold DefaultThreshold, until the account has enough outcomes.
func (m *Model) Threshold(targetRecall float64) (threshold float64, chosen bool) {
	var pos, all float64
	for _, h := range m.Hist {
		pos += float64(h[1])
		all += float64(h[0] + h[1])
	}
	if m.Answered < minChosenAnswered || m.N < minChosenOutcomes || pos == 0 {
		return DefaultThreshold, false
	}
	best, bestF1 := 0, -1.0
	var tp, pred float64
	for k := histBins - 1; k >= 0; k-- {
		tp += float64(m.Hist[k][1])
		pred += float64(m.Hist[k][0] + m.Hist[k][1])
		recall := tp / pos
		if recall < targetRecall || pred == 0 {
			continue
		}
		precision := tp / pred
		f1 := 0.0
		if precision+recall > 0 {
			f1 = 2 * precision * recall / (precision + recall)
		}
		if f1 > bestF1 {
			best, bestF1 = k, f1
		}
	}
	return sigmoid(histLo + float64(best)*histStep), true
}
