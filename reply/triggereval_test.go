package reply

import (
	"testing"
)

// The corpus holds a personal question that a colleague answered (a true
// positive), the answer (a true negative), a list question answered on the
// list (skipped: a false negative), the list answer, and a personal
// question nobody in the corpus answered (a false positive: the user's own
// replies are not in a corpus of received mail).
func TestEvaluateTrigger(t *testing.T) {
	r, err := EvaluateTrigger("testdata/evalcorpus", TriggerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := Figures{Messages: 5, Positives: 2, Predicted: 2, TP: 1, FP: 1, FN: 1, Precision: 0.5, Recall: 0.5, F1: 0.5}
	if r.All != want {
		t.Errorf("All = %+v\nwant  %+v", r.All, want)
	}
	want = Figures{Messages: 3, Positives: 1, Predicted: 2, TP: 1, FP: 1, FN: 0, Precision: 0.5, Recall: 1, F1: 2.0 / 3}
	if r.NonList != want || r.Addressed != want {
		t.Errorf("NonList = %+v\nAddressed = %+v\nwant %+v", r.NonList, r.Addressed, want)
	}
	if r.ScoreOnly.TP != 2 {
		t.Errorf("ScoreOnly = %+v: the list question expects a reply by its score", r.ScoreOnly)
	}
	if len(r.Skips) != 1 || r.Skips[0] != (SkipCount{Skip: "mailing list (List-Id)", Count: 2}) {
		t.Errorf("Skips = %+v", r.Skips)
	}
	if len(r.Mistakes) != 1 || r.Mistakes[0].File != "ham/00005.eml" || r.Mistakes[0].Kind != "fp" {
		t.Errorf("Mistakes = %+v", r.Mistakes)
	}
	if r.Threshold != DefaultThreshold {
		t.Errorf("Threshold = %v", r.Threshold)
	}
}

func TestEvaluateTriggerNoCorpus(t *testing.T) {
	if _, err := EvaluateTrigger(t.TempDir(), TriggerOptions{}); err == nil {
		t.Error("no error for a directory without ham/")
	}
}
