package escalate

import (
	"fmt"
	"mailassist/bus"
	"mailassist/hardness"
	"mailassist/mailtext"
	"strings"
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

// Handoff hands the thread to the human: an extractive summary and the
// asks (at most maxAsks; 0 means 5), the priority its reasons call for
// (PriorityOf), and a draft that is a reply skeleton: the asks as a
// checklist, to answer one by one above the quoted message. why is
// recorded in Result.Handoff.
func Handoff(t *hardness.Thread, a hardness.Assessment, maxAsks int, why string) Result {
	summary, asks := Extractive(t, maxAsks)
	if asks == nil {
		asks = []string{}
	}
	prio := PriorityOf(a)
	return Result{Handler: bus.HandlerHuman, Summary: summary, Asks: asks, Priority: prio, Handoff: why,
		Draft: Skeleton(a, prio, asks)}
}

// Skeleton is the body of the draft a hand-off files: why the thread
// needs the user, and each ask as a line to answer. The draft is the
// user's to edit; nothing sends it.
func Skeleton(a hardness.Assessment, prio bus.Priority, asks []string) string {
	var b strings.Builder
	var why []string
	for _, r := range a.Reasons {
		if r.Weight > 0 {
			why = append(why, hardness.Describe(r.Name))
		}
	}
	fmt.Fprintf(&b, "[mailassist: this thread needs your answer, priority %s", prio)
	if len(why) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(why, ", "))
	}
	b.WriteString(". Answer each point, then delete these bracketed lines.]\n\n")
	if len(asks) == 0 {
		b.WriteString("[ ] (no explicit question found: see the message below)\n")
	}
	for _, ask := range asks {
		fmt.Fprintf(&b, "[ ] %s\n\n", mailtext.OneLine(ask))
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
