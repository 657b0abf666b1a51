package escalate

import (
	_ "embed"
	"encoding/json"
	"mailassist/bus"
	"mailassist/hardness"
	"mailassist/lang"
	"mailassist/mailtext"
	"regexp"
	"strings"
	"text/template"

	"mailassist/mailmsg"
)

//go:embed prompts/escalate.tmpl
var promptText string

var promptTmpl = template.Must(template.New("escalate").Parse(promptText))

// Schema is the JSON schema of the large model's answer (Ollama's
// "format"). Length limits are not in it: grammars built from large
// maxLength values are slow, so Validate enforces them.
var Schema = json.RawMessage(`{
  "type": "object",
  "properties": {
    "summary": {"type": "string"},
    "asks": {"type": "array", "items": {"type": "string"}},
    "priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"]},
    "draft": {"type": "string"}
  },
  "required": ["summary", "asks", "priority", "draft"],
  "additionalProperties": false
}`)

// Output is the large model's answer.
type Output struct {
	Summary  string       `json:"summary"`
	Asks     []string     `json:"asks"`
	Priority bus.Priority `json:"priority"`
	Draft    string       `json:"draft"`
}

type promptData struct {
	Score      float64
	Reasons    []hardness.Reason
	Shown      int
	Omitted    int
	Missing    int
	Messages   []promptMessage
	NewestN    int
	NewestFrom string
	Language   string // of the newest message's text ("German"), "" when unknown
}

type promptMessage struct {
	N                  int
	From, To, Cc, Date string
	Subject, Text      string
	Truncated          bool
}

// Prompt renders the system and user prompts for the large model from
// prompts/escalate.tmpl: the rules and output contract in the system
// prompt; the reasons and the thread, fenced as untrusted data, in the
// user prompt. Text inside the thread that imitates the fence is
// defused. Bound the thread first. It panics only if the embedded
// template is broken, which the golden test catches.
func Prompt(t *hardness.Thread, a hardness.Assessment) (system, user string) {
	d := promptData{Score: a.Score, Reasons: a.Reasons, Shown: len(t.Messages), Omitted: t.Omitted, Missing: len(t.Missing)}
	for i, m := range t.Messages {
		pm := promptMessage{
			N:         t.Omitted + i + 1,
			From:      defuse(m.From.String()),
			To:        defuse(joinAddrs(m.To)),
			Cc:        defuse(joinAddrs(m.Cc)),
			Subject:   defuse(m.Subject),
			Text:      defuseText(m.Text),
			Truncated: m.Truncated,
		}
		if pm.From == "" {
			pm.From = "(unknown)"
		}
		if !m.Date.IsZero() {
			pm.Date = m.Date.Format("Mon, 2 Jan 2006 15:04 -0700")
		}
		d.Messages = append(d.Messages, pm)
	}
	d.NewestN = t.Omitted + len(t.Messages)
	d.NewestFrom = senderName(t.Newest())
	d.Language = lang.Name(lang.Detect(t.Newest().Text))
	return execute("system", d), execute("user", d)
}

func execute(name string, d promptData) string {
	var b strings.Builder
	if err := promptTmpl.ExecuteTemplate(&b, name, d); err != nil {
		panic("escalate: prompt template: " + err.Error())
	}
	return b.String()
}

// fenceRE matches text that could open or close the prompt's fences.
var fenceRE = regexp.MustCompile(`(?i)<\s*(/?)\s*(thread|message)\b`)

// defuse makes a header value one line and breaks fence look-alikes.
func defuse(s string) string {
	return defuseText(mailtext.OneLine(s))
}

// defuseText breaks fence look-alikes in a message body and drops
// control characters other than line breaks and tabs.
func defuseText(s string) string {
	s = fenceRE.ReplaceAllString(s, "‹$1$2")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

func joinAddrs(as []mailmsg.Address) string {
	parts := make([]string, 0, len(as))
	for _, a := range as {
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ", ")
}
