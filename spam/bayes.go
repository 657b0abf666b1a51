package spam

import "math"

// bayes is Robinson–Fisher naive Bayes as in bogofilter: per feature, the
// number of ham and spam training messages that had it; a message's score
// combines the Robinson-smoothed spam probabilities f(w) of its
// significant features with Fisher's inverse chi-square method.
type bayes struct {
	ham, spam   []uint32 // messages with the feature, per class
	nHam, nSpam uint32   // training messages per class
	o           BayesOptions
}

// BayesOptions are the Robinson–Fisher parameters; zero fields mean
// bogofilter's defaults.
type BayesOptions struct {
	S      float64 // strength of the prior (robs); default 0.0178
	X      float64 // prior probability of an unknown feature (robx); default 0.52
	MinDev float64 // features with |f(w)-0.5| below this are ignored; default 0.375, negative for none
}

func (o BayesOptions) withDefaults() BayesOptions {
	if o.S <= 0 {
		o.S = 0.0178
	}
	if o.X <= 0 {
		o.X = 0.52
	}
	switch {
	case o.MinDev == 0 || o.MinDev >= 0.5:
		o.MinDev = 0.375
	case o.MinDev < 0: // use every feature
		o.MinDev = 0
	}
	return o
}

func newBayes(bits uint8, o BayesOptions) *bayes {
	return &bayes{ham: make([]uint32, 1<<bits), spam: make([]uint32, 1<<bits), o: o.withDefaults()}
}

func (b *bayes) clone() *bayes {
	c := &bayes{ham: make([]uint32, len(b.ham)), spam: make([]uint32, len(b.spam)),
		nHam: b.nHam, nSpam: b.nSpam, o: b.o}
	copy(c.ham, b.ham)
	copy(c.spam, b.spam)
	return c
}

// add counts one message's features.
func (b *bayes) add(v vector, spam bool) {
	counts := b.ham
	if spam {
		counts, b.nSpam = b.spam, b.nSpam+1
	} else {
		b.nHam++
	}
	for _, k := range v.slots {
		if counts[k] < math.MaxUint32 {
			counts[k]++
		}
	}
}

// f returns the Robinson-smoothed spam probability of a feature seen in g
// ham and s spam messages.
func (b *bayes) f(g, s uint32) float64 {
	n := float64(g) + float64(s)
	if n == 0 {
		return b.o.X
	}
	bad := float64(s) / math.Max(float64(b.nSpam), 1)
	good := float64(g) / math.Max(float64(b.nHam), 1)
	p := bad / (bad + good)
	return (b.o.S*b.o.X + n*p) / (b.o.S + n)
}

// score returns the Fisher-combined spam score in [0, 1].
func (b *bayes) score(v vector, top *topReasons) float64 {
	var lnP, lnQ float64 // sums of ln f and ln(1-f)
	n := 0
	for i, k := range v.slots {
		g, s := b.ham[k], b.spam[k]
		if g == 0 && s == 0 {
			continue
		}
		fw := b.f(g, s)
		if math.Abs(fw-0.5) < b.o.MinDev {
			continue
		}
		fw = math.Min(math.Max(fw, 1e-6), 1-1e-6)
		lnP += math.Log(fw)
		lnQ += math.Log1p(-fw)
		n++
		if top != nil {
			top.offer(i, math.Log(fw/(1-fw)))
		}
	}
	if n == 0 {
		return b.o.X
	}
	hamminess := chi2Q(-2*lnP, 2*n)  // small when the features are spammy
	spamminess := chi2Q(-2*lnQ, 2*n) // small when the features are hammy
	return (1 + hamminess - spamminess) / 2
}

// chi2Q is the probability that a chi-square variable with v (even)
// degrees of freedom exceeds x2.
func chi2Q(x2 float64, v int) float64 {
	m := x2 / 2
	// sum_{i<v/2} e^-m m^i / i!, in logs to survive large m
	lnTerm := -m
	sum := math.Exp(lnTerm)
	lnM := math.Log(math.Max(m, 1e-300))
	for i := 1; i < v/2; i++ {
		lnTerm += lnM - math.Log(float64(i))
		sum += math.Exp(lnTerm)
	}
	return math.Min(sum, 1)
}
