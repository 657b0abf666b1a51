package hardness

import "testing"

func TestEveryReasonIsDescribed(t *testing.T) {
	for _, name := range append(ReasonNames, ReasonListMail, ReasonSpamLike) {
		if _, ok := reasonNames[name]; !ok {
			t.Errorf("reason %s has no description", name)
		}
	}
	if got := Describe(ReasonRulePrefix + "contracts"); got != `your rule "contracts"` {
		t.Errorf("rule: %q", got)
	}
}
