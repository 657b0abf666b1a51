package spam

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestAUC(t *testing.T) {
	for _, tc := range []struct {
		scores []float64
		spam   []bool
		want   float64
	}{
		{[]float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{[]float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{[]float64{0.5, 0.5}, []bool{false, true}, 0.5},                          // a tie counts half
		{[]float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75}, // one of four pairs wrong
		{[]float64{0.1, 0.2}, []bool{false, false}, 0},                           // no spam
	} {
		if got := AUC(tc.scores, tc.spam); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("AUC(%v, %v) = %v, want %v", tc.scores, tc.spam, got, tc.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	scores := []float64{0.1, 0.6, 0.3, 0.9, 0.7, 0.2}
	spam := []bool{false, false, true, true, true, false}
	m := Evaluate(scores, spam, 0.5)
	want := Metrics{Messages: 6, Ham: 3, Spam: 3, TP: 2, FP: 1, TN: 2, FN: 1, Threshold: 0.5}
	if m.Messages != want.Messages || m.Ham != want.Ham || m.Spam != want.Spam || m.TP != want.TP ||
		m.FP != want.FP || m.TN != want.TN || m.FN != want.FN {
		t.Errorf("Evaluate = %+v", m)
	}
	if math.Abs(m.Precision-2.0/3) > 1e-12 || math.Abs(m.Recall-2.0/3) > 1e-12 ||
		math.Abs(m.F1-2.0/3) > 1e-12 || math.Abs(m.FPR-1.0/3) > 1e-12 {
		t.Errorf("rates = %+v", m)
	}
	if got := RecallAtFP(scores, spam, 0); math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("RecallAtFP(0) = %v", got)
	}
	if got := RecallAtFP(scores, spam, 1); got != 1 {
		t.Errorf("RecallAtFP(1) = %v", got)
	}
}

func TestChooseThreshold(t *testing.T) {
	// 1000 ham below 0.5 and one at 0.95, spam from 0.9 up: with a target
	// FPR of 0.1% the one high ham may be passed, so the cut lies between
	// the highest other ham and the lowest spam.
	var scores []float64
	var spam []bool
	for i := 0; i < 1000; i++ {
		scores = append(scores, 0.4*float64(i)/1000)
		spam = append(spam, false)
	}
	scores, spam = append(scores, 0.95), append(spam, false)
	for _, s := range []float64{0.9, 0.97, 0.99} {
		scores, spam = append(scores, s), append(spam, true)
	}
	got := chooseThreshold(scores, spam, 0.001)
	if got <= 0.4 || got >= 0.9 {
		t.Errorf("threshold %v, want between 0.4 and 0.9", got)
	}
	if got := chooseThreshold(scores, spam, 0.0001); got <= 0.95 || got >= 0.97 {
		t.Errorf("strict threshold %v, want between 0.95 and 0.97", got)
	}
}

func TestLoadCorpus(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"ham/1.eml", "ham/2.eml", "spam/1.eml"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("Subject: "+f+"\n\nbody"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	all, err := LoadCorpus(dir, "", "")
	if err != nil || len(all) != 3 || all[2].Path != "spam/1.eml" || !all[2].Spam || all[0].Spam {
		t.Fatalf("LoadCorpus = %+v, %v", all, err)
	}
	split := filepath.Join(dir, "split.tsv")
	os.WriteFile(split, []byte("path\tlabel\tsplit\nham/1.eml\tham\ttrain\nham/2.eml\tham\ttest\nspam/1.eml\tspam\ttrain\n"), 0o644)
	train, err := LoadCorpus(dir, split, "train")
	if err != nil || len(train) != 2 || train[1].Path != "spam/1.eml" || string(train[0].Raw) != "Subject: ham/1.eml\n\nbody" {
		t.Fatalf("train rows = %+v, %v", train, err)
	}
	os.WriteFile(split, []byte("ham/1.eml\tmaybe\ttrain\n"), 0o644)
	if _, err := LoadCorpus(dir, split, "train"); err == nil {
		t.Error("bad label accepted")
	}
}
