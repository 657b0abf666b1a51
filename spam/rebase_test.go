package spam

import (
	"bytes"
	"reflect"
	"testing"
)

// TestRebasedOnTheShippedModel: an account's model learnt from the
// shipped one, saved and read back, is held as the slots it learnt over
// the shipped weights — the same scores and the same Save as when held
// as read — and a model of another origin is left as read.
func TestRebasedOnTheShippedModel(t *testing.T) {
	base := Default()
	learnt := base.Clone()
	ex := fixtures(t)
	for i, e := range append(ex, ex...) {
		learnt.Learn(e.Raw, i%3 == 0)
	}
	read, plain := reload(t, learnt), reload(t, learnt)
	if !read.Rebase(base) {
		t.Fatal("a model learnt from the shipped one was not rebased on it")
	}
	if &read.lr.q[0] != &base.lr.q[0] || len(read.lr.dw) == 0 || len(read.lr.dw) > 5000 {
		t.Errorf("rebased: shares the shipped integers %v, %d slots of its own", &read.lr.q[0] == &base.lr.q[0], len(read.lr.dw))
	}
	for _, e := range ex {
		a, b := plain.Classify(e.Raw), read.Classify(e.Raw)
		if a.Score != b.Score || !reflect.DeepEqual(a.Reasons, b.Reasons) {
			t.Errorf("scores %v as read, %v rebased", a.Score, b.Score)
		}
	}
	if !bytes.Equal(saved(t, read), saved(t, learnt)) {
		t.Error("the rebased model saves differently")
	}
	// It learns on as the model read without rebasing does.
	read.Learn(ex[0].Raw, true)
	plain.Learn(ex[0].Raw, true)
	if a, b := plain.Classify(ex[1].Raw).Score, read.Classify(ex[1].Raw).Score; a != b {
		t.Errorf("after learning on: %v as read, %v rebased", a, b)
	}

	other := reload(t, trainFixtures(t, Logistic))
	q := other.lr.q
	if other.Rebase(base) || &other.lr.q[0] != &q[0] {
		t.Error("a model of another origin was rebased")
	}
}

// A model without learner state (file format 2) rebased on a base
// without one learns on as the model held as read does.
func TestRebasedWithoutStateLearnsOn(t *testing.T) {
	formatTwo := func(b []byte) *Model {
		t.Helper()
		b = bytes.Clone(b)
		b[6] = 2 // format 2: the learner state is not read
		m, err := Load(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	base := formatTwo(saved(t, Default()))
	learnt := base.Clone()
	ex := fixtures(t)
	for _, e := range ex {
		learnt.Learn(e.Raw, e.Spam)
	}
	read, plain := formatTwo(saved(t, learnt)), formatTwo(saved(t, learnt))
	if !read.Rebase(base) {
		t.Fatal("not rebased")
	}
	read.Learn(ex[0].Raw, true)
	plain.Learn(ex[0].Raw, true)
	if a, b := plain.Classify(ex[1].Raw).Score, read.Classify(ex[1].Raw).Score; a != b {
		t.Errorf("after learning on: %v as read, %v rebased", a, b)
	}
}
