package hardness

import "strings"

// reasonNames say what each reason means to the user who reads why a
// thread was escalated.
var reasonNames = map[string]string{
	ReasonThreadLength:      "a long thread",
	ReasonParticipants:      "many participants",
	ReasonLongMessage:       "a long message",
	ReasonComplaint:         "a complaint",
	ReasonLegal:             "legal language",
	ReasonUrgent:            "urgency",
	ReasonMoney:             "money at stake",
	ReasonNegativeTone:      "an angry tone",
	ReasonVIP:               "a VIP sender",
	ReasonSmallModelInvalid: "the small model could not answer",
	ReasonSmallModelUnsure:  "the small model was unsure",
	ReasonListMail:          "mailing-list mail (counts less)",
	ReasonSpamLike:          "looks like spam (counts less)",
}

// Describe names a reason ("legal", "rule:contracts") in words ("legal
// language", `your rule "contracts"`); an unknown name is returned as it is.
func Describe(name string) string {
	if rule, ok := strings.CutPrefix(name, ReasonRulePrefix); ok {
		return `your rule "` + rule + `"`
	}
	if s, ok := reasonNames[name]; ok {
		return s
	}
	return name
}
