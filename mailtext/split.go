package mailtext

import "strings"

// NewTextMax bounds what NewText returns, in bytes: a question worth
// answering is near the top, and the reply trigger reads no more.
const NewTextMax = 8 << 10

// Parts is a mail's body text divided by who wrote it.
type Parts struct {
	// New is what the sender wrote in this message: the body without
	// quoted lines, attributions, quoted tails and the signature, trimmed.
	// Inline answers between quotes are kept, in order; a run of blank
	// lines (as a removed quote leaves) is one blank line. It is "" when
	// the sender wrote nothing new (a bare quote); a caller that must show
	// something then shows the whole body.
	New string
	// Quoted is the quoted history: lines quoted with '>', attribution
	// lines and the quoted tail, in order, with "\n" line ends.
	Quoted string
	// Signature is the signature block cut from the end of the new text
	// (see the function Signature).
	Signature string
}

// Split divides a message's body text into the sender's new text, the
// quoted history and the signature.
//
// Quoted history is:
//   - lines quoted with '>' (wherever they are: text between them is an
//     inline answer and stays new text);
//   - an attribution ("On Tue, 5 Mar 2024, Bob <bob@example.org> wrote:",
//     "Am … schrieb …:", "Le … a écrit :", and their Spanish, Italian,
//     Dutch, Portuguese, Scandinavian, Polish, Finnish, Russian and
//     Chinese forms, or a date and an address alone, as Gmail writes in
//     Russian or Japanese), also when wrapped over two lines;
//   - a quoted tail without '>' markers, everything from its first line
//     to the end: below an attribution that names a date or an address
//     and is not followed by '>' lines (HTML mail turned into text),
//     below a separator ("-----Original Message-----", "----------
//     Forwarded message ---------", "-----Ursprüngliche Nachricht-----",
//     … in the languages above), and from an Outlook header block
//     ("From: … / Sent: …", "Von: … / Gesendet: …", "De : … / Envoyé :
//     …", …), with the rule of underscores Outlook puts above it.
//
// A separator or header block starts a tail only below something the
// sender wrote: at the top of a message it is a forward without a
// comment, and the forwarded text is what the sender sends.
//
// The signature is then cut from the end of the new text by Signature.
// Split does not bound the new text; NewText does.
func Split(text string) Parts {
	region, quoted := scan(text, false)
	body, sig := Signature(region)
	return Parts{New: body, Quoted: strings.TrimSpace(quoted), Signature: sig}
}

// NewText returns Split(text).New, cut by Truncate to at most NewTextMax
// bytes including the mark of the cut. It reads the text no further than
// needed: it stops at a quoted tail, at a signature delimiter, and when it
// has enough; lines quoted with '>' are skipped, not copied. Past
// NewTextMax the signature is looked for at the end of what was read.
func NewText(text string) string {
	region, _ := scan(text, true)
	body, _ := Signature(region)
	return Truncate(body, NewTextMax-len(Marker))
}

// Where the two splitters this package replaces disagreed (reply's
// splitQuoted and escalate's StripQuoted and StripSignature), Split
// takes the reading a careful reader of real mail would:
//   - Inline answers below an attribution are new text (reply dropped
//     everything after the first attribution).
//   - A separator or header block at the top is a forward and stays new
//     text (reply made all of it history, leaving no new text at all).
//   - An attribution names its verb anywhere near the end ("Am … schrieb
//     Bob <bob@example.org>:", which reply missed) and in the Nordic,
//     Polish and Finnish forms (which escalate missed); unlike reply, a
//     bare "… wrote:" that names no date or address and is followed by
//     unquoted text is prose, not the start of a quoted tail.
//   - Header blocks are known in twelve languages and may spread over
//     three lines (reply: English and German, next line only).
//   - A bare "--" ends the text only with at most 12 lines after it
//     (reply: always), and a rule of underscores is history only above a
//     header block and a list footer's start near the end (reply: any
//     rule of 20 underscores started the history).
//   - Sign-offs and mobile footers are signature (reply kept them in the
//     new text); a mobile footer only at the end (escalate dropped "Sent
//     from my …" lines anywhere, sentences included).
//   - When nothing new is left, New is "" (escalate returned the whole
//     text; a caller that must show something does that itself).

// longLine is how much of a single line the fast path reads at least:
// more than any attribution, so that a line is never judged by a part.
const longLine = 1 << 10

// scan walks text line by line, once, and sorts the lines into the new
// region (new text and signature, which Signature separates) and the
// quoted history. With fast set it keeps no history and stops as soon as
// the region is complete or larger than NewTextMax.
func scan(text string, fast bool) (region, quoted string) {
	var nb, qb strings.Builder
	quote := func(line string) {
		if !fast {
			qb.WriteString(line)
			qb.WriteByte('\n')
		}
	}
	quoteAll := func(rest string) {
		for !fast && rest != "" {
			var line string
			line, rest = nextLine(rest)
			quote(line)
		}
	}
	seenNew := false  // the sender wrote something above this line
	lastBlank := true // the last line of the region is blank, or there is none
	for rest := text; rest != ""; {
		if fast {
			room := max(NewTextMax+1-nb.Len(), longLine)
			if nb.Len() > NewTextMax {
				break
			}
			if len(rest) > room && strings.IndexByte(rest[:room], '\n') < 0 && !isQuoteLine(rest) {
				nb.WriteString(rest[:room]) // a huge line: Truncate cuts it
				break
			}
		}
		var line string
		line, rest = nextLine(rest)
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, ">") {
			quote(line)
			continue
		}
		if line == "-- " { // RFC 3676: all after it is signature or history
			nb.WriteString("-- \n")
			lastBlank = false
			if fast {
				break
			}
			seenNew = true
			continue
		}
		if seenNew && startsTail(t, rest) {
			quote(line)
			quoteAll(rest)
			break
		}
		if n, tail := attributionAt(t, rest); n > 0 {
			quote(line)
			if n == 2 {
				line, rest = nextLine(rest)
				quote(line)
			}
			if tail {
				quoteAll(rest)
				break
			}
			continue
		}
		if t == "" && lastBlank {
			continue // the gap a quote left, or the sender's: one blank line is enough
		}
		lastBlank = t == ""
		nb.WriteString(line)
		nb.WriteByte('\n')
		// A separator or header block at the top begins a forward: it is
		// not something the sender wrote above a quote.
		seenNew = seenNew || t != "" && !isSeparator(t) && !isHeaderBlock(t, rest)
	}
	return nb.String(), qb.String()
}

// startsTail reports whether the line t (trimmed) starts a quoted tail
// that is not an attribution: a separator, an Outlook header block, or a
// rule of underscores above one. rest is the text after t.
func startsTail(t, rest string) bool {
	if t == "" {
		return false
	}
	switch t[0] {
	case '-':
		return isSeparator(t)
	case '_':
		if !isRule(t, 10) {
			return false
		}
		next, after, ok := nextNonBlank(rest)
		return ok && isHeaderBlock(next, after)
	}
	return isSeparator(t) || isHeaderBlock(t, rest)
}

// attributionAt reports whether an attribution starts at the line t
// (trimmed): n is its number of lines (1, or 2 when wrapped), tail
// whether the history below it carries no '>' markers and so runs to the
// end. An attribution that names neither date nor address and is followed
// by unquoted text is prose ("Here is what she wrote:"), not one.
func attributionAt(t, rest string) (n int, tail bool) {
	ok, evidence, _ := attribution(t)
	if ok {
		n = 1
	} else if n, evidence = wrappedAttribution(t, rest); n == 0 {
		return 0, false
	}
	after := rest
	if n == 2 {
		_, after = nextLine(rest)
	}
	next, _, found := nextNonBlank(after)
	switch {
	case !found:
		return n, true // nothing follows: the attribution belongs to the history
	case strings.HasPrefix(next, ">"):
		return n, false
	case evidence:
		return n, true
	}
	return 0, false
}

// wrappedAttribution reports whether t and the next line form one
// attribution ("On Tue, 5 Mar 2024 at 10:00 AM Bob Stone <bob@example.org>"
// then "wrote:"). Lest a sentence above an attribution be taken for its
// first half, t must not end a sentence, and it must open like an
// attribution ("On …") or, when the next line is an attribution of its
// own ("Bob <bob@example.org> wrote:"), at least name a date or an address.
func wrappedAttribution(t, rest string) (n int, evidence bool) {
	if t == "" || rest == "" || t[0] == '>' || strings.ContainsAny(t[len(t)-1:], ".!?") {
		return 0, false
	}
	next, _ := nextLine(rest)
	next = strings.TrimSpace(next)
	if next == "" || next[0] == '>' || !strings.HasSuffix(next, ":") && !strings.HasSuffix(next, "：") {
		return 0, false
	}
	opener := hasOpener(strings.ToLower(t[:min(len(t), 8)]))
	if !opener {
		if ok, _, verbAt := attribution(next); ok && verbAt != 0 || !strings.ContainsAny(t, "@0123456789") {
			return 0, false
		}
	}
	if ok, evidence, _ := attribution(t + " " + next); ok && evidence {
		return 2, true
	}
	return 0, false
}

// nextLine returns the first line of s without its line end, and the
// text after it.
func nextLine(s string) (line, rest string) {
	line, rest = s, ""
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		line, rest = s[:i], s[i+1:]
	}
	for len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, rest
}

// nextNonBlank returns the first line of s that is not blank, trimmed,
// and the text after it.
func nextNonBlank(s string) (line, rest string, ok bool) {
	for s != "" {
		line, s = nextLine(s)
		if t := strings.TrimSpace(line); t != "" {
			return t, s, true
		}
	}
	return "", "", false
}

// isQuoteLine reports whether the first line of s is quoted with '>'.
func isQuoteLine(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t"), ">")
}

// splitLines splits text into lines without their line ends.
func splitLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}
