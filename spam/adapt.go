package spam

import "fmt"

// AdaptOptions tune Adapt. Zero fields mean the defaults.
type AdaptOptions struct {
	// Epochs over the account's messages; default 3.
	Epochs int
	// Rate is the AdaGrad learning rate; default 0.5.
	Rate float64
	// TargetFPR is the out-of-fold false-positive rate the threshold aims
	// at on the account's own ham; default 0.001.
	TargetFPR float64
	// Floor bounds the chosen threshold from below; default 0.5.
	Floor float64
	// MinHam and MinSpam are the labelled messages needed before the
	// threshold is chosen from them (until then the base's stands);
	// default 50 and 20.
	MinHam, MinSpam int
	Folds           int // cross-validation folds for the threshold; default 5
	Seed            uint64
	Context         Context
}

func (o AdaptOptions) withDefaults() AdaptOptions {
	if o.Epochs <= 0 {
		o.Epochs = 3
	}
	if o.Rate <= 0 {
		o.Rate = 0.5
	}
	if o.TargetFPR <= 0 {
		o.TargetFPR = 0.001
	}
	if o.Floor <= 0 {
		o.Floor = 0.5
	}
	if o.MinHam <= 0 {
		o.MinHam = 50
	}
	if o.MinSpam <= 0 {
		o.MinSpam = 20
	}
	if o.Folds < 2 {
		o.Folds = 5
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Adaptation says what Adapt did.
type Adaptation struct {
	Ham, Spam int
	// Threshold is the new threshold; Chosen says whether it came from
	// the account's own mail (else the base's stands).
	Threshold float64
	Chosen    bool
	// OutOfFold are the figures of the account's messages scored by
	// models that did not learn them, at Threshold (when Chosen).
	OutOfFold Metrics
}

// Adapt returns a copy of base that has learnt an account's own labelled
// mail: the base model is the prior — training continues from its
// weights, so a few messages move it a little and many take over — and
// the threshold is chosen again from the account's messages, scored out
// of fold, as the lowest cut whose false-positive rate is at most
// TargetFPR, never below Floor. base is not changed.
func Adapt(base *Model, examples []Example, opts AdaptOptions) (*Model, Adaptation, error) {
	o := opts.withDefaults()
	var ad Adaptation
	if len(examples) == 0 {
		return base.Clone(), ad, nil
	}
	base.mu.RLock()
	bits := base.bits
	base.mu.RUnlock()
	xs := make(Featurized, len(examples))
	ys := make([]bool, len(examples))
	for i, ex := range examples {
		xs[i] = featurizeSlots(ex.Raw, bits, o.Context)
		ys[i] = ex.Spam
	}
	ad.Ham, ad.Spam = countClasses(ys)
	m := base.Clone()
	lo := LogisticOptions{Epochs: o.Epochs, Rate: o.Rate}.withDefaults()
	fit := func(dst *Model, xs Featurized, ys []bool) {
		switch dst.family {
		case Bayes:
			for i, x := range xs {
				dst.nb.add(x, ys[i])
			}
		default:
			trainFrom(dst.lr, xs, ys, lo, o.Seed)
		}
	}
	if ad.Ham >= o.MinHam && ad.Spam >= o.MinSpam {
		fold := foldOf(len(xs), o.Folds, o.Seed)
		scores := make([]float64, len(xs))
		for k := 0; k < o.Folds; k++ {
			var trX Featurized
			var trY []bool
			for i := range xs {
				if fold[i] != k {
					trX, trY = append(trX, xs[i]), append(trY, ys[i])
				}
			}
			mk := base.Clone()
			fit(mk, trX, trY)
			for i := range xs {
				if fold[i] == k {
					scores[i] = mk.scoreSlots(xs[i])
				}
			}
		}
		ad.Threshold = max(chooseThreshold(scores, ys, o.TargetFPR), o.Floor)
		ad.Chosen = true
		ad.OutOfFold = Evaluate(scores, ys, ad.Threshold)
	}
	fit(m, xs, ys)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lr != nil {
		m.lr.roundTrip()
		m.lr.compact() // an account's model: as a loaded one holds it
	}
	if ad.Chosen {
		m.threshold = ad.Threshold
	} else {
		ad.Threshold = m.threshold
	}
	for _, ex := range examples {
		m.addFingerprint(ex.Raw)
	}
	m.info.Ham += ad.Ham
	m.info.Spam += ad.Spam
	m.learned += uint64(len(examples))
	m.learnHash = mix(m.learnHash ^ uint64(fingerprintsHash(examples)))
	m.version = fmt.Sprintf("%s+%d.%08x", m.baseVer, m.learned, uint32(m.learnHash))
	return m, ad, nil
}

func fingerprintsHash(examples []Example) uint64 {
	h := uint64(fnvOffset)
	for _, ex := range examples {
		h = mix(h ^ uint64(fingerprint(ex.Raw)))
		if ex.Spam {
			h = mix(h ^ 1)
		}
	}
	return h
}
