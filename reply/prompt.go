package reply

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"unicode/utf8"

	"mailassist/mailmsg"
	"mailassist/mailtext"
)

//go:embed prompts/suggest.tmpl
var promptText string

//go:embed prompts/suggest.schema.json
var schemaText []byte

// Schema is the JSON schema of the model's answer (Output): at most three
// suggestions, each an intent from Intents and a text, and an optional
// draft. Pass it as llm.Request.Schema.
var Schema = json.RawMessage(schemaText)

var promptTmpl = template.Must(template.New("suggest").
	Funcs(template.FuncMap{"join": strings.Join}).
	Parse(promptText))

// Limits of the model's answer, stated in the prompt and enforced by
// Validate.
const (
	MaxWords      = 25  // per suggestion
	MaxDraftWords = 150 // for the draft; the prompt asks for 120
	promptDraft   = 120
)

// DefaultMaxTokens is the prompt budget when PromptOptions.MaxTokens is 0.
const DefaultMaxTokens = 1500

// PromptOptions tune Prompt. The zero value means the defaults.
type PromptOptions struct {
	// UserName is the user the replies are for ("Demo User"); optional.
	UserName string
	// MaxTokens bounds the estimated tokens of the system and user prompt
	// together (see EstimateTokens); the email's text and quoted history
	// are truncated to fit. Default DefaultMaxTokens.
	MaxTokens int
	// Feedback is set on the retry: why the previous answer was rejected
	// (the text of a Validate error).
	Feedback string
	// Voice are short replies the user wrote (Voice.Examples: their own
	// words, without quotes and signatures), shown for tone and length:
	// at most MaxVoiceExamples, each one line of at most 300 bytes
	// (longer ones are left out), all within maxVoiceTokens and a third
	// of MaxTokens.
	Voice []string
}

// maxVoiceTokens bounds the user's examples in the prompt.
const maxVoiceTokens = 200

// advertised are the intents the prompt lists: all but IntentOther, which
// the schema allows but the prompt does not suggest.
var advertised = slices.DeleteFunc(slices.Clone(Intents), func(i string) bool { return i == IntentOther })

// promptData is what the template sees.
type promptData struct {
	UserName      string
	Max           int
	Intents       []string
	MaxWords      int
	MaxDraftWords int
	Language      string
	From, To, Cc  string
	Date, Subject string
	Body, History string
	Feedback      string
	Voice         []string
}

// Prompt renders the prompt that asks a model for suggestions for m. The
// email is framed as untrusted data between fixed marker lines (markers
// inside the email are removed); its new text and quoted history are cut
// so that system and user prompt together stay within o.MaxTokens.
func Prompt(m *mailmsg.Message, o PromptOptions) (system, user string) {
	if o.MaxTokens <= 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	parts := mailtext.Split(m.Text)
	fresh, history := parts.New, parts.Quoted
	if fresh == "" && history == "" {
		fresh = m.Text
	}
	d := promptData{
		UserName:      cleanLine(o.UserName, 80),
		Max:           MaxSuggestions,
		Intents:       advertised,
		MaxWords:      MaxWords,
		MaxDraftWords: promptDraft,
		Language:      languageName(guessLang(fresh)),
		From:          addressLine(m.From),
		To:            addressLine(m.To),
		Cc:            addressLine(m.Cc),
		Subject:       cleanLine(m.Subject, 200),
		Feedback:      cleanLine(o.Feedback, 400),
	}
	if !m.Date.IsZero() {
		d.Date = m.Date.Format("Mon, 2 Jan 2006 15:04 -0700")
	}
	d.Voice = voiceLines(o.Voice, o.MaxTokens)
	fresh, history = cleanBody(fresh), cleanBody(history)

	// Fit: the fixed part first, then the new text gets up to two thirds
	// of what is left and the history the rest; shrink until it fits.
	d.Body, d.History = "", ""
	system = render("system", d)
	fixed := EstimateTokens(system) + EstimateTokens(render("user", d))
	room := max(o.MaxTokens-fixed, 0) * 3 // bytes: at least 3 per token below
	bodyMax := max(room*2/3, room-len(history))
	for range 20 {
		d.Body = mailtext.Truncate(fresh, bodyMax)
		d.History = mailtext.Truncate(history, max(room-len(d.Body), 0))
		user = render("user", d)
		if EstimateTokens(system)+EstimateTokens(user) <= o.MaxTokens || room == 0 {
			break
		}
		room = room * 4 / 5
		bodyMax = bodyMax * 4 / 5
	}
	return system, user
}

func render(name string, d promptData) string {
	var b strings.Builder
	if err := promptTmpl.ExecuteTemplate(&b, name, d); err != nil {
		panic(fmt.Sprintf("reply: prompt template %s: %v", name, err)) // a bug, caught by the golden tests
	}
	return b.String()
}

// EstimateTokens estimates how many tokens a model's tokenizer makes of s,
// erring high: the larger of one token per 4 ASCII bytes plus one per
// other character, and 1.3 per word.
func EstimateTokens(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		other++
		i += n
	}
	byChars := (ascii+3)/4 + other
	byWords := (words(s)*13 + 9) / 10
	return max(byChars, byWords)
}

// markers frame the email in the prompt; they must not occur inside it.
var markers = strings.NewReplacer("<<<EMAIL", "<<<(removed)", "EMAIL>>>", "(removed)>>>")

// cleanBody prepares email text for the prompt: marker lines removed,
// control characters (but line breaks and tabs) dropped, runs of blank
// lines squeezed.
func cleanBody(s string) string {
	s = markers.Replace(mailtext.StripControl(s, true))
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s)
}

// cleanLine makes s one line of at most max bytes: line breaks become
// spaces, control characters and markers are dropped.
func cleanLine(s string, max int) string {
	return mailtext.CleanLine(markers.Replace(mailtext.StripControl(s, false)), max)
}

// addressLine lists up to five addresses for the prompt.
func addressLine(as []mailmsg.Address) string {
	var parts []string
	for i, a := range as {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(as)-i))
			break
		}
		parts = append(parts, a.String())
	}
	return cleanLine(strings.Join(parts, ", "), 400)
}

// voiceLines are the user's examples as the prompt shows them: one line
// each of at most 300 bytes (longer ones are left out, not cut), at most
// MaxVoiceExamples, within maxVoiceTokens and a third of the prompt's
// budget.
func voiceLines(examples []string, budget int) []string {
	var out []string
	used := 0
	for _, e := range examples {
		if len(out) == MaxVoiceExamples {
			break
		}
		line := cleanLine(e, 4*exampleMaxBytes)
		n := EstimateTokens(line) + 2
		if line == "" || len(line) > exampleMaxBytes || used+n > min(maxVoiceTokens, budget/3) { // a cut example would teach cut replies
			continue
		}
		out, used = append(out, line), used+n
	}
	return out
}
