package habits

import (
	"time"
)

// Answered says, for each received message, whether one of sent answers
// it by the rule the history learns with: a sent message names its id in
// In-Reply-To or References, or goes to its sender with a reply prefix
// ("Re:", "AW:", …) and its subject, within Window after it arrived. It
// is the ground truth of an evaluation.
func Answered(received []Message, sent []Sent) []bool {
	byID := map[uint64][]time.Time{}
	bySubject := map[[2]uint64][]time.Time{}
	for i := range sent {
		s := &sent[i]
		for _, ids := range [][]string{s.InReplyTo, s.References} {
			for _, id := range ids {
				byID[KeyOf(id)] = append(byID[KeyOf(id)], s.At)
			}
		}
		if subj, reply := subjectKey(s.Subject); reply {
			for _, r := range s.To {
				k := [2]uint64{subj, KeyOf(r)}
				bySubject[k] = append(bySubject[k], s.At)
			}
		}
	}
	out := make([]bool, len(received))
	for i := range received {
		m := &received[i]
		within := func(ts []time.Time) bool {
			for _, t := range ts {
				if !t.Before(m.At.Add(-skewMinutes*time.Minute)) && !t.After(m.At.Add(Window)) {
					return true
				}
			}
			return false
		}
		subj, _ := subjectKey(m.Subject)
		out[i] = within(byID[m.Key]) || within(bySubject[[2]uint64{subj, KeyOf(m.From)}])
	}
	return out
}
