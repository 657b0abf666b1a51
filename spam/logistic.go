package spam

import (
	"maps"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// logistic is a hashed-feature logistic regression: binary features, each
// hashed to one slot of a weight table. A message's head features and its
// body features are each scaled to unit length, so the log-odds are
// bias + sum(w[head slots])/sqrt(n_head) + sum(w[body slots])/sqrt(n_body).
//
// g2 is the online learner's state: per slot, the AdaGrad sum of squared
// gradients that the weight has seen in training, then in every message
// learnt since. A slot with much evidence moves
// little when one message is learnt, a new one moves fast. nil until the
// model is trained in bulk (a model of file format 2 has no state).
//
// A loaded model (and one compacted after training in bulk) keeps that
// state as it was read, g2codes (a byte per slot with a weight, in slot
// order: a tenth of the table), and its weights as read, q (the file's
// 16-bit integers, a weight being float32(q[k])*qstep): 4 MB at 21 bits
// instead of two float tables of 8 MB, for the same scores to the bit.
// What it learns online is kept beside them, per slot learnt (dw, dg2):
// an account's model that learns from its user's feedback holds the
// slots its messages touched, not tables of its own. Only training in
// bulk (trainFrom) makes the float tables (weights, state).
type logistic struct {
	w       []float32 // nil while the weights are as read (q)
	q       []int16   // never changed once read; shared by clones
	qstep   float32
	bias    float32
	g2      []float32
	g2codes []byte // never changed once read; shared by clones
	// slotCodes is g2codes by slot, made when the model or a clone first
	// needs a slot's state (once for all of them: a thousand accounts'
	// models cloned from the shipped one share it); never changed once
	// made.
	slotCodes *slotCodes
	// dw and dg2 are the weights and learner state of the slots learnt
	// online since the model was read.
	dw, dg2 map[uint32]float32
}

// size is the number of slots.
func (l *logistic) size() int {
	if l.w == nil {
		return len(l.q)
	}
	return len(l.w)
}

// weight returns slot k's weight.
func (l *logistic) weight(k uint32) float32 {
	if l.w != nil {
		return l.w[k]
	}
	if l.dw != nil {
		if w, ok := l.dw[k]; ok {
			return w
		}
	}
	return float32(l.q[k]) * l.qstep
}

// weights returns the weight table, made on first use from the weights
// as read and those learnt since (and the learner's state with them,
// first, while the codes can still be matched to the slots as read).
func (l *logistic) weights() []float32 {
	if l.w == nil {
		l.state()
		w := make([]float32, len(l.q))
		for k := range w {
			w[k] = l.weight(uint32(k))
		}
		l.w, l.q, l.dw = w, nil, nil
	}
	return l.w
}

// hasState reports whether the model has an online learner's state.
func (l *logistic) hasState() bool { return l.g2 != nil || l.g2codes != nil || l.dg2 != nil }

// g2At returns slot k's learner state.
func (l *logistic) g2At(k uint32) float32 {
	if l.g2 != nil {
		return l.g2[k]
	}
	if g, ok := l.dg2[k]; ok {
		return g
	}
	if l.g2codes != nil {
		return g2Value(l.slotCodes.of(l.q, l.g2codes)[k])
	}
	return 0
}

// state returns g2, made on first use from the state as read and that
// learnt since (nil for a model without state).
func (l *logistic) state() []float32 {
	if l.g2 == nil && l.hasState() {
		g2 := make([]float32, l.size())
		for k := range g2 {
			g2[k] = l.g2At(uint32(k))
		}
		l.g2, l.g2codes, l.slotCodes, l.dg2 = g2, nil, nil, nil
	}
	return l.g2
}

// slotCodes holds a loaded model's learner state by slot, made once and
// shared by the model's clones.
type slotCodes struct {
	once sync.Once
	b    []byte
	size atomic.Int64 // len(b) once made, for heldBytes
}

// of returns the codes by slot of the weights q and their codes g2codes,
// made on the first call.
func (s *slotCodes) of(q []int16, g2codes []byte) []byte {
	s.once.Do(func() {
		s.b = codesBySlot(q, g2codes)
		s.size.Store(int64(len(s.b)))
	})
	return s.b
}

// codesBySlot returns the learner state's codes by slot: g2codes are
// those of the non-zero weights as read (q), in order.
func codesBySlot(q []int16, g2codes []byte) []byte {
	codes := make([]byte, len(q))
	i := 0
	for k, w := range q {
		if w != 0 && i < len(g2codes) {
			codes[k] = g2codes[i]
			i++
		}
	}
	return codes
}

// LogisticOptions tune logistic training. Zero fields mean the defaults.
type LogisticOptions struct {
	Epochs    int     // passes over the training set; default 5
	Rate      float64 // AdaGrad base learning rate; default 1
	HamWeight float64 // weight of a ham example's gradient; default 1
	// Average is how many models, trained on differently shuffled
	// orders, are averaged into one (a linear model still, so no slower
	// to apply); default 5.
	Average int
}

func (o LogisticOptions) withDefaults() LogisticOptions {
	if o.Epochs <= 0 {
		o.Epochs = 5
	}
	if o.Rate <= 0 {
		o.Rate = 1
	}
	if o.HamWeight <= 0 {
		o.HamWeight = 1
	}
	if o.Average <= 0 {
		o.Average = 5
	}
	return o
}

func newLogistic(bits uint8) *logistic {
	return &logistic{w: make([]float32, 1<<bits)}
}

func (l *logistic) clone() *logistic {
	c := &logistic{q: l.q, qstep: l.qstep, bias: l.bias, g2codes: l.g2codes, slotCodes: l.slotCodes,
		dw: maps.Clone(l.dw), dg2: maps.Clone(l.dg2)}
	if l.w != nil {
		c.w = append([]float32(nil), l.w...)
	}
	if l.g2 != nil {
		c.g2 = append([]float32(nil), l.g2...)
	}
	return c
}

// scales returns the factors by which a vector's head and body features
// are multiplied: each group is scaled to unit length on its own, so a long
// body does not drown the header features (and vice versa). Signals are
// not scaled.
func scales(v vector) (head, body float64) {
	head, body = 1, 1
	if v.sig > 0 {
		head = 1 / math.Sqrt(float64(v.sig))
	}
	if n := len(v.slots) - v.body; n > 0 {
		body = 1 / math.Sqrt(float64(n))
	}
	return head, body
}

// margin is the log-odds of spam for the features.
func (l *logistic) margin(v vector) float64 {
	switch {
	case l.w == nil && l.dw == nil:
		return l.marginAsRead(v)
	case l.w == nil:
		return l.marginLearnt(v)
	}
	sh, sb := scales(v)
	var head, sig, body float32
	for _, k := range v.slots[:v.sig] {
		head += l.w[k]
	}
	for _, k := range v.slots[v.sig:v.body] {
		sig += l.w[k]
	}
	for _, k := range v.slots[v.body:] {
		body += l.w[k]
	}
	return float64(l.bias) + float64(head)*sh + float64(sig) + float64(body)*sb
}

// marginLearnt is margin over the weights as read and those learnt
// since.
func (l *logistic) marginLearnt(v vector) float64 {
	sh, sb := scales(v)
	var head, sig, body float32
	for _, k := range v.slots[:v.sig] {
		head += l.weight(k)
	}
	for _, k := range v.slots[v.sig:v.body] {
		sig += l.weight(k)
	}
	for _, k := range v.slots[v.body:] {
		body += l.weight(k)
	}
	return float64(l.bias) + float64(head)*sh + float64(sig) + float64(body)*sb
}

// marginAsRead is margin over the weights as read (q): the same sums of
// the same float32 values.
func (l *logistic) marginAsRead(v vector) float64 {
	sh, sb := scales(v)
	q, step := l.q, l.qstep
	var head, sig, body float32
	for _, k := range v.slots[:v.sig] {
		head += float32(q[k]) * step
	}
	for _, k := range v.slots[v.sig:v.body] {
		sig += float32(q[k]) * step
	}
	for _, k := range v.slots[v.body:] {
		body += float32(q[k]) * step
	}
	return float64(l.bias) + float64(head)*sh + float64(sig) + float64(body)*sb
}

// scaleOf returns the factor of feature j of v.
func scaleOf(v vector, j int, sh, sb float64) float64 {
	switch {
	case j < v.sig:
		return sh
	case j < v.body:
		return 1
	}
	return sb
}

// score returns the spam probability and offers each feature's
// contribution to top (when not nil).
func (l *logistic) score(v vector, top *topReasons) float64 {
	m := l.margin(v) // a tight loop of loads first; the table is large
	if top != nil {
		sh, sb := scales(v)
		l.offer(top, v.slots, 0, v.sig, sh)
		l.offer(top, v.slots, v.sig, v.body, 1)
		l.offer(top, v.slots, v.body, len(v.slots), sb)
	}
	return sigmoid(m)
}

// offer offers top the contributions of the features slots[from:to],
// whose factor is scale (see scaleOf).
func (l *logistic) offer(top *topReasons, slots []uint32, from, to int, scale float64) {
	for i := from; i < to; i++ {
		w := l.weight(slots[i])
		if w == 0 {
			continue
		}
		c := float64(w) * scale
		if top.n == maxReasons && math.Abs(c) <= math.Abs(top.w[maxReasons-1]) {
			continue // offer would not take it: spare the call
		}
		top.offer(i, c)
	}
}

// trainLogistic fits weights to the examples (feature slots per message)
// with AdaGrad stochastic gradient descent on the log loss.
func trainLogistic(xs []vector, ys []bool, bits uint8, o LogisticOptions, seed uint64) *logistic {
	o = o.withDefaults()
	l := trainOne(xs, ys, bits, o, seed)
	for k := 1; k < o.Average; k++ {
		m := trainOne(xs, ys, bits, o, seed+uint64(k)*0x9e3779b9)
		for i, w := range m.w {
			l.w[i] += w
			l.g2[i] += m.g2[i]
		}
		l.bias += m.bias
	}
	if o.Average > 1 {
		inv := 1 / float32(o.Average)
		for i := range l.w {
			l.w[i] *= inv
			l.g2[i] *= inv
		}
		l.bias *= inv
	}
	return l
}

func trainOne(xs []vector, ys []bool, bits uint8, o LogisticOptions, seed uint64) *logistic {
	l := newLogistic(bits)
	setPriors(l.w, bits)
	return trainFrom(l, xs, ys, o, seed)
}

// trainFrom continues training l (in place) on the examples, with
// AdaGrad sums of its own (the learner's state l.g2 does not slow it),
// which are then added to l.g2: online learning continues where training
// stopped.
func trainFrom(l *logistic, xs []vector, ys []bool, o LogisticOptions, seed uint64) *logistic {
	w := l.weights()
	g2 := make([]float32, len(w)) // AdaGrad sums of squared gradients
	var biasG2 float64
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	for epoch := 0; epoch < o.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := xs[i]
			p := sigmoid(l.margin(x))
			g := p
			if ys[i] {
				g = p - 1
			} else {
				g *= o.HamWeight
			}
			if g == 0 {
				continue
			}
			sh, sb := scales(x)
			for j, k := range x.slots {
				gs := g * scaleOf(x, j, sh, sb)
				g2[k] += float32(gs * gs)
				w[k] -= float32(o.Rate * gs / math.Sqrt(float64(g2[k])+1e-8))
			}
			biasG2 += g * g
			l.bias -= float32(o.Rate * g / math.Sqrt(biasG2+1e-8))
		}
	}
	if l.g2 == nil {
		l.g2 = make([]float32, len(w))
	}
	for k, s := range g2 {
		l.g2[k] += s
	}
	return l
}

// onlineRate is the AdaGrad learning rate of online learning: the batch
// trainer's default.
const onlineRate = 1.0

// learn learns one labelled message the way the trainer does, one
// AdaGrad step on its log loss — every message learnt moves the model,
// its new features most — and then more steps while the message is not
// at least 1 past the threshold's log-odds on the right side (train on
// error, with a margin; at most 20 steps in all).
func (l *logistic) learn(v vector, spam bool, thresholdLogit float64) {
	const steps, want = 20, 1.0
	if l.w == nil {
		// As read: learn beside the weights read, slot by slot.
		if l.dw == nil {
			l.dw = map[uint32]float32{}
		}
		if l.dg2 == nil {
			l.dg2 = map[uint32]float32{}
		}
	} else if l.state() == nil {
		l.g2 = make([]float32, len(l.w))
	}
	sh, sb := scales(v)
	for step := 0; step < steps; step++ {
		m := l.margin(v)
		if step > 0 && (spam && m >= thresholdLogit+want || !spam && m <= thresholdLogit-want) {
			return
		}
		g := sigmoid(m) // gradient of the log loss
		if spam {
			g--
		}
		if g == 0 {
			return
		}
		for j, k := range v.slots {
			gs := g * scaleOf(v, j, sh, sb)
			if l.w == nil {
				g2 := l.g2At(k) + float32(gs*gs)
				l.dg2[k] = g2
				l.dw[k] = l.weight(k) - float32(onlineRate*gs/math.Sqrt(float64(g2)+1e-8))
				continue
			}
			l.g2[k] += float32(gs * gs)
			l.w[k] -= float32(onlineRate * gs / math.Sqrt(float64(l.g2[k])+1e-8))
		}
	}
}
