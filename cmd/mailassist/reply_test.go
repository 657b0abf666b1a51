package main

import (
	"encoding/json"
	"strings"
	"testing"

	"mailassist/reply"
)

func TestReplyTriggerEval(t *testing.T) {
	out, err := execute(t, "reply", "trigger-eval", "--corpus", "../../reply/testdata/evalcorpus")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"all               5         2         2", "non-list", "mailing list (List-Id)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = execute(t, "reply", "trigger-eval", "--corpus", "../../reply/testdata/evalcorpus", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r reply.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.All.TP != 1 {
		t.Errorf("JSON report %+v, %v", r.All, err)
	}
}
