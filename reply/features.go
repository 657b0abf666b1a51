package reply

import (
	"strings"

	"mailassist/lang"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// features are what the trigger and the built-in generator read from a
// message: its new text (quoted history and signature removed), its
// language, and what that text asks for, found with the cues of its
// language (lang/<code>/cues.txt; all languages' cues when it is unknown).
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
	when      string
	options   []string // the options of an alternative question, as written ("Tuesday", "Wednesday")
	attached  bool     // an attachment, or the text mentions one
	update    bool     // FYI, an update, a heads-up
	problem   bool     // a complaint or something broken
	noReply   bool     // "no need to reply"
	demand    string   // a demand or threat ("i want a refund", "my lawyer")
	document  bool     // an ask for a document ("Could you send me the slides?")
	form      formality
	greeting  string
	lang      lang.Code
	pack      *pack
}

// extract computes the features of m.
func extract(m *mailmsg.Message) features {
	text := mailtext.NewText(m.Text)
	f := features{text: text, lower: strings.ToLower(text)}
	f.words = words(text)
	f.lang = lang.Detect(text)
	if f.words == 0 {
		f.lang = lang.Detect(m.Subject) // an attachment with a subject line only
	}
	p := packFor(f.lang)
	f.pack = p
	f.greeting = p.greeting(f.lower)
	q := p.questions(text, f.lower)
	f.questions, f.yesNo, f.open, f.timeAsked, f.when, f.options = q.n, q.yesNo, q.open, q.timeAsked, q.when, q.options
	lo := f.lower
	h := p.scanPhrases(lo)
	kinds := h.kinds
	f.requests = mailtext.AskPhrases(text)
	f.yesNo = f.yesNo || kinds&kYesNo != 0
	f.thanks = kinds&kThanks != 0
	f.timeGiven = kinds&kDay != 0 || hasClockTime(lo)
	f.schedule = kinds&kSchedule != 0
	f.update = kinds&kUpdate != 0
	f.problem = kinds&kProblem != 0
	f.noReply = kinds&kNoReply != 0
	f.attached = kinds&kAttach != 0
	f.demand = h.demand
	f.document = asksForDocument(text, lo, &h)
	f.form = p.formality(text, lo)
	for _, part := range m.Parts {
		if part.Depth > 0 && part.IsAttachment() {
			f.attached = true
			break
		}
	}
	return f
}

// docReach is how far apart, in bytes, a document word and a verb of
// sending may be to make one ask ("send me the signed contract").
const docReach = 80

// asksForDocument reports whether text (lo is it lower case) asks for a
// document: a document word and a verb of sending close together in a
// sentence that asks (see mailtext.IsAsk: "Could you send me the slides?",
// "Können Sie mir bitte die Rechnung schicken?").
func asksForDocument(text, lo string, h *hits) bool {
	for _, d := range h.docs[:h.nDocs] {
		for _, s := range h.sends[:h.nSends] {
			if abs(int(d)-int(s)) > docReach {
				continue
			}
			from, to := int(min(d, s)), int(max(d, s))
			start, end := sentenceStart(lo, from), sentenceEnd(lo, to)
			sentence := lo[start:end]
			if len(text) == len(lo) {
				sentence = text[start:end]
			}
			if mailtext.IsAsk(sentence) {
				return true
			}
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sentenceEnd returns where the sentence holding i ends: after a '.',
// '!' or '?' followed by white space or the end, or at a blank line.
func sentenceEnd(lo string, i int) int {
	for j := i; j < len(lo); j++ {
		switch lo[j] {
		case '.', '!', '?':
			if j+1 == len(lo) || isSpace(lo[j+1]) {
				return j + 1
			}
		case '\n':
			k := j + 1
			for k < len(lo) && (lo[k] == ' ' || lo[k] == '\t' || lo[k] == '\r') {
				k++
			}
			if k == len(lo) || lo[k] == '\n' {
				return j
			}
		}
	}
	return len(lo)
}

// formality returns how text addresses its reader: by the markers of
// [formal] and [informal] that it holds (more of one kind wins), else the
// language's default.
func (p *pack) formality(text, lo string) formality {
	count := func(marks []string) int {
		n := 0
		for _, m := range marks {
			if word, ok := strings.CutPrefix(m, "="); ok {
				if hasWord(text, word) {
					n++
				}
			} else if hasPhrase(lo, m) {
				n++
			}
		}
		return n
	}
	switch f, i := count(p.formalMarks), count(p.informalMarks); {
	case f > i:
		return formal
	case i > f:
		return informal
	}
	return p.defaultForm
}

// hasWord reports whether s holds w as a whole word, case-sensitively.
func hasWord(s, w string) bool { return hasPhrase(s, w) }

// clock times in the languages' own forms are found by findTime; this
// finds the forms all of them share.

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

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80 }
