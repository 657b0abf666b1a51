// Package reply decides which messages deserve reply suggestions,
// suggests up to three short replies (with a small language model or a
// built-in generator) and composes the best one as a threaded draft; it
// never sends mail.
//
// The stage worker calls, per message: Trigger (should it get
// suggestions?), Suggest (model output validated by Validate, falling back
// to Builtin), then Compose (the RFC 5322 draft for the Drafts folder).
package reply

// Suggestion is one short reply.
type Suggestion struct {
	Intent string `json:"intent"` // one of Intents
	Text   string `json:"text"`
}

// Output is a language model's answer as the prompt's JSON schema asks
// for it: up to three suggestions and an optional full draft.
type Output struct {
	Suggestions []Suggestion `json:"suggestions"`
	Draft       string       `json:"draft,omitempty"`
}

// Intents of suggestions. Suggestions offered together have distinct
// intents.
const (
	IntentYes         = "yes"
	IntentNo          = "no"
	IntentSchedule    = "schedule"
	IntentMoreInfo    = "need-more-info"
	IntentFollowUp    = "will-follow-up"
	IntentWillDo      = "will-do" // does what the mail asks ("Sure, I'll send it over.")
	IntentThanks      = "thanks"
	IntentWelcome     = "welcome"
	IntentAcknowledge = "acknowledge"
	IntentApology     = "apology"
	IntentOther       = "other" // the model's own; Builtin's third option of an alternative question
)

// Intents lists every intent, in the order Builtin breaks ties.
var Intents = []string{
	IntentYes, IntentNo, IntentSchedule, IntentMoreInfo, IntentFollowUp, IntentWillDo,
	IntentThanks, IntentWelcome, IntentAcknowledge, IntentApology, IntentOther,
}

// MaxSuggestions is how many suggestions are offered at most.
const MaxSuggestions = 3
