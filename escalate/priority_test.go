package escalate

import (
	"testing"

	"mailassist/bus"
	"mailassist/hardness"
)

func TestPriorityOf(t *testing.T) {
	of := func(score float64, names ...string) hardness.Assessment {
		a := hardness.Assessment{Score: score}
		for _, n := range names {
			a.Reasons = append(a.Reasons, hardness.Reason{Name: n, Weight: 0.3})
		}
		return a
	}
	for _, tc := range []struct {
		name string
		a    hardness.Assessment
		want bus.Priority
	}{
		{"refund under legal threat", of(0.7, hardness.ReasonComplaint, hardness.ReasonLegal, hardness.ReasonMoney), bus.PriorityUrgent},
		{"urgent complaint", of(0.6, hardness.ReasonUrgent, hardness.ReasonComplaint), bus.PriorityUrgent},
		{"legal alone", of(0.55, hardness.ReasonLegal, hardness.ReasonThreadLength), bus.PriorityHigh},
		{"vip", of(0.6, hardness.ReasonVIP), bus.PriorityHigh},
		{"complaint about money", of(0.55, hardness.ReasonComplaint, hardness.ReasonMoney), bus.PriorityHigh},
		{"high score", of(0.8, hardness.ReasonComplaint, hardness.ReasonNegativeTone), bus.PriorityHigh},
		{"angry complaint", of(0.55, hardness.ReasonComplaint, hardness.ReasonNegativeTone), bus.PriorityNormal},
		{"long multi-party thread", of(0.51, hardness.ReasonThreadLength, hardness.ReasonParticipants), bus.PriorityLow},
	} {
		if got := PriorityOf(tc.a); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := atLeast(bus.PriorityLow, bus.PriorityHigh); got != bus.PriorityHigh {
		t.Errorf("the model's low under a high floor: %s", got)
	}
	if got := atLeast(bus.PriorityUrgent, bus.PriorityNormal); got != bus.PriorityUrgent {
		t.Errorf("the model's urgent over a normal floor: %s", got)
	}
}
