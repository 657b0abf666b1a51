package escalate

import (
	"slices"

	"mailassist/bus"
	"mailassist/hardness"
)

// HighScore is the score from which a thread is at least high priority.
const HighScore = 0.75

// priorities, lowest first, for comparing.
var priorityOrder = []bus.Priority{bus.PriorityLow, bus.PriorityNormal, bus.PriorityHigh, bus.PriorityUrgent}

// PriorityOf says how soon the thread needs its user, from why it is hard:
//
//   - urgent: urgency together with legal language, a complaint or a VIP;
//     or legal language, money and a complaint together (a refund under
//     threat of lawyers);
//   - high: legal language, a VIP sender or urgency; a complaint about
//     money; or a score of at least HighScore;
//   - low: only the thread's shape (long, many participants, a long
//     message) and no content reason;
//   - normal otherwise.
func PriorityOf(a hardness.Assessment) bus.Priority {
	names := a.Names()
	has := func(n string) bool { return slices.Contains(names, n) }
	legal, complaint, money := has(hardness.ReasonLegal), has(hardness.ReasonComplaint), has(hardness.ReasonMoney)
	vip, urgent := has(hardness.ReasonVIP), has(hardness.ReasonUrgent)
	switch {
	case urgent && (legal || complaint || vip), legal && money && complaint:
		return bus.PriorityUrgent
	case legal || vip || urgent || complaint && money || a.Score >= HighScore:
		return bus.PriorityHigh
	case onlyShape(names):
		return bus.PriorityLow
	}
	return bus.PriorityNormal
}

// onlyShape reports whether every reason that counted is about the
// thread's shape rather than what it says.
func onlyShape(names []string) bool {
	shape := []string{hardness.ReasonThreadLength, hardness.ReasonParticipants, hardness.ReasonLongMessage,
		hardness.ReasonListMail, hardness.ReasonSpamLike}
	for _, n := range names {
		if !slices.Contains(shape, n) {
			return false
		}
	}
	return len(names) > 0
}

// atLeast returns the higher of two priorities; an unknown one counts as
// normal.
func atLeast(p, floor bus.Priority) bus.Priority {
	rank := func(x bus.Priority) int {
		if i := slices.Index(priorityOrder, x); i >= 0 {
			return i
		}
		return 1
	}
	if rank(p) < rank(floor) {
		return floor
	}
	return p
}
