package reply

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// ErrInvalid is wrapped by every error Validate returns: the model's
// answer cannot be offered to the user.
var ErrInvalid = errors.New("invalid suggestions")

// Result is a validated answer: texts trimmed, white space collapsed.
type Result struct {
	Suggestions []Suggestion
	Draft       string
}

// Best returns the text to put in the draft: the full draft when there is
// one, else the first suggestion, else "".
func (r Result) Best() string {
	if r.Draft != "" {
		return r.Draft
	}
	if len(r.Suggestions) > 0 {
		return r.Suggestions[0].Text
	}
	return ""
}

const (
	maxSuggestionBytes = 300
	maxDraftBytes      = 2000
	// echoWords is the shortest run of the email's own words that a
	// suggestion may not copy: shorter quotes ("the design review") are
	// fine.
	echoWords = 8
	// payloadWords is the shortest run of what the email tells a model to
	// say that a suggestion may not repeat.
	payloadWords = 4
)

// Validate checks a model's answer about m and returns it cleaned. The
// error wraps ErrInvalid and lists every problem found: no suggestions
// (a draft alone is not enough), more than MaxSuggestions, an unknown or
// repeated intent, an empty text, more than MaxWords words
// (MaxDraftWords for the draft), control or invisible format characters,
// a preamble ("Here is…", "As an AI…", "Draft:"), a placeholder
// ("[Name]"), text that is not mostly letters of m's script (noise), another
// language than m's, text copied from m (an instruction's payload when m
// tries to instruct the model, or any run of 8 words), and any link,
// e-mail address, phone or account number or credential
// (mailtext.FindSensitive): the reply stage sees only the incoming mail,
// never the user's own messages, and what the incoming mail holds is no
// licence to repeat it.
func Validate(out Output, m *mailmsg.Message) (Result, error) {
	c := newChecker(m)
	var problems []string
	if len(out.Suggestions) == 0 {
		problems = append(problems, "no suggestions")
	}
	if len(out.Suggestions) > MaxSuggestions {
		problems = append(problems, fmt.Sprintf("%d suggestions (at most %d)", len(out.Suggestions), MaxSuggestions))
	}
	var res Result
	seen := make(map[string]bool)
	for i, s := range out.Suggestions {
		where := fmt.Sprintf("suggestion %d", i+1)
		intent := strings.ToLower(strings.TrimSpace(s.Intent))
		switch {
		case !slices.Contains(Intents, intent):
			problems = append(problems, fmt.Sprintf("%s: unknown intent %q", where, cleanLine(s.Intent, 40)))
		case seen[intent]:
			problems = append(problems, fmt.Sprintf("%s: intent %q repeated", where, intent))
		}
		seen[intent] = true
		text, ps := c.text(s.Text, false)
		for _, p := range ps {
			problems = append(problems, where+": "+p)
		}
		res.Suggestions = append(res.Suggestions, Suggestion{Intent: intent, Text: text})
	}
	if strings.TrimSpace(out.Draft) != "" {
		draft, ps := c.text(out.Draft, true)
		for _, p := range ps {
			problems = append(problems, "draft: "+p)
		}
		res.Draft = draft
	}
	if len(problems) > 0 {
		return Result{}, fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return res, nil
}

// checker holds what Validate compares texts with.
type checker struct {
	original string              // m's text, subject and addresses, lower-case
	lang     string              // guessLang of m's new text
	script   script              // the dominant script of m's new text
	ngrams   map[uint64]struct{} // hashes of m's runs of echoWords words
	payloads [][]string          // what m tells a model to say, as words
}

func newChecker(m *mailmsg.Message) *checker {
	var b strings.Builder
	b.WriteString(m.Subject)
	b.WriteByte('\n')
	b.WriteString(m.Text)
	for _, list := range [][]mailmsg.Address{m.From, m.ReplyTo, m.To, m.Cc} {
		for _, a := range list {
			b.WriteByte('\n')
			b.WriteString(a.String())
		}
	}
	c := &checker{original: strings.ToLower(b.String())}
	if c.lang = guessLang(mailtext.NewText(m.Text)); c.lang == "" {
		c.lang = guessLang(m.Subject + "\n" + m.Text)
	}
	if c.script = dominantScript(mailtext.NewText(m.Text)); c.script == "" {
		c.script = dominantScript(m.Subject + "\n" + m.Text)
	}
	emailWords := wordList(m.Subject + "\n" + m.Text)
	c.ngrams = make(map[uint64]struct{}, max(len(emailWords)-echoWords+1, 0))
	for i := 0; i+echoWords <= len(emailWords); i++ {
		c.ngrams[hashWords(emailWords[i:i+echoWords])] = struct{}{}
	}
	if mailtext.Injection(c.original) != "" {
		c.payloads = instructionPayloads(c.original)
	}
	return c
}

// text checks one suggestion (or the draft) and returns it cleaned with
// the problems found.
func (c *checker) text(raw string, draft bool) (string, []string) {
	var ps []string
	if strings.ContainsFunc(raw, func(r rune) bool { return mailtext.IsControl(r) && r != '\t' && !(draft && (r == '\n' || r == '\r')) }) {
		ps = append(ps, "control or invisible characters")
	}
	text := strings.TrimSpace(raw)
	if draft {
		text = strings.ReplaceAll(text, "\r\n", "\n")
	} else {
		text = strings.Join(strings.Fields(text), " ")
	}
	if text == "" {
		return "", append(ps, "empty text")
	}
	limit, bytesLimit := MaxWords, maxSuggestionBytes
	if draft {
		limit, bytesLimit = MaxDraftWords, maxDraftBytes
	}
	if n := words(text); n > limit {
		ps = append(ps, fmt.Sprintf("%d words (at most %d)", n, limit))
	} else if len(text) > bytesLimit {
		ps = append(ps, fmt.Sprintf("%d bytes (at most %d)", len(text), bytesLimit))
	}
	lo := strings.ToLower(text)
	if p := preamble(lo); p != "" {
		ps = append(ps, fmt.Sprintf("preamble %q", p))
	}
	if hasPlaceholder(lo) {
		ps = append(ps, "placeholder in brackets")
	}
	for _, x := range mailtext.FindSensitive(text) {
		// Nothing the user wrote is at hand here: none may appear.
		ps = append(ps, fmt.Sprintf("%s %q: a reply may carry only what the user wrote", x.Kind, mailtext.Clip(x.Text, 80)))
	}
	if p := checkScript(text, c.script); p != "" {
		ps = append(ps, p)
	}
	if l := guessLang(text); c.lang != "" && l != "" && l != c.lang {
		ps = append(ps, fmt.Sprintf("language %s, the email's is %s", l, c.lang))
	}
	if p := c.echo(text); p != "" {
		ps = append(ps, p)
	}
	return text, ps
}

// echo returns a problem when text repeats what the email told a model to
// say, or copies a run of echoWords of its words.
func (c *checker) echo(text string) string {
	ws := wordList(text)
	for _, p := range c.payloads {
		// Any payloadWords consecutive words of the payload (all of a
		// shorter one).
		n := min(len(p), payloadWords)
		for i := 0; i+n <= len(p); i++ {
			if containsRun(ws, p[i:i+n]) {
				return fmt.Sprintf("repeats an instruction from the email (%q)", strings.Join(p[i:i+n], " "))
			}
		}
	}
	for i := 0; i+echoWords <= len(ws); i++ {
		if _, ok := c.ngrams[hashWords(ws[i:i+echoWords])]; ok {
			return fmt.Sprintf("copies %d or more words of the email", echoWords)
		}
	}
	return ""
}

// preambles start an answer that talks about the reply instead of being
// one.
var preambles = []string{
	"here is", "here's", "here are", "below is", "as an ai", "as a language model", "i'm an ai",
	"i am an ai", "draft:", "suggestion:", "suggested reply", "reply:", "response:", "answer:",
	"subject:", "i hope this helps",
}

// openers are polite words that are a preamble only when what follows
// talks about the reply ("Sure, here is…"), not in "Sure, sounds good".
var openers = []string{"sure", "certainly", "of course", "okay", "ok", "absolutely"}

// preamble returns the preamble lo (lower-case) starts with, or "".
func preamble(lo string) string {
	lo = strings.TrimLeft(lo, " *_\"'`#>")
	for _, p := range preambles {
		if strings.HasPrefix(lo, p) {
			return p
		}
	}
	for _, o := range openers {
		if !strings.HasPrefix(lo, o) {
			continue
		}
		rest := strings.TrimLeft(lo[len(o):], " ,!.:-")
		for _, p := range []string{"here", "below", "i can help", "i'd be happy to help", "i would be happy to help", "i can draft", "i'll draft"} {
			if strings.HasPrefix(rest, p) {
				return o + ", " + p
			}
		}
	}
	if strings.Contains(lo, "as an ai") || strings.Contains(lo, "language model") {
		return "as an ai"
	}
	return ""
}

// hasPlaceholder reports a template gap: "[name]", "[your name]", "{date}".
func hasPlaceholder(lo string) bool {
	for _, pair := range [][2]byte{{'[', ']'}, {'{', '}'}} {
		for off := 0; ; {
			i := strings.IndexByte(lo[off:], pair[0])
			if i < 0 {
				break
			}
			i += off
			j := strings.IndexByte(lo[i:], pair[1])
			if j < 0 {
				break
			}
			inner := lo[i+1 : i+j]
			if j <= 40 && strings.ContainsFunc(inner, func(r rune) bool { return 'a' <= r && r <= 'z' }) {
				return true
			}
			off = i + 1
		}
	}
	return false
}

// instructionVerbs introduce what a model is told to say.
var instructionVerbs = []string{
	"reply with", "respond with", "answer with", "reply only with", "respond only with",
	"your reply should be", "your response should be", "reply:", "say", "write", "include",
	"output", "add the text", "add the link",
}

// instructionPayloads returns, as word lists, what lo tells a model to
// say: the quoted text or the rest of the sentence after each
// instruction verb, when at least two words long. Only used when the
// email addresses a model (mailtext.Injection): "please reply with your
// availability" in a normal email is not an attack.
func instructionPayloads(lo string) [][]string {
	var out [][]string
	for _, v := range instructionVerbs {
		for off := 0; off < len(lo); {
			i := strings.Index(lo[off:], v)
			if i < 0 {
				break
			}
			i += off
			off = i + len(v)
			if i > 0 && isLetter(lo[i-1]) || off < len(lo) && isLetter(lo[off]) {
				continue
			}
			rest := strings.TrimLeft(lo[off:], " :")
			var payload string
			if rest != "" && strings.ContainsRune("\"'“‘`", []rune(rest)[0]) {
				q := []rune(rest)[0]
				body := rest[len(string(q)):]
				closeQ := map[rune]string{'"': `"`, '\'': "'", '“': "”", '‘': "’", '`': "`"}[q]
				payload, _, _ = strings.Cut(body, closeQ)
			} else {
				end := strings.IndexAny(rest, ".!?\n")
				if end < 0 {
					end = len(rest)
				}
				payload = rest[:end]
			}
			if ws := wordList(payload); len(ws) >= 2 {
				out = append(out, ws)
			}
		}
	}
	return out
}

// wordList returns the lower-case words of s.
func wordList(s string) []string {
	var ws []string
	forEachWord(s, func(w []byte) { ws = append(ws, string(w)) })
	return ws
}

func hashWords(ws []string) uint64 {
	h := fnv.New64a()
	for _, w := range ws {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// containsRun reports whether ws contains run as consecutive words.
func containsRun(ws, run []string) bool {
	for i := 0; i+len(run) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(run)], run) {
			return true
		}
	}
	return false
}
