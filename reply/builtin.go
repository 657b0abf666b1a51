package reply

import (
	"hash/fnv"
	"sort"

	"mailassist/mailmsg"
)

// cond is a set of message features a phrasing needs.
type cond uint16

const (
	cYesNo cond = 1 << iota
	cOpen
	cRequest
	cSchedule
	cTimeAsked
	cThanks
	cAttached
	cUpdate
	cProblem
)

// phrasing is one curated response: its intent, the features it needs,
// and its text. Within an intent, the phrasings are listed from the most
// to the least specific; phrasings with the same needs are alternatives,
// one of which is chosen by the message's id so that the choice is stable
// across redeliveries.
type phrasing struct {
	intent string
	when   cond
	text   string
}

// responses is the curated response set, grouped by intent.
var responses = []phrasing{
	{IntentYes, cTimeAsked, "Yes, that time works for me."},
	{IntentYes, cTimeAsked, "Sounds good, that works for me."},
	{IntentYes, cRequest, "Sure, I can do that."},
	{IntentYes, cRequest, "Yes, happy to."},
	{IntentYes, 0, "Yes, sounds good."},
	{IntentYes, 0, "Sure, that works."},
	{IntentYes, 0, "Yes, definitely."},

	{IntentNo, cTimeAsked, "Sorry, that time doesn't work for me."},
	{IntentNo, cTimeAsked, "Unfortunately I can't make that time."},
	{IntentNo, cRequest, "Sorry, I won't be able to."},
	{IntentNo, cRequest, "Unfortunately I can't this time."},
	{IntentNo, 0, "Unfortunately not."},
	{IntentNo, 0, "I don't think so, sorry."},
	{IntentNo, 0, "Sorry, no."},

	{IntentSchedule, cTimeAsked, "Could we find another time?"},
	{IntentSchedule, cTimeAsked, "Can we do a different time?"},
	{IntentSchedule, cSchedule, "What time works best for you?"},
	{IntentSchedule, cSchedule, "When would suit you?"},

	{IntentMoreInfo, cProblem, "Could you send me more details?"},
	{IntentMoreInfo, cProblem, "Can you tell me more about what happened?"},
	{IntentMoreInfo, cOpen, "Could you tell me a bit more?"},
	{IntentMoreInfo, cOpen, "What do you have in mind?"},
	{IntentMoreInfo, 0, "Could you give me a few more details?"},

	{IntentFollowUp, cProblem, "I'm looking into it and will get back to you soon."},
	{IntentFollowUp, cProblem, "I'll look into this right away and get back to you."},
	{IntentFollowUp, cAttached, "I'll take a look and get back to you."},
	{IntentFollowUp, cAttached, "I'll review it and get back to you."},
	{IntentFollowUp, 0, "Let me check and get back to you."},
	{IntentFollowUp, 0, "I'll get back to you soon."},
	{IntentFollowUp, 0, "Let me look into it."},

	{IntentThanks, cAttached, "Thanks for sending this!"},
	{IntentThanks, cAttached, "Thanks, got it!"},
	{IntentThanks, cUpdate, "Thanks for the update!"},
	{IntentThanks, cUpdate, "Thanks for letting me know."},
	{IntentThanks, 0, "Thanks!"},
	{IntentThanks, 0, "Thank you!"},
	{IntentThanks, 0, "Thanks for letting me know."},

	{IntentWelcome, cThanks, "You're welcome!"},
	{IntentWelcome, cThanks, "Happy to help!"},
	{IntentWelcome, cThanks, "Glad I could help."},

	{IntentAcknowledge, cUpdate, "Noted."},
	{IntentAcknowledge, cUpdate, "Got it."},
	{IntentAcknowledge, 0, "Sounds good."},
	{IntentAcknowledge, 0, "Got it."},
	{IntentAcknowledge, 0, "OK, noted."},

	{IntentApology, cProblem, "Sorry for the trouble."},
	{IntentApology, cProblem, "I'm sorry to hear that."},
	{IntentApology, cProblem, "Sorry about that."},
}

// Builtin suggests up to three short English replies from the curated
// response set, without a language model. Each intent is scored from the
// message's features (questions, requests, scheduling, thanks, problems,
// attachments); the best intents are offered, distinct, and a yes/no
// question always gets both a yes and a no. For a message whose new text
// is in another language, or is empty, it returns nil: an English reply
// there is worse than none.
func Builtin(m *mailmsg.Message) []Suggestion {
	f := extract(m)
	if (f.lang != "" && f.lang != "en") || (f.words == 0 && !f.attached) {
		return nil
	}
	have := f.conds()
	scores := intentScores(&f)
	order := make([]int, 0, len(Intents))
	for i := range Intents {
		if scores[i] > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	if len(order) > MaxSuggestions {
		order = order[:MaxSuggestions]
	}
	if f.yesNo {
		order = withBoth(order, scores)
	}
	seed := seedOf(m)
	out := make([]Suggestion, 0, len(order))
	for _, i := range order {
		if text := pick(Intents[i], have, seed); text != "" {
			out = append(out, Suggestion{Intent: Intents[i], Text: text})
		}
	}
	return out
}

// conds returns the features as a cond set.
func (f *features) conds() cond {
	var c cond
	set := func(b bool, v cond) {
		if b {
			c |= v
		}
	}
	set(f.yesNo, cYesNo)
	set(f.open, cOpen)
	set(len(f.requests) > 0, cRequest)
	set(f.schedule, cSchedule)
	set(f.timeAsked, cTimeAsked)
	set(f.thanks, cThanks)
	set(f.attached, cAttached)
	set(f.update, cUpdate)
	set(f.problem, cProblem)
	return c
}

// intentScores scores each of Intents (same index) for f; 0 means the
// intent does not fit.
func intentScores(f *features) []float64 {
	s := make([]float64, len(Intents))
	set := func(intent string, v float64) {
		for i, name := range Intents {
			if name == intent {
				s[i] = max(s[i], v)
			}
		}
	}
	asks := f.questions > 0 || len(f.requests) > 0
	if f.yesNo {
		set(IntentYes, 0.9)
		set(IntentNo, 0.6)
	} else if len(f.requests) > 0 && !f.open {
		set(IntentYes, 0.7)
		set(IntentNo, 0.45)
	}
	switch {
	case f.timeAsked:
		set(IntentSchedule, 0.7)
	case f.schedule && f.open:
		set(IntentSchedule, 0.75) // "When are you available?"
	case f.schedule && asks:
		set(IntentSchedule, 0.55)
	case f.schedule:
		set(IntentSchedule, 0.3)
	}
	switch {
	case f.open:
		set(IntentMoreInfo, 0.6)
	case f.problem:
		set(IntentMoreInfo, 0.5)
	case f.questions > 0:
		set(IntentMoreInfo, 0.3)
	}
	switch {
	case f.problem:
		set(IntentFollowUp, 0.95)
	case asks:
		set(IntentFollowUp, 0.65)
	case f.attached:
		set(IntentFollowUp, 0.55)
	default:
		set(IntentFollowUp, 0.2)
	}
	switch {
	case f.thanks:
		set(IntentWelcome, 0.85)
		set(IntentThanks, 0.2)
	case f.attached || f.update:
		set(IntentThanks, 0.75)
	default:
		set(IntentThanks, 0.4)
	}
	switch {
	case f.update:
		set(IntentAcknowledge, 0.65)
	case !asks:
		set(IntentAcknowledge, 0.6)
	default:
		set(IntentAcknowledge, 0.3)
	}
	if f.problem {
		set(IntentApology, 0.7)
	}
	return s
}

// withBoth applies the diversity rule for yes/no questions: the offer
// holds a yes and a no. The missing one replaces the lowest-scored pick
// that is neither.
func withBoth(order []int, scores []float64) []int {
	yes, no := indexOf(IntentYes), indexOf(IntentNo)
	for _, need := range []int{yes, no} {
		if contains(order, need) {
			continue
		}
		if len(order) < MaxSuggestions {
			order = append(order, need)
			continue
		}
		for k := len(order) - 1; k >= 0; k-- {
			if order[k] != yes && order[k] != no {
				order[k] = need
				break
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	return order
}

func indexOf(intent string) int {
	for i, name := range Intents {
		if name == intent {
			return i
		}
	}
	return -1
}

func contains(order []int, i int) bool {
	for _, o := range order {
		if o == i {
			return true
		}
	}
	return false
}

// pick returns a phrasing of intent for a message with features have:
// the first group of phrasings (same intent and needs, in table order)
// whose needs the message meets, and within it the one seed chooses.
func pick(intent string, have cond, seed uint32) string {
	var group []string
	var when cond
	for _, p := range responses {
		if p.intent != intent || p.when&have != p.when {
			continue
		}
		if group != nil && p.when != when {
			break
		}
		group, when = append(group, p.text), p.when
	}
	if len(group) == 0 {
		return ""
	}
	return group[seed%uint32(len(group))]
}

// seedOf returns a number that is stable for one message.
func seedOf(m *mailmsg.Message) uint32 {
	h := fnv.New32a()
	if m.MessageID != "" {
		h.Write([]byte(m.MessageID))
	} else {
		h.Write([]byte(m.Subject))
	}
	return h.Sum32()
}
