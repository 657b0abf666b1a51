package spam

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixtures returns the labelled messages in testdata (ham-*.eml,
// spam-*.eml).
func fixtures(t testing.TB) []Example {
	t.Helper()
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var ex []Example
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ex = append(ex, Example{Raw: raw, Spam: strings.HasPrefix(filepath.Base(f), "spam-")})
	}
	return ex
}

func trainFixtures(t testing.TB, family Family) *Model {
	t.Helper()
	m, err := Train(fixtures(t), TrainOptions{Family: family, Bits: 18, Folds: 1})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainClassify(t *testing.T) {
	for _, family := range []Family{Logistic, Bayes} {
		t.Run(string(family), func(t *testing.T) {
			m := trainFixtures(t, family)
			if m.Threshold() != 0.5 || m.Family() != family {
				t.Fatalf("threshold %v, family %v", m.Threshold(), m.Family())
			}
			for _, ex := range fixtures(t) {
				r := m.Classify(ex.Raw)
				if r.Spam != ex.Spam {
					t.Errorf("training message (spam %v) scored %v", ex.Spam, r.Score)
				}
				if len(r.Reasons) == 0 || len(r.Reasons) > maxReasons {
					t.Errorf("%d reasons", len(r.Reasons))
				}
				for i := 1; i < len(r.Reasons); i++ {
					if math.Abs(r.Reasons[i].Weight) > math.Abs(r.Reasons[i-1].Weight) {
						t.Errorf("reasons not by weight: %v", r.Reasons)
					}
				}
			}
		})
	}
}

func TestTrainNeedsBothClasses(t *testing.T) {
	ex := fixtures(t)
	var ham []Example
	for _, e := range ex {
		if !e.Spam {
			ham = append(ham, e)
		}
	}
	if _, err := Train(ham, TrainOptions{}); !errors.Is(err, ErrNoExamples) {
		t.Errorf("err = %v, want ErrNoExamples", err)
	}
	if _, err := Train(ex, TrainOptions{Family: "svm"}); err == nil {
		t.Error("unknown family accepted")
	}
}

func TestClassifyAnyBytes(t *testing.T) {
	m := trainFixtures(t, Logistic)
	for _, raw := range [][]byte{nil, {}, []byte("\x00\xff"), []byte("Subject: x"), bytes.Repeat([]byte("spam "), 200000)} {
		r := m.Classify(raw)
		if math.IsNaN(r.Score) || r.Score < 0 || r.Score > 1 {
			t.Errorf("Classify(%.20q) = %v", raw, r.Score)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	for _, family := range []Family{Logistic, Bayes} {
		t.Run(string(family), func(t *testing.T) {
			m := trainFixtures(t, family)
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			saved := buf.Bytes()
			l, err := Load(bytes.NewReader(saved))
			if err != nil {
				t.Fatal(err)
			}
			if l.Version() != m.Version() || l.Threshold() != m.Threshold() || l.Family() != family {
				t.Errorf("loaded %s %v, saved %s %v", l.Version(), l.Threshold(), m.Version(), m.Threshold())
			}
			if !strings.HasPrefix(m.Version(), string(family)+"-") {
				t.Errorf("Version = %q", m.Version())
			}
			for _, ex := range fixtures(t) {
				if a, b := m.Classify(ex.Raw).Score, l.Classify(ex.Raw).Score; a != b {
					t.Errorf("score %v before save, %v after load", a, b)
				}
			}
			var again bytes.Buffer
			if err := l.Save(&again); err != nil || !bytes.Equal(again.Bytes(), saved) {
				t.Errorf("second save differs (%v)", err)
			}
		})
	}
}

func TestLoadRejectsBadData(t *testing.T) {
	m := trainFixtures(t, Logistic)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x55
	future := bytes.Clone(good)
	future[6] = 99
	for name, data := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("NOTAMODEL"),
		"truncated": good[:len(good)/2],
		"corrupt":   flipped,
		"version":   future,
	} {
		if _, err := Load(bytes.NewReader(data)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}

func TestLearn(t *testing.T) {
	for _, family := range []Family{Logistic, Bayes} {
		t.Run(string(family), func(t *testing.T) {
			m := trainFixtures(t, family)
			before := m.Version()
			clone := m.Clone()
			// A ham-looking message the user calls spam.
			raw := []byte("From: Bob Builder <bob@example.com>\nTo: ann@example.net\nSubject: Re: patch for the build\n\n" +
				"Could you try the patch on your box? It checks for dlopen in libc first.\n")
			if m.Classify(raw).Spam {
				t.Fatal("scored spam before learning")
			}
			for i := 0; i < 5 && !m.Classify(raw).Spam; i++ {
				m.Learn(raw, true)
			}
			if !m.Classify(raw).Spam {
				t.Errorf("still ham after learning it as spam: %v", m.Classify(raw).Score)
			}
			if m.Version() == before || !strings.HasPrefix(m.Version(), before+"+") {
				t.Errorf("Version %q after learning (was %q)", m.Version(), before)
			}
			if clone.Classify(raw).Spam || clone.Version() != before {
				t.Error("the clone learned too")
			}
			var buf bytes.Buffer
			if err := m.Save(&buf); err != nil {
				t.Fatal(err)
			}
			l, err := Load(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if l.Version() != m.Version() {
				t.Errorf("Version %q after load, %q before", l.Version(), m.Version())
			}
		})
	}
}

func TestConcurrentClassifyAndLearn(t *testing.T) {
	m := trainFixtures(t, Logistic)
	ex := fixtures(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				e := ex[(g+i)%len(ex)]
				if g == 0 {
					m.Learn(e.Raw, e.Spam)
				} else {
					m.Classify(e.Raw)
				}
			}
		}()
	}
	wg.Wait()
}

func TestDefault(t *testing.T) {
	m := Default()
	if m != Default() {
		t.Error("Default returns different models")
	}
	if m.Family() != Logistic || !strings.HasPrefix(m.Version(), "logistic-") || m.Threshold() <= 0 || m.Threshold() >= 1 {
		t.Errorf("default model %s %s threshold %v", m.Family(), m.Version(), m.Threshold())
	}
	if info := m.Info(); info.Ham < 4000 || info.Spam < 1800 {
		t.Errorf("default model trained on %d ham, %d spam; want the whole corpus", info.Ham, info.Spam)
	}
	ham, _ := os.ReadFile("testdata/ham-list.eml")
	spam, _ := os.ReadFile("testdata/spam-419.eml")
	if h, s := m.Classify(ham), m.Classify(spam); h.Spam || !s.Spam {
		t.Errorf("default model: ham %v, spam %v", h.Score, s.Score)
	}
}

// BenchmarkSave saves the shipped model, as every feedback learnt and
// every bootstrap saves an account's model; it reports the bytes saved.
func BenchmarkSave(b *testing.B) {
	m := Default()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := m.Save(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// BenchmarkLoad reads the shipped model back, as an account's model let
// go (spam.models_memory) is read back at its next use.
func BenchmarkLoad(b *testing.B) {
	var buf bytes.Buffer
	if err := Default().Save(&buf); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	m := Default()
	ex := fixtures(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Classify(ex[i%len(ex)].Raw)
	}
}

// TestLearnerStateIsSaved: the online learner's state (per-slot AdaGrad
// sums) is saved with the model, so a loaded model learns as the one
// saved would; a format 2 file, which has none, still loads.
func TestLearnerStateIsSaved(t *testing.T) {
	m := trainFixtures(t, Logistic)
	if m.lr.g2 == nil {
		t.Fatal("a trained model has no learner state")
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := bytes.Clone(buf.Bytes())
	l, err := Load(bytes.NewReader(saved))
	if err != nil {
		t.Fatal(err)
	}
	// Until it learns, a loaded model keeps the state as read (a byte a
	// weight), not a second table, and saves it as it was.
	if l.lr.g2 != nil || !l.lr.hasState() {
		t.Errorf("loaded: learner table %v, state %v; want the codes only", l.lr.g2 != nil, l.lr.hasState())
	}
	var again bytes.Buffer
	if err := l.Clone().Save(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), saved) {
		t.Error("a loaded model that learnt nothing saves differently")
	}
	raw := []byte("From: Bob Builder <bob@example.com>\nTo: ann@example.net\nSubject: Re: patch for the build\n\n" +
		"Could you try the patch on your box? It checks for dlopen in libc first.\n")
	m.Learn(raw, true)
	l.Learn(raw, true)
	if a, b := m.Classify(raw).Score, l.Classify(raw).Score; a != b {
		t.Errorf("after learning: %v in memory, %v loaded", a, b)
	}

	old := bytes.Clone(saved)
	old[6] = 2 // format 2: the learner state is not read
	o, err := Load(bytes.NewReader(old))
	if err != nil {
		t.Fatalf("format 2: %v", err)
	}
	if o.lr.hasState() {
		t.Error("a format 2 model has learner state")
	}
	if a, b := o.Classify(raw).Score, Default().Classify(raw).Score; a == 0 || b == 0 {
		t.Errorf("scores %v %v", a, b)
	}
}

// TestLearnMovesNewFeaturesMost: learning a message moves the weight of
// a feature the shipped model has much evidence for (the header fields
// every message has) much less than that of a feature it has never seen.
func TestLearnMovesNewFeaturesMost(t *testing.T) {
	m := Default().Clone()
	raw := []byte("From: Bob Builder <bob@example.com>\nTo: ann@example.net\nSubject: Re: patch\nX-Zyxwvut: qwertyuiop asdfghjkl\n\nzyxwvut qwertyuiop\n")
	v := featurizeSlots(raw, m.bits, Context{})
	before := m.lr.clone()
	before.state()
	m.Learn(raw, true)
	known, fresh := -1, -1
	for _, k := range v.slots[:v.sig] { // header features: one scale
		switch {
		case before.g2[k] == 0:
			fresh = int(k)
		case known < 0 || before.g2[k] > before.g2[known]:
			known = int(k)
		}
	}
	if known < 0 || fresh < 0 {
		t.Fatalf("known slot %d, new slot %d", known, fresh)
	}
	dk, df := math.Abs(float64(m.lr.weight(uint32(known))-before.weight(uint32(known)))), math.Abs(float64(m.lr.weight(uint32(fresh))-before.weight(uint32(fresh))))
	if !(dk*2 < df) {
		t.Errorf("the best-known feature (evidence %.3f) moved %.4f, a new one %.4f: want half at most", before.g2[known], dk, df)
	}
}

// BenchmarkClassifyCorpus classifies the messages of a real corpus laid
// out by scripts/spam-corpus.sh, named by MAILASSIST_SPAM_CORPUS (the
// benchmark is skipped without it), with the corpus mailbox's receiving
// domains in MAILASSIST_RECEIVING (scripts/corpus-mailbox.sh):
//
//	. scripts/corpus-mailbox.sh
//	MAILASSIST_SPAM_CORPUS=/tmp/corpus MAILASSIST_RECEIVING=$RECEIVING \
//	  go test -run XXX -bench ClassifyCorpus -benchmem -cpuprofile cpu.out ./spam/
func BenchmarkClassifyCorpus(b *testing.B) {
	dir := os.Getenv("MAILASSIST_SPAM_CORPUS")
	if dir == "" {
		b.Skip("MAILASSIST_SPAM_CORPUS is not set")
	}
	rows, err := LoadCorpus(dir, filepath.Join(dir, "split.tsv"), "test")
	if err != nil {
		b.Fatal(err)
	}
	var c Context
	if r := os.Getenv("MAILASSIST_RECEIVING"); r != "" {
		c.Mailbox = &Mailbox{ReceivingDomains: strings.Split(r, ",")}
	}
	m := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.ClassifyIn(parse(rows[i%len(rows)].Raw), c)
	}
}

// TestLoadedWeightsStayAsRead: a loaded model keeps its weights as the
// file's 16-bit integers, shared by its clones, until it learns, and
// scores to the bit as the model it was saved from.
func TestLoadedWeightsStayAsRead(t *testing.T) {
	m := trainFixtures(t, Logistic)
	l := reload(t, m)
	if l.lr.w != nil || len(l.lr.q) != 1<<m.bits {
		t.Fatalf("loaded: float table %v, %d integers; want only the %d integers", l.lr.w != nil, len(l.lr.q), 1<<m.bits)
	}
	raws := [][]byte{
		[]byte("From: Bob Builder <bob@example.com>\nTo: ann@example.net\nSubject: Re: patch for the build\n\nCould you try the patch on your box?\n"),
		[]byte("From: \"Prize Desk\" <win@lottery.example>\nTo: you@example.net\nSubject: You have WON $1,000,000\n\nClaim your prize now, click here, act fast!\n"),
	}
	for _, raw := range raws {
		a, b := m.Classify(raw), l.Classify(raw)
		if a.Score != b.Score || !reflect.DeepEqual(a.Reasons, b.Reasons) {
			t.Errorf("in memory %v %v, loaded %v %v", a.Score, a.Reasons, b.Score, b.Reasons)
		}
	}
	c := l.Clone()
	if c.lr.w != nil || &c.lr.q[0] != &l.lr.q[0] {
		t.Error("a clone of a loaded model copied its weights")
	}
	// Online learning keeps the slots it moved beside the weights read,
	// and learns as the float tables do, to the bit.
	before := l.Classify(raws[0]).Score
	for i, raw := range append(raws, raws...) {
		c.Learn(raw, i%2 == 1)
		m.Learn(raw, i%2 == 1)
	}
	if c.lr.w != nil || c.lr.g2 != nil || len(c.lr.dw) == 0 || len(c.lr.dw) > 2000 {
		t.Errorf("a loaded model that learnt: float tables %v %v, %d slots learnt; want only the slots learnt",
			c.lr.w != nil, c.lr.g2 != nil, len(c.lr.dw))
	}
	if got := l.Classify(raws[0]).Score; got != before || l.lr.w != nil || l.lr.dw != nil {
		t.Errorf("the clone's learning changed the loaded model: %v -> %v", before, got)
	}
	for _, raw := range raws {
		if a, b := m.Classify(raw), c.Classify(raw); a.Score != b.Score || !reflect.DeepEqual(a.Reasons, b.Reasons) {
			t.Errorf("after learning: %v in memory, %v loaded", a.Score, b.Score)
		}
	}
	if !bytes.Equal(saved(t, m), saved(t, c)) {
		t.Error("the model that learnt beside its weights saves differently from the one that learnt in its tables")
	}
	if c.lr.w != nil || c.lr.g2 != nil {
		t.Error("Save made the float tables")
	}
}

// TestTrainFromKeepsTheLoadedState: training on from a loaded model
// adds to the learner's state as read, as it does from the model in
// memory.
func TestTrainFromKeepsTheLoadedState(t *testing.T) {
	m := trainFixtures(t, Logistic)
	l := reload(t, m)
	raw := []byte("From: Bob Builder <bob@example.com>\nTo: ann@example.net\nSubject: Re: patch\n\nzyxwvut qwertyuiop\n")
	xs := []vector{featurizeSlots(raw, m.bits, Context{})}
	a := trainFrom(m.lr.clone(), xs, []bool{true}, LogisticOptions{}.withDefaults(), 1)
	b := trainFrom(l.lr.clone(), xs, []bool{true}, LogisticOptions{}.withDefaults(), 1)
	if !reflect.DeepEqual(a.w, b.w) || !reflect.DeepEqual(a.g2, b.g2) {
		t.Error("training on from the loaded model differs from training on from the model in memory")
	}
}

// saved returns m as Save writes it.
func saved(t *testing.T, m *Model) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// reload returns m saved and loaded again.
func reload(t *testing.T, m *Model) *Model {
	t.Helper()
	l, err := Load(bytes.NewReader(saved(t, m)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// BenchmarkAccountModel measures what an account's own model costs once
// it learnt its user's feedback: a clone of the shipped model that
// learns n messages (the test fixtures, in turn), its heap after a GC,
// and the slots it learnt. The learner state by slot that all clones
// share is made first, by another clone. With MAILASSIST_SPAM_CORPUS
// (as for BenchmarkClassifyCorpus) it learns the corpus's train rows,
// as varied as a user's feedback, instead of the five fixtures.
//
//	go test -run X -bench AccountModel -benchtime 1x ./spam/
func BenchmarkAccountModel(b *testing.B) {
	base := Default()
	ex := fixtures(b)
	if dir := os.Getenv("MAILASSIST_SPAM_CORPUS"); dir != "" {
		rows, err := LoadCorpus(dir, filepath.Join(dir, "split.tsv"), "train")
		if err != nil {
			b.Fatal(err)
		}
		ex = ex[:0]
		for _, r := range rows {
			ex = append(ex, r.Example)
		}
	}
	base.Clone().Learn(ex[0].Raw, ex[0].Spam)
	for _, n := range []int{10, 100, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				var m *Model
				b.ReportMetric(retainedMB(func() any {
					m = base.Clone()
					for i := range n {
						m.Learn(ex[i%len(ex)].Raw, ex[i%len(ex)].Spam)
					}
					return m
				}), "MB-per-model")
				b.ReportMetric(float64(len(m.lr.dw)), "slots-learnt")
				start := time.Now()
				for i := range 200 {
					m.Classify(ex[i%len(ex)].Raw)
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/200, "µs-per-classify")
			}
		})
	}
	// An account's model that learnt n messages, stored and read back
	// (after a restart): rebased on the shipped one where it can be.
	for _, n := range []int{10, 100, 1000} {
		b.Run("stored-"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				learnt := base.Clone()
				for i := range n {
					learnt.Learn(ex[i%len(ex)].Raw, ex[i%len(ex)].Spam)
				}
				var buf bytes.Buffer
				if err := learnt.Save(&buf); err != nil {
					b.Fatal(err)
				}
				const copies = 10 // the retained size of one is lost in the noise
				rebased := true
				mb := retainedMB(func() any {
					ms := make([]*Model, copies)
					for i := range ms {
						m, err := Load(bytes.NewReader(buf.Bytes()))
						if err != nil {
							b.Fatal(err)
						}
						rebased = m.Rebase(base) && rebased
						ms[i] = m
					}
					return ms
				})
				b.ReportMetric(mb/copies, "MB-per-model")
				b.ReportMetric(map[bool]float64{true: 1}[rebased], "rebased")
				runtime.KeepAlive(&buf)
			}
		})
	}
	// An account bootstrapped from its mailbox: its model trained in
	// bulk (Adapt) on 1,000 of its messages.
	b.Run("adapt-1000", func(b *testing.B) {
		exs := make([]Example, 1000)
		for i := range exs {
			exs[i] = ex[i%len(ex)]
		}
		for b.Loop() {
			b.ReportMetric(retainedMB(func() any {
				m, _, err := Adapt(base, exs, AdaptOptions{})
				if err != nil {
					b.Fatal(err)
				}
				return m
			}), "MB-per-model")
		}
	})
}

// retainedMB returns the heap, in MB, that what make returns keeps
// after a collection.
func retainedMB(make func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := make()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / (1 << 20)
}

// TestTrainedInBulkHeldAsRead: a model trained in bulk and compacted
// (as Adapt leaves an account's model) holds the integers and codes a
// loaded model holds, scores to the bit and saves byte for byte as its
// float tables did, and learns as they would.
func TestTrainedInBulkHeldAsRead(t *testing.T) {
	m := trainFixtures(t, Logistic)
	c := m.Clone()
	c.lr.compact()
	if c.lr.w != nil || c.lr.g2 != nil || len(c.lr.q) != 1<<m.bits || c.lr.g2codes == nil {
		t.Fatalf("compacted: float tables %v %v, %d integers, codes %v", c.lr.w != nil, c.lr.g2 != nil, len(c.lr.q), c.lr.g2codes != nil)
	}
	if !bytes.Equal(saved(t, m), saved(t, c)) {
		t.Error("the compacted model saves differently")
	}
	raw := []byte("From: Bob Builder <bob@example.com>\nTo: ann@example.net\nSubject: Re: patch for the build\n\nCould you try the patch on your box?\n")
	for range 2 {
		if x, y := m.Classify(raw).Score, c.Classify(raw).Score; x != y {
			t.Errorf("scores %v in the tables, %v compacted", x, y)
		}
		m.Learn(raw, true)
		c.Learn(raw, true)
	}

	ex := fixtures(t)
	ad, _, err := Adapt(Default(), ex, AdaptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ad.lr.w != nil || ad.lr.g2 != nil {
		t.Error("an adapted model keeps float tables")
	}
}
