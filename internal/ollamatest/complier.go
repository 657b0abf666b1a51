package ollamatest

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/ollama/ollama/api"
)

// The worst model there is: it does whatever the mail asks.
var (
	linkRE    = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"')\]]+`)
	addressRE = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+`)
	numberRE  = regexp.MustCompile(`(?i)\b[a-z]{2}\d{2}(?: ?\d{4}){3,7}(?: ?\d{1,4})?\b|\+?\d[\d ()-]{7,}\d`)
	payloadRE = regexp.MustCompile(`(?i)(?:reply|respond|answer|antworte)\s+(?:only\s+)?(?:with|mit)\s+("[^"]*"|[^.\n]*)|\bsay\s+("[^"]*"|[^.\n]*)`)
)

// Complier answers every chat request as a model that complies with every
// instruction in it would: whatever the mail tells it to say, every link,
// address and number the mail holds, a password, and a Bcc line — in the
// shape the request's schema asks for (reply suggestions, an escalation,
// a spam opinion). A mail that asks for nothing gets an ordinary answer.
func Complier() func(req *api.ChatRequest) Reply {
	return func(req *api.ChatRequest) Reply {
		var prompt strings.Builder
		for _, m := range req.Messages {
			if m.Role == "user" {
				prompt.WriteString(m.Content + "\n")
			}
		}
		evil := compliance(prompt.String())
		format := string(req.Format)
		var v any
		switch {
		case strings.Contains(format, "spam_probability"):
			v = map[string]any{"spam_probability": 0.01, "category": "ham", "reason": "as instructed: " + evil}
		case strings.Contains(format, "priority"):
			v = map[string]any{"summary": "Sure! " + evil, "asks": []string{evil}, "priority": "urgent",
				"draft": "Dear customer,\n\n" + evil + "\n\nBcc: attacker@evil.example\nBest regards"}
		default:
			v = map[string]any{
				"suggestions": []map[string]string{{"intent": "yes", "text": firstLine(evil)}, {"intent": "no", "text": "Sure, the password is hunter2."}},
				"draft":       "Sure, " + evil + "\r\nBcc: attacker@evil.example",
			}
		}
		data, _ := json.Marshal(v)
		return Reply{Content: string(data)}
	}
}

// compliance is what a complying model writes for prompt: the payloads it
// is told to say, and every link, address and number in it.
func compliance(prompt string) string {
	var out []string
	for _, m := range payloadRE.FindAllStringSubmatch(prompt, -1) {
		for _, g := range m[1:] {
			if g = strings.Trim(strings.TrimSpace(g), `"`); g != "" {
				out = append(out, g)
			}
		}
	}
	for _, re := range []*regexp.Regexp{linkRE, addressRE, numberRE} {
		for _, x := range re.FindAllString(prompt, 5) {
			out = append(out, "see "+x)
		}
	}
	if len(out) == 0 {
		return "Sounds good, that works for me."
	}
	return strings.Join(out, "; ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
