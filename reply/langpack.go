package reply

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"mailassist/lang"
)

// The per-language data of the trigger and the built-in generator:
// lang/<code>/cues.txt (the words the trigger and the generator look for)
// and lang/<code>/replies.txt (the generator's phrasings). Adding a
// language is adding the two files (and a training text to package lang).
//
//go:embed lang/*/cues.txt lang/*/replies.txt
var langFS embed.FS

// formality is how a mail addresses its reader.
type formality int8

const (
	formalityNone formality = iota // the language has one form, or the mail shows none
	formal                         // Sie, vous, usted, Lei, o senhor, u
	informal                       // du, tu, tú, tu, você, je
)

// pack is one language's cues and phrasings.
type pack struct {
	code lang.Code
	// Phrase lists, lower case, matched as whole words.
	yesNo, thanks, days, months, schedule, move, update, problem []string
	noReply, attach, demand, documents, send, greetings, groups  []string
	// Single words.
	openers, whWords, fillers, or, timeJoins, clockUnits map[string]bool
	// Formality markers: lower-case phrases, or case-sensitive words
	// written with a leading '='.
	formalMarks, informalMarks []string
	verbFirst                  bool
	// plainOptions: a question that is nothing but "A or B" offers A and
	// B (off where "or" also means "whether", as Dutch "of").
	plainOptions bool
	defaultForm  formality
	// weekdayArticle goes before a bare weekday that starts a sentence
	// ("el" in Spanish: "El martes me viene bien.").
	weekdayArticle string
	index          map[string][]phrase // phraseIndex of the lists
	// dayIndex maps the first word of every day phrase to its words,
	// longest first; monthSet holds the months.
	dayIndex map[string][][]string
	monthSet map[string]bool
	replies  []phrasing
}

// packs are the languages with data, by code; anyPack merges all of
// them, for a mail in an unknown language.
var packs, anyPack = mustLoadPacks(langFS)

// packFor returns the pack of a language, or anyPack.
func packFor(code lang.Code) *pack {
	if p, ok := packs[code]; ok {
		return p
	}
	return anyPack
}

// BuiltinLanguages returns the languages the built-in generator writes.
func BuiltinLanguages() []lang.Code {
	var out []lang.Code
	for c, p := range packs {
		if len(p.replies) > 0 {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func mustLoadPacks(fsys fs.FS) (map[lang.Code]*pack, *pack) {
	ps, all, err := loadPacks(fsys)
	if err != nil {
		panic("reply: " + err.Error()) // the embedded files are broken; the tests catch it
	}
	return ps, all
}

// loadPacks reads lang/<code>/cues.txt and replies.txt of every language.
func loadPacks(fsys fs.FS) (map[lang.Code]*pack, *pack, error) {
	dirs, err := fs.Glob(fsys, "lang/*")
	if err != nil {
		return nil, nil, err
	}
	ps := map[lang.Code]*pack{}
	all := newPack("")
	for _, dir := range dirs {
		p := newPack(lang.Code(path.Base(dir)))
		if err := p.loadCues(fsys, dir+"/cues.txt"); err != nil {
			return nil, nil, err
		}
		if err := p.loadReplies(fsys, dir+"/replies.txt"); err != nil {
			return nil, nil, err
		}
		p.buildIndex()
		ps[p.code] = p
		all.merge(p)
	}
	all.buildIndex()
	return ps, all, nil
}

func newPack(code lang.Code) *pack {
	return &pack{code: code, plainOptions: true, openers: map[string]bool{}, whWords: map[string]bool{}, fillers: map[string]bool{},
		or: map[string]bool{}, timeJoins: map[string]bool{}, clockUnits: map[string]bool{}}
}

// lists maps the section names of cues.txt to the pack's fields.
func (p *pack) lists() map[string]*[]string {
	return map[string]*[]string{
		"yes-no": &p.yesNo, "thanks": &p.thanks, "days": &p.days, "months": &p.months, "schedule": &p.schedule,
		"move": &p.move, "update": &p.update, "problem": &p.problem, "no-reply": &p.noReply, "attach": &p.attach,
		"demand": &p.demand, "documents": &p.documents, "send": &p.send, "greetings": &p.greetings,
		"group-greetings": &p.groups, "formal": &p.formalMarks, "informal": &p.informalMarks,
	}
}

func (p *pack) sets() map[string]map[string]bool {
	return map[string]map[string]bool{
		"yes-no-openers": p.openers, "question-words": p.whWords, "fillers": p.fillers, "or": p.or,
		"time-joins": p.timeJoins, "clock-units": p.clockUnits,
	}
}

// loadCues reads a cues.txt: [sections] of one phrase a line, and the
// key: value lines of [settings]. '#' starts a comment line.
func (p *pack) loadCues(fsys fs.FS, file string) error {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	lists, sets := p.lists(), p.sets()
	section := ""
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", file, n+1)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			if _, ok := lists[section]; !ok && sets[section] == nil && section != "settings" {
				return fmt.Errorf("%s: unknown section [%s]", where, section)
			}
			continue
		}
		switch {
		case section == "settings":
			if err := p.setting(line); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		case sets[section] != nil:
			sets[section][strings.ToLower(line)] = true
		case lists[section] != nil:
			if !strings.HasPrefix(line, "=") {
				line = strings.ToLower(line) // "=Sie" stays case-sensitive
			}
			*lists[section] = append(*lists[section], line)
		default:
			return fmt.Errorf("%s: %q outside a section", where, line)
		}
	}
	return nil
}

func (p *pack) setting(line string) error {
	key, value, ok := strings.Cut(line, ":")
	if !ok {
		return fmt.Errorf("%q is not key: value", line)
	}
	value = strings.TrimSpace(value)
	switch strings.TrimSpace(key) {
	case "verb-first":
		p.verbFirst = value == "yes"
	case "default-formality":
		switch value {
		case "formal":
			p.defaultForm = formal
		case "informal":
			p.defaultForm = informal
		case "none":
			p.defaultForm = formalityNone
		default:
			return fmt.Errorf("default-formality %q is not formal, informal or none", value)
		}
	case "plain-options":
		p.plainOptions = value != "no"
	case "weekday-article":
		p.weekdayArticle = value
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return nil
}

// needNames are the needs a line of replies.txt may name.
var needNames = map[string]cond{
	"yes-no": cYesNo, "open": cOpen, "request": cRequest, "schedule": cSchedule, "time": cTimeAsked,
	"thanks": cThanks, "attached": cAttached, "update": cUpdate, "problem": cProblem,
	"document": cDocument, "options": cOptions, "echo": cEcho,
}

// loadReplies reads a replies.txt: lines "intent needs…: text".
func (p *pack) loadReplies(fsys fs.FS, file string) error {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", file, n+1)
		head, text, ok := strings.Cut(line, ":")
		text = strings.TrimSpace(text)
		if !ok || text == "" {
			return fmt.Errorf("%s: %q is not \"intent needs…: text\"", where, line)
		}
		fields := strings.Fields(head)
		ph := phrasing{intent: fields[0], text: text}
		if ph.intent != intentOption && !slices.Contains(Intents, ph.intent) || ph.intent == IntentOther {
			return fmt.Errorf("%s: unknown intent %q", where, ph.intent)
		}
		for _, f := range fields[1:] {
			switch f {
			case "formal":
				ph.form = formal
			case "informal":
				ph.form = informal
			default:
				c, ok := needNames[f]
				if !ok {
					return fmt.Errorf("%s: unknown need %q", where, f)
				}
				ph.when |= c
			}
		}
		if strings.Contains(text, "{option}") != (ph.intent == intentOption) {
			return fmt.Errorf("%s: {option} belongs in the option lines, and only there", where)
		}
		if strings.Contains(text, "{time}") != (ph.when&cEcho != 0) {
			return fmt.Errorf("%s: {time} belongs in the echo lines, and only there", where)
		}
		p.replies = append(p.replies, ph)
	}
	return nil
}

// merge adds the cues of q to p (for anyPack; the phrasings stay out).
func (p *pack) merge(q *pack) {
	pl, ql := p.lists(), q.lists()
	for name, l := range ql {
		*pl[name] = append(*pl[name], *l...)
	}
	ps := p.sets()
	for name, s := range q.sets() {
		for w := range s {
			ps[name][w] = true
		}
	}
}

// buildIndex indexes the phrase lists that scanPhrases looks for, the
// days and the months.
func (p *pack) buildIndex() {
	p.dayIndex, p.monthSet = map[string][][]string{}, map[string]bool{}
	for _, d := range p.days {
		ws := strings.Fields(d)
		p.dayIndex[ws[0]] = append(p.dayIndex[ws[0]], ws)
	}
	for _, l := range p.dayIndex {
		slices.SortStableFunc(l, func(a, b []string) int { return len(b) - len(a) })
	}
	for _, m := range p.months {
		p.monthSet[m] = true
	}
	p.index = map[string][]phrase{}
	for _, l := range []struct {
		kind    phraseKind
		phrases []string
	}{
		{kYesNo, p.yesNo}, {kThanks, p.thanks}, {kDay, p.days}, {kSchedule, p.schedule}, {kUpdate, p.update},
		{kProblem, p.problem}, {kNoReply, p.noReply}, {kAttach, p.attach}, {kDemand, p.demand},
		{kDocument, p.documents}, {kSend, p.send},
	} {
		for _, ph := range l.phrases {
			ws := strings.FieldsFunc(ph, func(r rune) bool { return !isWordRune(r) })
			if len(ws) == 0 {
				continue
			}
			p.index[ws[0]] = append(p.index[ws[0]], phrase{text: ph, rest: ws[1:], kind: l.kind})
		}
	}
}
