package spam

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Example is one labelled training message.
type Example struct {
	Raw  []byte // the RFC 5322 message
	Spam bool
}

// TrainOptions tune Train and CrossValidate. The zero value means the
// defaults, which are what the shipped model uses.
type TrainOptions struct {
	Family   Family // default Logistic
	Bits     int    // log2 of the feature table size, 16..26; default 21
	Logistic LogisticOptions
	Bayes    BayesOptions
	// Folds is the number of cross-validation folds over the training set
	// from which the threshold is chosen; default 5. 1 skips the
	// cross-validation and uses Threshold (or 0.5).
	Folds int
	// TargetFPR is the false-positive rate the threshold aims at: it is
	// the lowest cut whose out-of-fold false-positive rate is at most
	// TargetFPR (so recall is the highest such a cut allows). Default 0.001.
	TargetFPR float64
	// Threshold, when in (0, 1), is used as is instead of a cross-validated
	// one.
	Threshold float64
	Seed      uint64 // for shuffling and fold assignment; default 1
	Workers   int    // goroutines featurizing messages; default GOMAXPROCS
	// Mailbox describes the receiving side of the training messages'
	// mailbox (see Mailbox); nil for the heuristics alone.
	Mailbox *Mailbox
}

// ErrNoExamples is returned when a class has no training messages.
var ErrNoExamples = errors.New("spam: need ham and spam examples")

func (o TrainOptions) withDefaults() (TrainOptions, error) {
	if o.Family == "" {
		o.Family = Logistic
	}
	if o.Family != Logistic && o.Family != Bayes {
		return o, fmt.Errorf("spam: unknown family %q (want %q or %q)", o.Family, Logistic, Bayes)
	}
	if o.Bits == 0 {
		o.Bits = 21
	}
	if o.Bits < 16 || o.Bits > 26 {
		return o, fmt.Errorf("spam: bits %d out of range 16..26", o.Bits)
	}
	if o.Folds == 0 {
		o.Folds = 5
	}
	if o.TargetFPR <= 0 {
		o.TargetFPR = 0.001
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	o.Logistic = o.Logistic.withDefaults()
	o.Bayes = o.Bayes.withDefaults()
	return o, nil
}

func (o TrainOptions) String() string {
	switch o.Family {
	case Bayes:
		return fmt.Sprintf("family=%s bits=%d s=%g x=%g mindev=%g folds=%d target_fpr=%g seed=%d",
			o.Family, o.Bits, o.Bayes.S, o.Bayes.X, o.Bayes.MinDev, o.Folds, o.TargetFPR, o.Seed)
	}
	return fmt.Sprintf("family=%s bits=%d epochs=%d rate=%g hamweight=%g average=%d folds=%d target_fpr=%g seed=%d",
		o.Family, o.Bits, o.Logistic.Epochs, o.Logistic.Rate, o.Logistic.HamWeight, o.Logistic.Average, o.Folds, o.TargetFPR, o.Seed)
}

// Train fits a model to the examples and chooses its threshold by
// cross-validation on the same examples (see TrainOptions.Folds).
func Train(examples []Example, opts TrainOptions) (*Model, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	xs, ys := Featurize(examples, o)
	m, err := trainSlots(xs, ys, o)
	if err != nil {
		return nil, err
	}
	m.trainedOn = fingerprints(examples)
	return m, nil
}

// Featurized holds the feature slots of training messages, so several
// trainings (folds, option settings) share one pass of parsing.
type Featurized []vector

// Featurize parses and featurizes the examples for the table size in o.
func Featurize(examples []Example, opts TrainOptions) (Featurized, []bool) {
	o, _ := opts.withDefaults()
	xs := make(Featurized, len(examples))
	ys := make([]bool, len(examples))
	var wg sync.WaitGroup
	next := make(chan int, 64)
	for w := 0; w < o.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				xs[i] = featurizeSlots(examples[i].Raw, uint8(o.Bits), Context{Mailbox: o.Mailbox})
			}
		}()
	}
	for i, ex := range examples {
		ys[i] = ex.Spam
		next <- i
	}
	close(next)
	wg.Wait()
	return xs, ys
}

func featurizeSlots(raw []byte, bits uint8, c Context) vector {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.env = c
	f.extract(parse(raw))
	v := f.vector(bits)
	v.slots = append([]uint32(nil), v.slots...)
	return v
}

func trainSlots(xs Featurized, ys []bool, o TrainOptions) (*Model, error) {
	nHam, nSpam := countClasses(ys)
	if nHam == 0 || nSpam == 0 {
		return nil, ErrNoExamples
	}
	threshold := o.Threshold
	if threshold <= 0 || threshold >= 1 {
		threshold = 0.5
		if o.Folds > 1 {
			cv := crossValidate(xs, ys, o)
			threshold = cv.Threshold
		}
	}
	m := fit(xs, ys, o)
	if m.lr != nil {
		m.lr.roundTrip()
	}
	m.threshold = threshold
	m.info = Info{Family: o.Family, Ham: nHam, Spam: nSpam, Options: o.String()}
	m.setBaseVersion()
	return m, nil
}

// fit trains a model without choosing a threshold.
func fit(xs Featurized, ys []bool, o TrainOptions) *Model {
	m := &Model{family: o.Family, bits: uint8(o.Bits), threshold: 0.5}
	switch o.Family {
	case Bayes:
		m.nb = newBayes(m.bits, o.Bayes)
		for i, x := range xs {
			m.nb.add(x, ys[i])
		}
	default:
		m.lr = trainLogistic(xs, ys, m.bits, o.Logistic, o.Seed)
	}
	return m
}

func (m *Model) scoreSlots(x vector) float64 {
	if m.family == Bayes {
		return m.nb.score(x, nil)
	}
	return m.lr.score(x, nil)
}

// setBaseVersion names the model by its family and a hash of its tables.
func (m *Model) setBaseVersion() {
	h := sha256.New()
	writePayload(h, m)
	m.baseVer = fmt.Sprintf("%s-%x", m.family, h.Sum(nil)[:6])
	m.version = m.baseVer
	m.learned, m.learnHash = 0, 0
}

func countClasses(ys []bool) (ham, spam int) {
	for _, y := range ys {
		if y {
			spam++
		} else {
			ham++
		}
	}
	return ham, spam
}

// CVResult is the outcome of cross-validation on a training set.
type CVResult struct {
	Options   TrainOptions
	Scores    []float64 // out-of-fold score of each example
	Labels    []bool
	Threshold float64 // chosen from Scores (see TrainOptions.TargetFPR)
	Metrics   Metrics // of Scores at Threshold
}

// CrossValidate splits the examples into opts.Folds folds (at least 2),
// trains on all but one and scores the one left out, for each fold, and
// reports the metrics of the out-of-fold scores.
func CrossValidate(xs Featurized, ys []bool, opts TrainOptions) (CVResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return CVResult{}, err
	}
	if o.Folds < 2 {
		o.Folds = 5
	}
	if h, s := countClasses(ys); h < o.Folds || s < o.Folds {
		return CVResult{}, ErrNoExamples
	}
	return crossValidate(xs, ys, o), nil
}

func crossValidate(xs Featurized, ys []bool, o TrainOptions) CVResult {
	fold := foldOf(len(xs), o.Folds, o.Seed)
	scores := make([]float64, len(xs))
	for k := 0; k < o.Folds; k++ {
		var trX Featurized
		var trY []bool
		for i := range xs {
			if fold[i] != k {
				trX = append(trX, xs[i])
				trY = append(trY, ys[i])
			}
		}
		m := fit(trX, trY, o)
		for i := range xs {
			if fold[i] == k {
				scores[i] = m.scoreSlots(xs[i])
			}
		}
	}
	t := chooseThreshold(scores, ys, o.TargetFPR)
	return CVResult{Options: o, Scores: scores, Labels: ys, Threshold: t, Metrics: Evaluate(scores, ys, t)}
}

// foldOf assigns each of n examples to one of k folds, pseudo-randomly
// and reproducibly.
func foldOf(n, k int, seed uint64) []int {
	fold := make([]int, n)
	for i := range fold {
		fold[i] = int(mix(uint64(i)^seed*0x9e3779b97f4a7c15) % uint64(k))
	}
	return fold
}

// chooseThreshold returns the lowest threshold at which at most
// targetFPR of the ham scores reach it: it lies above the k+1-th highest
// ham score (k = floor(targetFPR * ham)), halfway in log-odds to the next
// higher score, so it is not flush against a training score.
func chooseThreshold(scores []float64, ys []bool, targetFPR float64) float64 {
	var ham []float64
	for i, s := range scores {
		if !ys[i] {
			ham = append(ham, s)
		}
	}
	if len(ham) == 0 {
		return 0.5
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(ham)))
	k := int(math.Floor(targetFPR * float64(len(ham)) * (1 + 1e-9)))
	if k >= len(ham) {
		return 0.5
	}
	lo := ham[k] // the highest ham score that must stay below the threshold
	hi := 1.0
	for _, s := range scores {
		if s > lo && s < hi {
			hi = s
		}
	}
	return sigmoid((logit(lo) + logit(hi)) / 2)
}

// New returns an untrained model of the family in opts: threshold 0.5 (or
// opts.Threshold), logistic weights at the signals' priors. It is where an
// online evaluation starts, the way the TREC spam track's filters did.
func New(opts TrainOptions) (*Model, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Model{family: o.Family, bits: uint8(o.Bits), threshold: 0.5}
	if o.Threshold > 0 && o.Threshold < 1 {
		m.threshold = o.Threshold
	}
	switch o.Family {
	case Bayes:
		m.nb = newBayes(m.bits, o.Bayes)
	default:
		m.lr = newLogistic(m.bits)
		setPriors(m.lr.w, m.bits)
	}
	m.info = Info{Family: o.Family, Options: o.String()}
	m.setBaseVersion()
	return m, nil
}
