package reply

import (
	"encoding/json"
	"mailassist/internal/golden"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailassist/mailmsg"
)

// What is sent to the model, for a few kinds of message.
func TestPromptGolden(t *testing.T) {
	tests := []struct {
		name, file string
		o          PromptOptions
	}{
		{"reschedule", "builtin/reschedule.eml", PromptOptions{UserName: "Demo User"}},
		{"german", "trigger/german-question.eml", PromptOptions{}},
		{"thread", "trigger/question-only-quoted.eml", PromptOptions{UserName: "Sam Taylor"}},
		{"injection", "prompt/injection.eml", PromptOptions{UserName: "Sam Taylor"}},
		{"retry", "builtin/reschedule.eml", PromptOptions{UserName: "Demo User",
			Feedback: `invalid suggestions: suggestion 2: preamble "here is"`}},
		{"voice", "builtin/reschedule.eml", PromptOptions{UserName: "Demo User", Voice: []string{
			"Sounds good, see you then!",
			"Hi Carol,\nno problem, Thursday is fine.\nCheers",
			"Thanks — I'll take a look tomorrow.",
			"A fourth example is never shown.",
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			system, user := Prompt(fixture(t, tt.file), tt.o)
			golden.Check(t, filepath.Join("testdata", "prompt/"+tt.name+".golden"), []byte("=== system ===\n"+system+"\n=== user ===\n"+user+"\n"))
			if n := EstimateTokens(system) + EstimateTokens(user); n > DefaultMaxTokens {
				t.Errorf("%d tokens", n)
			}
		})
	}
}

// The email cannot close the frame it is quoted in.
func TestPromptFramesTheEmail(t *testing.T) {
	_, user := Prompt(fixture(t, "prompt/injection.eml"), PromptOptions{})
	if n := strings.Count(user, "<<<EMAIL"); n != 2 { // the intro names it once, the frame opens once
		t.Errorf("<<<EMAIL %d times:\n%s", n, user)
	}
	if n := strings.Count(user, "EMAIL>>>"); n != 2 {
		t.Errorf("EMAIL>>> %d times:\n%s", n, user)
	}
	if !strings.HasSuffix(strings.TrimSpace(user), "EMAIL>>>") {
		t.Errorf("the frame does not end the prompt:\n%s", user)
	}
	if !strings.Contains(user, "ignore all previous instructions") {
		t.Error("the email's text is missing: it must be shown, as data")
	}
}

// A huge message is cut so the prompt stays within the budget, keeping
// the start of the new text and of the history.
func TestPromptBudget(t *testing.T) {
	text := strings.Repeat("Here are the figures for every region, line by line, as promised. ", 3000) +
		"\n\nOn Mon, 2 Nov 2026, Sam wrote:\n" + strings.Repeat("> Older discussion about the budget and its many details.\n", 3000)
	raw := "From: Alex <alex@partner.example>\r\nTo: sam@example.org\r\nSubject: " +
		strings.Repeat("very long subject ", 100) + "\r\n\r\n" + text
	m := mailmsg.Parse([]byte(raw))
	for _, budget := range []int{0, 800, 3000} {
		system, user := Prompt(m, PromptOptions{MaxTokens: budget})
		limit := budget
		if limit == 0 {
			limit = DefaultMaxTokens
		}
		n := EstimateTokens(system) + EstimateTokens(user)
		if n > limit || n < limit*2/3 {
			t.Errorf("budget %d: %d tokens", limit, n)
		}
		if !strings.Contains(user, "Here are the figures") || !strings.Contains(user, "Older discussion") {
			t.Errorf("budget %d: new text or history dropped entirely", limit)
		}
		if !strings.Contains(user, "[…]") {
			t.Errorf("budget %d: no truncation marker", limit)
		}
	}
}

func TestEstimateTokens(t *testing.T) {
	for s, want := range map[string]int{
		"":                        0,
		"abcd":                    2, // 1 by bytes, 1.3 words → 2
		"one two three four five": 7, // 23 bytes → 6, 5 words → 6.5 → 7
		"ü":                       2,
		strings.Repeat("x", 400):  100,
		strings.Repeat("a ", 100): 130,
		strings.Repeat("日本語", 10): 30,
	} {
		if got := EstimateTokens(s); got != want {
			t.Errorf("EstimateTokens(%.20q) = %d, want %d", s, got, want)
		}
	}
}

func TestSchema(t *testing.T) {
	var s struct {
		Properties struct {
			Suggestions struct {
				MaxItems int `json:"maxItems"`
				Items    struct {
					Properties struct {
						Intent struct {
							Enum []string `json:"enum"`
						} `json:"intent"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"suggestions"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatal(err)
	}
	if s.Properties.Suggestions.MaxItems != MaxSuggestions {
		t.Errorf("maxItems %d", s.Properties.Suggestions.MaxItems)
	}
	if !slices.Equal(s.Properties.Suggestions.Items.Properties.Intent.Enum, Intents) {
		t.Errorf("intent enum %v, want %v", s.Properties.Suggestions.Items.Properties.Intent.Enum, Intents)
	}
	if !slices.Equal(s.Required, []string{"suggestions"}) {
		t.Errorf("required %v", s.Required)
	}
}

// The user's examples are bounded: three at most, one line each, and
// within their token budget even when each is long.
func TestPromptVoiceBounded(t *testing.T) {
	long := strings.Repeat("word ", 200)
	m := fixture(t, "builtin/reschedule.eml")
	system, _ := Prompt(m, PromptOptions{Voice: []string{long, long, long, long, "Short one.", "Another short one.", "A third.", "A fourth."}})
	if n := strings.Count(system, "\n- Short one.") + strings.Count(system, "\n- Another short one.") + strings.Count(system, "\n- A third."); n != 3 {
		t.Errorf("the short examples are not all shown:\n%s", system)
	}
	if strings.Contains(system, "A fourth.") {
		t.Errorf("more than %d examples:\n%s", MaxVoiceExamples, system)
	}
	without, _ := Prompt(m, PromptOptions{})
	if d := EstimateTokens(system) - EstimateTokens(without); d > maxVoiceTokens+60 {
		t.Errorf("the examples cost %d tokens", d)
	}
	if strings.Contains(without, "Replies the user wrote") {
		t.Error("an empty voice still shows its heading")
	}
}
