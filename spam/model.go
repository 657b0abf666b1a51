// Package spam is the in-process spam classifier: a tokenizer of parsed
// mail into hashed features, two model families (online logistic
// regression and Robinson–Fisher naive Bayes), training with a threshold
// chosen by cross-validation, a compact versioned file format, the shipped
// default model and online learning from user feedback.
package spam

import (
	"fmt"
	"mailassist/mailmsg"
	"math"
	"sync"
)

// Family names a model family.
type Family string

const (
	// Logistic is hashed-feature logistic regression trained online
	// (AdaGrad SGD); the default.
	Logistic Family = "logistic"
	// Bayes is Robinson–Fisher naive Bayes as in bogofilter.
	Bayes Family = "bayes"
)

// Result is the verdict on one message.
type Result struct {
	// Score is the spam probability estimate in [0, 1].
	Score float64
	// Spam is Score >= the model's threshold.
	Spam bool
	// Reasons are the features that weighed most, largest |Weight| first:
	// positive weights push toward spam, negative toward ham.
	Reasons []Reason
	// Signals are every signal the message fired (sender authentication,
	// phishing structure: "sig:phish-link-mismatch"), with its weight, in
	// the order found.
	Signals []Reason
	// Auth is the message's sender authentication as far as it is known.
	Auth Auth
}

// Reason is one feature of a message and its weight in the verdict.
type Reason struct {
	// Feature is the feature's name: a prefix saying where it came from
	// ("s:" subject word, "b:" body word, "u:" URL host, "hn:" header
	// name, ...; see the package's docs/spam.md) and the token.
	Feature string
	// Weight is the feature's contribution to the log-odds of spam.
	Weight float64
}

// maxReasons is how many reasons a Result carries.
const maxReasons = 5

// Model is a trained classifier.
//
// Concurrency: Classify, Threshold, Version and Save may be called from any
// number of goroutines, also while another goroutine calls Learn or
// SetThreshold: the model holds a read-write lock, taken for reading by
// Classify and for writing by Learn. Learn is cheap (microseconds) but
// serializes with Classify; a caller that learns in bulk can Clone, learn
// on the clone and swap it in instead.
type Model struct {
	mu        sync.RWMutex
	family    Family
	bits      uint8   // table size: 1<<bits slots
	threshold float64 // Spam when Score >= threshold
	version   string
	baseVer   string // version before any Learn
	learned   uint64 // messages learned since baseVer
	learnHash uint64 // running hash of what was learned
	info      Info
	trainedOn []uint32 // fingerprints of the training messages, sorted (fingerprint.go)

	lr *logistic
	nb *bayes
}

// Info describes how a model was made.
type Info struct {
	Family    Family
	Ham, Spam int    // training messages of each class
	Options   string // the training options, as text
}

// Family returns the model's family.
func (m *Model) Family() Family { return m.family }

// Info returns how the model was made.
func (m *Model) Info() Info {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.info
}

// Threshold returns the score at or above which a message is spam.
func (m *Model) Threshold() float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.threshold
}

// SetThreshold changes the decision threshold (e.g. from an account's
// config). It does not change Version.
func (m *Model) SetThreshold(t float64) {
	m.mu.Lock()
	m.threshold = t
	m.mu.Unlock()
}

// Version identifies the model's content: the family and a hash of the
// trained weights, then "+N.HASH" after N learned messages. It is kept by
// Save and Load.
func (m *Model) Version() string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.version
}

// Classify scores a raw RFC 5322 message. It never fails: any bytes give a
// verdict. It is safe for concurrent use.
func (m *Model) Classify(raw []byte) Result {
	return m.ClassifyIn(parse(raw), Context{})
}

// ClassifyMessage is Classify for a message already parsed.
func (m *Model) ClassifyMessage(msg *mailmsg.Message) Result {
	return m.ClassifyIn(msg, Context{})
}

// ClassifyIn is ClassifyMessage with what the caller knows of the
// mailbox the message was delivered to and of its DKIM signatures.
func (m *Model) ClassifyIn(msg *mailmsg.Message, c Context) Result {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.env = c
	f.extract(msg)
	return m.classifyFeatures(f)
}

func (m *Model) classifyFeatures(f *featurizer) Result {
	var top topReasons
	m.mu.RLock()
	v := f.vector(m.bits)
	var score float64
	switch m.family {
	case Bayes:
		score = m.nb.score(v, &top)
	default:
		score = m.lr.score(v, &top)
	}
	// The reasons and the signals share one allocation.
	var reasons, sigs []Reason
	if n := top.n + v.body - v.sig; n > 0 {
		all := make([]Reason, n)
		reasons, sigs = all[:top.n:top.n], all[top.n:]
	}
	if len(reasons) == 0 {
		reasons = nil
	}
	if len(sigs) == 0 {
		sigs = nil
	}
	for k := range reasons {
		reasons[k].Weight = top.w[k]
	}
	for i := range sigs {
		if m.lr != nil {
			sigs[i].Weight = float64(m.lr.weight(v.slots[v.sig+i]))
		}
	}
	threshold := m.threshold
	m.mu.RUnlock()
	// The names, in one string: the reasons' then the signals'.
	names := f.names[:0]
	ends := f.nameEnds[:0]
	for k := range reasons {
		names = f.appendName(names, top.idx[k])
		ends = append(ends, len(names))
	}
	for i := range sigs {
		names = f.appendName(names, v.sig+i)
		ends = append(ends, len(names))
	}
	all, start := string(names), 0
	for k, end := range ends {
		if k < len(reasons) {
			reasons[k].Feature = all[start:end]
		} else {
			sigs[k-len(reasons)].Feature = all[start:end]
		}
		start = end
	}
	f.names, f.nameEnds = names, ends
	return Result{Score: score, Spam: score >= threshold, Reasons: reasons, Signals: sigs, Auth: f.auth}
}

// Learn updates the model with a labelled message: the user's own verdict
// (spam true: moved to Junk; false: moved out of it). Logistic models take
// gradient steps on the message until it is on the right side of the
// threshold with a margin; Bayes models add its tokens to their counts.
// Learn is safe to call concurrently with Classify.
func (m *Model) Learn(raw []byte, spam bool) {
	m.LearnIn(raw, spam, Context{})
}

// LearnIn is Learn with what the caller knows of the message's mailbox
// (see ClassifyIn).
func (m *Model) LearnIn(raw []byte, spam bool, c Context) {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.env = c
	f.extract(parse(raw))
	m.mu.Lock()
	defer m.mu.Unlock()
	v := f.vector(m.bits)
	switch m.family {
	case Bayes:
		m.nb.add(v, spam)
	default:
		m.lr.learn(v, spam, logit(m.threshold))
	}
	if spam {
		m.info.Spam++
	} else {
		m.info.Ham++
	}
	m.learned++
	m.addFingerprint(raw)
	label := uint64(0)
	if spam {
		label = 1
	}
	m.learnHash = mix(m.learnHash ^ hashBytes(fnvOffset, raw) ^ label)
	m.version = fmt.Sprintf("%s+%d.%08x", m.baseVer, m.learned, uint32(m.learnHash))
}

// Clone returns an independent copy of the model.
func (m *Model) Clone() *Model {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := &Model{
		family: m.family, bits: m.bits, threshold: m.threshold,
		version: m.version, baseVer: m.baseVer, learned: m.learned,
		learnHash: m.learnHash, info: m.info, trainedOn: append([]uint32(nil), m.trainedOn...),
	}
	if m.lr != nil {
		c.lr = m.lr.clone()
	}
	if m.nb != nil {
		c.nb = m.nb.clone()
	}
	return c
}

// topReasons keeps the features with the largest |weight|.
type topReasons struct {
	n   int
	idx [maxReasons]int
	w   [maxReasons]float64
}

func (t *topReasons) offer(i int, w float64) {
	a := math.Abs(w)
	if t.n == maxReasons && a <= math.Abs(t.w[t.n-1]) {
		return
	}
	j := t.n
	if j == maxReasons {
		j--
	} else {
		t.n++
	}
	for j > 0 && math.Abs(t.w[j-1]) < a {
		t.idx[j], t.w[j] = t.idx[j-1], t.w[j-1]
		j--
	}
	t.idx[j], t.w[j] = i, w
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func logit(p float64) float64 {
	p = math.Min(math.Max(p, 1e-12), 1-1e-12)
	return math.Log(p / (1 - p))
}

// slot maps a feature hash to a table index.
func slot(h uint64, bits uint8) uint32 { return uint32(h >> (64 - bits)) }
