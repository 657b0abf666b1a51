package hardness

import (
	"regexp"
	"strings"
)

// attributionRE matches the line a mail client writes above a quote:
// "On Tue, 3 Mar 2024, Alice <a@example.org> wrote:" and its translations
// as the common clients write them. It is matched against one line, or
// two joined when a long attribution was wrapped.
var attributionRE = regexp.MustCompile(`(?i)^(on|am|le|el|il|op|em)\b.{4,200}(wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|escreveu)(\s.{0,160})?\s*:\s*$` +
	`|^.{1,120}\b(wrote|writes)\s*:\s*$`)

// originalRE matches Outlook's and others' separators above a quoted
// original: "-----Original Message-----", "----- Ursprüngliche Nachricht -----".
var originalRE = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht)\s*-{2,}$`)

// headerBlockRE matches the first line of an Outlook quoted header block.
var headerBlockRE = regexp.MustCompile(`(?i)^\*?(from|von|de|da|van)\s*:\*?\s+\S`)

// headerBlockNextRE matches the lines that follow From: in such a block.
var headerBlockNextRE = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|to|an|à|para|a|aan|subject|betreff|objet|asunto|oggetto|onderwerp|cc)\s*:\*?`)

// StripQuoted removes quoted history from a message's body text, leaving
// what the sender wrote: lines quoted with '>', the attribution line above
// a quote ("On … wrote:"), and a quoted tail that carries no '>' (below
// "-----Original Message-----", an Outlook "From: … Sent: …" header block,
// or an attribution followed by unquoted text, as HTML mail turned into
// text has it). Text between quotes (an inline answer) is kept. When
// removing would leave nothing, the text is returned trimmed, unchanged.
func StripQuoted(text string) string {
	lines := splitLines(text)
	var out []string
	fresh := false // some new text seen so far
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") {
			continue
		}
		if isQuotedTail(lines, i, fresh) {
			break
		}
		if n := attributionLen(lines, i); n > 0 {
			i += n - 1
			continue
		}
		if t != "" {
			fresh = true
		}
		out = append(out, line)
	}
	s := strings.TrimSpace(strings.Join(out, "\n"))
	if s == "" {
		return strings.TrimSpace(text)
	}
	return s
}

// isQuotedTail reports whether lines[i:] is a quoted original without '>'
// markers. An Outlook separator or header block always starts one (when
// something was written above it); an attribution starts one when the
// next non-blank line is not quoted with '>'.
func isQuotedTail(lines []string, i int, fresh bool) bool {
	if !fresh {
		return false
	}
	t := strings.TrimSpace(lines[i])
	switch {
	case originalRE.MatchString(t):
		return true
	case isUnderscoreRule(t) && i+1 < len(lines) && isHeaderBlock(lines, i+1):
		return true
	case isHeaderBlock(lines, i):
		return true
	}
	if n := attributionLen(lines, i); n > 0 {
		next := nextNonBlank(lines, i+n)
		return next >= 0 && !strings.HasPrefix(strings.TrimSpace(lines[next]), ">")
	}
	return false
}

// attributionLen returns how many lines (1 or 2) at lines[i] form an
// attribution, or 0.
func attributionLen(lines []string, i int) int {
	t := strings.TrimSpace(lines[i])
	if t == "" || len(t) > 300 {
		return 0
	}
	if attributionRE.MatchString(t) {
		return 1
	}
	if i+1 < len(lines) {
		joined := t + " " + strings.TrimSpace(lines[i+1])
		if len(joined) <= 300 && attributionRE.MatchString(joined) && strings.HasPrefix(strings.ToLower(t), "on ") {
			return 2
		}
	}
	return 0
}

// isHeaderBlock reports whether a "From:" line at lines[i] is followed
// within three lines by another header line (Sent:, Date:, To:, Subject:).
func isHeaderBlock(lines []string, i int) bool {
	if !headerBlockRE.MatchString(strings.TrimSpace(lines[i])) {
		return false
	}
	for j := i + 1; j < len(lines) && j <= i+3; j++ {
		if headerBlockNextRE.MatchString(strings.TrimSpace(lines[j])) {
			return true
		}
	}
	return false
}

func isUnderscoreRule(t string) bool {
	return len(t) >= 10 && strings.Trim(t, "_") == ""
}

func nextNonBlank(lines []string, i int) int {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}

// signOffs are closing lines after which only a name, a title and contact
// lines follow. Compared lower-case, without trailing punctuation.
var signOffs = map[string]bool{
	"regards": true, "best regards": true, "kind regards": true, "warm regards": true,
	"best wishes": true, "best": true, "all the best": true, "cheers": true, "thanks": true,
	"thank you": true, "many thanks": true, "thanks again": true, "thanks in advance": true,
	"sincerely": true, "yours sincerely": true, "yours faithfully": true, "yours": true,
	"br": true, "rgds": true, "ta": true, "talk soon": true,
	"mit freundlichen grüßen": true, "viele grüße": true, "beste grüße": true, "liebe grüße": true, "gruß": true, "grüße": true,
	"cordialement": true, "bien à vous": true, "saludos": true, "un saludo": true, "atentamente": true,
	"cordiali saluti": true, "saluti": true, "met vriendelijke groet": true, "groeten": true, "atenciosamente": true,
}

// Signature limits: a sign-off counts only this close to the end, and
// only with this few, this short lines after it.
const (
	signOffMaxTail    = 6
	signOffMaxLineLen = 72
	signOffMaxLines   = 4
	dashSigMaxTail    = 12 // for a bare "--" line, which is also used as a rule
)

// StripSignature removes a trailing signature, conservatively: everything
// after a "-- " delimiter line (RFC 3676), or after a bare "--" line when
// at most 12 lines follow; a mailing-list footer below a line of
// underscores; "Sent from my …" lines; and a sign-off line ("Best
// regards,", "Thanks,", "Cheers") in the last lines when at most four
// short lines that are not sentences (a name, a title, a phone number)
// follow it to the end.
func StripSignature(text string) string {
	lines := splitLines(strings.TrimRight(text, " \t\r\n"))
	lines = cutDashSignature(lines)
	lines = cutListFooter(lines)
	lines = dropMobileLines(lines)
	lines = cutSignOff(lines)
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func cutDashSignature(lines []string) []string {
	for i, l := range lines {
		if l == "-- " {
			return lines[:i]
		}
		if strings.TrimRight(l, " \t") == "--" && len(lines)-i-1 <= dashSigMaxTail && i > 0 {
			return lines[:i]
		}
	}
	return lines
}

// cutListFooter removes a footer that mailing-list software appends
// below a rule of underscores near the end.
func cutListFooter(lines []string) []string {
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-10; i-- {
		if isUnderscoreRule(strings.TrimSpace(lines[i])) {
			return lines[:i]
		}
	}
	return lines
}

func dropMobileLines(lines []string) []string {
	out := lines[:0:0]
	for _, l := range lines {
		low := strings.ToLower(strings.TrimSpace(l))
		if strings.HasPrefix(low, "sent from my ") || strings.HasPrefix(low, "get outlook for ") {
			continue
		}
		out = append(out, l)
	}
	return out
}

func cutSignOff(lines []string) []string {
	for i := len(lines) - 1; i > 0 && i >= len(lines)-1-signOffMaxTail; i-- {
		t := strings.ToLower(strings.TrimRight(strings.TrimSpace(lines[i]), ",.!-–— "))
		if !signOffs[t] || nextNonBlank(lines[:i], 0) < 0 {
			continue
		}
		n := 0
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if n++; n > signOffMaxLines || !looksLikeSignatureLine(l) {
				return lines
			}
		}
		return lines[:i]
	}
	return lines
}

// looksLikeSignatureLine reports whether l could be a name, title, company
// or contact line rather than a sentence.
func looksLikeSignatureLine(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) > signOffMaxLineLen || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") {
		return false
	}
	return !strings.HasSuffix(t, ".") || len(strings.Fields(t)) <= 3
}

// splitLines splits text into lines without their line endings.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.Split(text, "\n")
}
