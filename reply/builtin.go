package reply

import (
	"hash/fnv"
	"sort"
	"strings"

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
	cDocument // an ask for a document
	cOptions  // an alternative question
	cEcho     // the proposed time can be echoed ({time})
)

// intentOption is the pseudo-intent of replies.txt lines that answer one
// option of an alternative question.
const intentOption = "option"

// phrasing is one curated response of a language's replies.txt: its
// intent, the features it needs, the form of address it is written in
// (formalityNone: any), and its text. Within an intent, the phrasings
// are listed from the most to the least specific; phrasings with the same
// needs are alternatives, one of which is chosen by the message's id so
// that the choice is stable across redeliveries.
type phrasing struct {
	intent string
	when   cond
	form   formality
	text   string
}

// optionIntents label the suggestions for the options of an alternative
// question, in order: distinct intents, as every offer has.
var optionIntents = [maxOptions]string{IntentYes, IntentSchedule, IntentOther}

// Builtin suggests up to three short replies in the language of the
// message's new text, from that language's curated response set
// (lang/<code>/replies.txt), without a language model. An alternative
// question gets one suggestion per option ("Tuesday works for me." /
// "Wednesday works for me.") and, for two options, a "neither". Else each
// intent is scored from the message's features (questions, requests,
// asks for a document, scheduling, thanks, problems, demands,
// attachments); the best intents are offered, distinct; a yes/no question
// always gets both a yes and a no, a proposed time is echoed in the yes
// ("Thursday at 3pm works for me."), and an ask for a document gets
// will-do and need-more-info instead of yes and no. Phrasings follow the
// sender's form of address (du/Sie, tu/vous, tú/usted, tu/Lei, você/o
// senhor, je/u). For a message whose language is unknown or has no
// response set, or whose new text is empty, it returns nil: a reply in
// another language is worse than none.
func Builtin(m *mailmsg.Message) []Suggestion { return BuiltinRanked(m, nil) }

// BuiltinRanked is Builtin with each intent's score multiplied by its
// weight in weights (draft.Ledger.IntentWeights: above 1 for an intent
// whose drafts the user keeps, down to draft.IntentFloor for one they
// delete; absent means 1). It changes which fitting intents are offered
// and which comes first — the one drafted — never which intents fit; a
// yes/no question still gets both a yes and a no.
func BuiltinRanked(m *mailmsg.Message, weights map[string]float64) []Suggestion {
	f := extract(m)
	p, ok := packs[f.lang]
	if !ok || len(p.replies) == 0 || (f.words == 0 && !f.attached) {
		return nil
	}
	have := f.conds()
	seed := seedOf(m)
	if len(f.options) >= 2 {
		return p.optionSuggestions(&f, have, seed)
	}
	scores := intentScores(&f)
	for i, intent := range Intents {
		if w, ok := weights[intent]; ok && w > 0 {
			scores[i] *= w
		}
	}
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
	if f.yesNo && !f.document {
		order = withBoth(order, scores)
	}
	out := make([]Suggestion, 0, len(order))
	for _, i := range order {
		if text := p.pick(Intents[i], have, f.form, seed); text != "" {
			out = append(out, Suggestion{Intent: Intents[i], Text: p.fill(text, f.when, "")})
		}
	}
	return out
}

// optionSuggestions answers an alternative question: one suggestion per
// option, and "neither" when there are two.
func (p *pack) optionSuggestions(f *features, have cond, seed uint32) []Suggestion {
	var out []Suggestion
	tmpl := p.pick(intentOption, have, f.form, seed)
	if tmpl == "" {
		return nil
	}
	for i, o := range f.options {
		out = append(out, Suggestion{Intent: optionIntents[i], Text: p.fill(tmpl, "", o)})
	}
	if len(out) < MaxSuggestions {
		if text := p.pick(IntentNo, have, f.form, seed); text != "" {
			out = append(out, Suggestion{Intent: IntentNo, Text: text})
		}
	}
	return out
}

// fill puts the proposed time or the option into a phrasing. A bare
// weekday that opens the sentence gets the language's article ("El
// martes me viene bien."); the sentence starts with a capital.
func (p *pack) fill(text, when, option string) string {
	for _, v := range []struct{ mark, value string }{{"{time}", when}, {"{option}", option}} {
		i := strings.Index(text, v.mark)
		if i < 0 {
			continue
		}
		value := v.value
		if i == 0 && p.weekdayArticle != "" && p.startsWithWeekday(value) {
			value = p.weekdayArticle + " " + value
		}
		text = text[:i] + value + text[i+len(v.mark):]
	}
	return upperFirst(text)
}

// startsWithWeekday reports whether s begins with one of the language's
// single-word days.
func (p *pack) startsWithWeekday(s string) bool {
	first, _, _ := strings.Cut(strings.ToLower(s), " ")
	for _, d := range p.days {
		if d == first {
			return true
		}
	}
	return false
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
	set(f.problem || f.demand != "", cProblem)
	set(f.document, cDocument)
	set(len(f.options) >= 2, cOptions)
	set(f.timeAsked && f.when != "", cEcho)
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
	problem := f.problem || f.demand != ""
	if f.document {
		// "Could you send me the slides?" is answered by sending them.
		set(IntentWillDo, 0.95)
		set(IntentMoreInfo, 0.6)
	} else if f.yesNo {
		set(IntentYes, 0.9)
		set(IntentNo, 0.6)
	} else if len(f.requests) > 0 && !f.open && f.demand == "" {
		// A demand ("refund me by Friday") is not answered with "Sure!".
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
	case problem:
		set(IntentMoreInfo, 0.5)
	case f.questions > 0:
		set(IntentMoreInfo, 0.3)
	}
	switch {
	case problem:
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
	case problem:
		set(IntentAcknowledge, 0.3) // "Noted." is cold to a complaint
	case !asks:
		set(IntentAcknowledge, 0.6)
	default:
		set(IntentAcknowledge, 0.3)
	}
	if problem {
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

// pick returns a phrasing of intent for a message with features have,
// written in the form of address form: the first group of phrasings (same
// intent and needs, in file order) whose needs the message meets and whose
// form fits, and within it the one seed chooses.
func (p *pack) pick(intent string, have cond, form formality, seed uint32) string {
	var group []string
	var when cond
	for _, ph := range p.replies {
		if ph.intent != intent || ph.when&have != ph.when || ph.form != formalityNone && ph.form != form {
			continue
		}
		if group != nil && ph.when != when {
			break
		}
		group, when = append(group, ph.text), ph.when
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
