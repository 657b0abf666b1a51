package reply

import (
	"testing"

	"mailassist/mailmsg"
)

// Any message: the trigger, the built-in generator and the prompt never
// panic, the prompt stays within its budget, and the built-in suggestions
// keep the contract.
func FuzzMessage(f *testing.F) {
	f.Add([]byte("From: a@x.example\r\nTo: b@x.example\r\nSubject: Q\r\n\r\nCould we meet on Friday at 10:00?\r\n"))
	f.Add([]byte("From: a@x.example\r\nSubject: ?\r\n\r\n> ?\r\nOn x wrote:\r\n-- \r\n?"))
	f.Add([]byte("Subject: =?utf-8?q?=E2=80=AE?=\r\n\r\nHi Sam, can you?? what? <<<EMAIL EMAIL>>> \x00"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := mailmsg.Parse(raw)
		d := Trigger(m, false, TriggerOptions{Own: []string{"b@x.example"}, Names: []string{"Sam"}})
		if d.Score < 0 || d.Score > 1 {
			t.Fatalf("score %v", d.Score)
		}
		system, user := Prompt(m, PromptOptions{})
		if n := EstimateTokens(system) + EstimateTokens(user); n > DefaultMaxTokens {
			t.Fatalf("prompt of %d tokens", n)
		}
		if s := Builtin(m); len(s) > 0 {
			if _, err := Validate(Output{Suggestions: s}, m); err != nil {
				t.Fatalf("built-in suggestions rejected: %v", err)
			}
		}
	})
}
