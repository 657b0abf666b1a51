package escalate

import (
	"mailassist/bus"
	"mailassist/hardness"
	"slices"
)

// Result is what an escalation produced, for the mail.escalated event and
// the mailbox effects (\Flagged and $Escalated always; a draft when Draft
// is not empty).
type Result struct {
	Handler  bus.EscalationHandler `json:"handler"`
	Summary  string                `json:"summary"`
	Asks     []string              `json:"asks"`
	Priority bus.Priority          `json:"priority"`
	// Draft is the body of the reply draft; "" when none was written
	// (always for the human hand-off).
	Draft string `json:"draft,omitempty"`
	// Model is the large model that answered.
	Model string `json:"model,omitempty"`
	// Handoff says why the human got the thread: no large model
	// configured, or what went wrong with it.
	Handoff string `json:"handoff,omitempty"`
	// PromptTokens and OutputTokens are the large model's counts.
	PromptTokens int `json:"prompt_tokens,omitempty"`
	OutputTokens int `json:"output_tokens,omitempty"`
}

// HighScore is the score from which a hand-off is high priority.
const HighScore = 0.75

// Handoff hands the thread to the human: an extractive summary and the
// asks (at most maxAsks; 0 means 5), a priority from the assessment
// (high when urgent vocabulary fired or the score is at least HighScore,
// normal otherwise), no draft. why is recorded in Result.Handoff.
func Handoff(t *hardness.Thread, a hardness.Assessment, maxAsks int, why string) Result {
	summary, asks := Extractive(t, maxAsks)
	if asks == nil {
		asks = []string{}
	}
	prio := bus.PriorityNormal
	if a.Score >= HighScore || slices.Contains(a.Names(), hardness.ReasonUrgent) {
		prio = bus.PriorityHigh
	}
	return Result{Handler: bus.HandlerHuman, Summary: summary, Asks: asks, Priority: prio, Handoff: why}
}
