package escalate

import (
	"mailassist/hardness"
	"path/filepath"
	"testing"
)

func TestEscalationRate(t *testing.T) {
	rep, err := EscalationRate(filepath.Join("testdata", "corpus"), hardness.DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Messages != 5 || rep.Escalated != 1 || rep.InThread != 1 || rep.Rate != 0.2 {
		t.Fatalf("report %+v; want 5 messages, 1 escalated, 1 in a thread", rep)
	}
	if len(rep.Escalations) != 1 || rep.Escalations[0].Path != "ham/00002.eml" {
		t.Errorf("escalations %+v, want ham/00002.eml", rep.Escalations)
	}
	counts := map[string]ReasonCount{}
	for _, r := range rep.Reasons {
		counts[r.Name] = r
	}
	// The complaint fired twice, but the newsletter's was discounted.
	if c := counts[hardness.ReasonComplaint]; c.Fired != 2 || c.Escalated != 1 {
		t.Errorf("complaint counted %+v, want fired 2, escalated 1", c)
	}
	if c := counts[hardness.ReasonListMail]; c.Fired != 1 || c.Escalated != 0 {
		t.Errorf("list_mail counted %+v", c)
	}
	if rep.Reasons[0].Escalated < rep.Reasons[len(rep.Reasons)-1].Escalated {
		t.Errorf("reasons not sorted: %+v", rep.Reasons)
	}
}

func TestEscalationRateErrors(t *testing.T) {
	if _, err := EscalationRate(t.TempDir(), hardness.DefaultScoreConfig()); err == nil {
		t.Error("no error for a corpus without ham/")
	}
	bad := hardness.DefaultScoreConfig()
	bad.Threshold = 2
	if _, err := EscalationRate(filepath.Join("testdata", "corpus"), bad); err == nil {
		t.Error("no error for a bad config")
	}
}
