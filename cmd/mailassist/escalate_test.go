package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEscalateRate(t *testing.T) {
	out, err := execute(t, "escalate", "rate", "--corpus", "../../escalate/testdata/corpus", "--list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"messages    5", "escalated   1 (20.00%)", "complaint", "ham/00002.eml"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = execute(t, "escalate", "rate", "--corpus", "../../escalate/testdata/corpus", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Messages, Escalated int }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Messages != 5 || rep.Escalated != 1 {
		t.Errorf("json %q: %+v %v", out, rep, err)
	}
	if _, err := execute(t, "escalate", "rate"); err == nil {
		t.Error("rate without --corpus succeeded")
	}
}
