package reply

import (
	"strings"

	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// features are what the trigger and the built-in generator read from a
// message: its new text (quoted history and signature removed) and what
// that text asks for.
type features struct {
	text      string // the new text
	lower     string // text lower-cased
	words     int
	questions int  // sentences ending in '?'
	yesNo     bool // a question answerable with yes or no ("Could we…?", "Let me know if…")
	open      bool // a wh-question ("What…?", "When…?")
	requests  []string
	thanks    bool // the sender thanks the reader
	schedule  bool // meetings, calls, appointments
	timeGiven bool // a specific day or time is named
	timeAsked bool // a yes/no question proposes a time ("Could we meet Friday at 10?")
	attached  bool // an attachment, or the text mentions one
	update    bool // FYI, an update, a heads-up
	problem   bool // a complaint or something broken
	noReply   bool // "no need to reply"
	greeting  string
	lang      string
}

// extract computes the features of m.
func extract(m *mailmsg.Message) features {
	text := mailtext.NewText(m.Text)
	f := features{text: text, lower: strings.ToLower(text)}
	f.words = words(text)
	f.lang = guessLang(text)
	f.greeting = greeting(f.lower)
	q := questions(f.lower)
	f.questions, f.yesNo, f.open, f.timeAsked = q.n, q.yesNo, q.open, q.timeAsked
	lo := f.lower
	kinds := scanPhrases(lo)
	f.requests = mailtext.AskPhrases(text)
	f.yesNo = f.yesNo || kinds&kYesNo != 0
	f.thanks = kinds&kThanks != 0
	f.timeGiven = kinds&kDay != 0 || hasClockTime(lo)
	f.schedule = kinds&kSchedule != 0
	f.update = kinds&kUpdate != 0
	f.problem = kinds&kProblem != 0
	f.noReply = kinds&kNoReply != 0
	f.attached = kinds&kAttach != 0
	for _, p := range m.Parts {
		if p.Depth > 0 && p.IsAttachment() {
			f.attached = true
			break
		}
	}
	return f
}

// yesNoPhrases ask for a yes or a no without a question mark.
var yesNoPhrases = []string{
	"let me know if", "let us know if", "please confirm", "can you confirm", "could you confirm",
	"does that work", "would that work", "is that ok", "is that okay", "are you in",
}

var thanksPhrases = []string{
	"thanks for", "thank you for", "thanks a lot", "thanks so much", "thank you so much",
	"many thanks", "much appreciated", "i appreciate", "we appreciate", "thanks again",
}

var dayWords = []string{
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"tomorrow", "tonight", "next week", "this afternoon", "this morning", "this evening",
}

var scheduleWords = []string{
	"meeting", "meet", "call", "schedule", "reschedule", "calendar", "availability", "available",
	"appointment", "lunch", "coffee", "dinner", "time slot", "slot", "invite", "catch up",
}

// moveWords, next to a time, propose one.
var moveWords = []string{"move", "postpone", "push", "shift", "free", "works for you", "work for you", "suit you"}

// namesTime reports whether lo names a day or a time of day.
func namesTime(lo string) bool { return hasAnyPhrase(lo, dayWords) || hasClockTime(lo) }

var updateWords = []string{
	"fyi", "for your information", "heads up", "heads-up", "update", "just so you know",
	"wanted to let you know", "letting you know", "status",
}

var problemWords = []string{
	"problem", "issue", "error", "broken", "not working", "doesn't work", "does not work",
	"disappointed", "unacceptable", "complaint", "refund", "still waiting", "urgent", "failed",
	"wrong", "charged",
}

var noReplyPhrases = []string{
	"no need to reply", "no need to respond", "no reply needed", "no response needed",
	"no action needed", "no action required", "for your records",
}

var attachWords = []string{"attached", "attachment", "enclosed", "see the file"}

// auxiliaries open a yes/no question.
var auxiliaries = map[string]bool{
	"can": true, "could": true, "will": true, "would": true, "shall": true, "should": true,
	"do": true, "does": true, "did": true, "is": true, "are": true, "was": true, "were": true,
	"have": true, "has": true, "had": true, "may": true, "might": true, "am": true,
	"any": true, "ok": true, "okay": true, "want": true, "wanna": true, "isn't": true,
	"aren't": true, "don't": true, "doesn't": true, "didn't": true, "won't": true,
	"wouldn't": true, "couldn't": true, "can't": true,
}

// whWords open an open question.
var whWords = map[string]bool{
	"what": true, "when": true, "where": true, "which": true, "who": true, "whom": true,
	"whose": true, "why": true, "how": true,
}

// fillers may precede the first word of a question.
var fillers = map[string]bool{
	"so": true, "and": true, "but": true, "also": true, "btw": true, "anyway": true, "hi": true,
	"hello": true, "hey": true, "dear": true, "just": true, "quick": true, "question": true,
	"oh": true, "well": true, "then": true, "now": true, "or": true, "and/or": true,
}

// questionStats describe the questions of a text.
type questionStats struct {
	n         int  // sentences ending in '?'
	yesNo     bool // one is a yes/no question
	open      bool // one is a wh-question
	timeAsked bool // a yes/no question proposes a time
}

// questions finds the questions in lo (lower-case new text). A '?' counts
// when it ends a word: not inside a URL's query string.
func questions(lo string) questionStats {
	var q questionStats
	for i := 0; i < len(lo); i++ {
		if lo[i] != '?' || (i+1 < len(lo) && !endsQuestion(lo[i+1])) {
			continue
		}
		q.n++
		sentence := lo[sentenceStart(lo, i):i]
		switch questionKind(sentence) {
		case 'y':
			q.yesNo = true
			if namesTime(sentence) && (hasAnyPhrase(sentence, scheduleWords) || hasAnyPhrase(sentence, moveWords)) {
				q.timeAsked = true
			}
		case 'o':
			q.open = true
		}
	}
	q.n += strings.Count(lo, "\uff1f") // the full-width question mark of CJK text
	return q
}

// sentenceStart returns where the sentence ending at i begins: after a
// '.', '!', '?', ';' or ':' followed by white space, or after a blank
// line. A single line break is wrapping, not the end of a sentence.
func sentenceStart(lo string, i int) int {
	for j := i - 1; j >= 0; j-- {
		switch lo[j] {
		case '.', '!', '?', ';', ':':
			if j+1 < i && isSpace(lo[j+1]) {
				return j + 1
			}
		case '\n':
			k := j - 1
			for k >= 0 && (lo[k] == ' ' || lo[k] == '\t' || lo[k] == '\r') {
				k--
			}
			if k < 0 || lo[k] == '\n' {
				return j + 1
			}
		}
	}
	return 0
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func endsQuestion(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\'' || c == ')' ||
		c == '?' || c == '!' || c == '*' || c == '_'
}

// questionKind classifies a question sentence by its first word after
// greetings and fillers: 'y' yes/no, 'o' open, 0 unknown.
func questionKind(s string) byte {
	// Skip a greeting up to its comma ("hi carol, could you…").
	if g := greeting(s); g != "" {
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[i+1:]
		}
	}
	var kind byte
	done := false
	forEachWord(s, func(w []byte) {
		if done {
			return
		}
		switch {
		case fillers[string(w)]:
			return
		case auxiliaries[string(w)]:
			kind = 'y'
		case whWords[string(w)]:
			kind = 'o'
		}
		done = true
	})
	if kind == 0 && strings.Contains(s, " or ") {
		return 'o' // "Tuesday or Wednesday?" asks to choose
	}
	return kind
}

// greetingWords open a salutation.
var greetingWords = []string{"hi", "hello", "hey", "dear", "good morning", "good afternoon", "good evening", "hallo", "bonjour", "hola", "ciao"}

// greeting returns the first line of lo when it is a salutation ("hi
// carol,"), else "".
func greeting(lo string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(lo, " \t\r\n"), "\n")
	line = strings.TrimSpace(line)
	for _, g := range greetingWords {
		if strings.HasPrefix(line, g) && (len(line) == len(g) || !isLetter(line[len(g)])) {
			if len(line) > 60 {
				line = line[:60]
			}
			return line
		}
	}
	return ""
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80 }

// hasClockTime reports whether lo names a time of day: "10:30", "3pm",
// "3 pm".
func hasClockTime(lo string) bool {
	for i := 0; i < len(lo); i++ {
		c := lo[i]
		if c < '0' || c > '9' || (i > 0 && isDigit(lo[i-1])) {
			continue
		}
		j := i
		for j < len(lo) && isDigit(lo[j]) && j-i < 2 {
			j++
		}
		if j < len(lo) && isDigit(lo[j]) {
			continue // three digits or more: not an hour
		}
		if j+2 < len(lo) && lo[j] == ':' && isDigit(lo[j+1]) && isDigit(lo[j+2]) &&
			(j+3 == len(lo) || !isDigit(lo[j+3])) {
			return true
		}
		k := j
		if k < len(lo) && lo[k] == ' ' {
			k++
		}
		if k+1 < len(lo) && (lo[k] == 'a' || lo[k] == 'p') && lo[k+1] == 'm' &&
			(k+2 == len(lo) || !isLetter(lo[k+2])) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
