package mailtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// signOffs are closing lines after which only a name, a title and
// contact lines follow. Compared lower case, without trailing
// punctuation.
var signOffs = setOf(
	// en
	"regards", "best regards", "kind regards", "kindest regards", "warm regards", "warmest regards",
	"with best regards", "with kind regards", "many regards", "best wishes", "all the best", "best",
	"cheers", "thanks", "thank you", "thanks so much", "many thanks", "thanks again", "thanks in advance",
	"thx", "sincerely", "yours sincerely", "sincerely yours", "yours faithfully", "yours truly", "yours",
	"respectfully", "warmly", "take care", "br", "rgds", "ta", "talk soon", "speak soon",
	// de
	"mit freundlichen grüßen", "mit freundlichen grüssen", "freundliche grüße", "freundliche grüsse",
	"mit besten grüßen", "mit besten grüssen", "beste grüße", "beste grüsse", "viele grüße", "viele grüsse",
	"liebe grüße", "liebe grüsse", "herzliche grüße", "herzliche grüsse", "schöne grüße", "schöne grüsse",
	"grüße", "grüsse", "gruß", "gruss", "mfg", "lg", "vg", "danke", "vielen dank", "besten dank", "bis bald",
	// fr
	"cordialement", "bien cordialement", "très cordialement", "bien à vous", "bien à toi", "salutations",
	"sincères salutations", "meilleures salutations", "amicalement", "amitiés", "bonne journée",
	"bonne soirée", "merci", "merci beaucoup", "merci d'avance", "à bientôt", "bises",
	// es
	"saludos", "un saludo", "saludos cordiales", "atentamente", "cordialmente", "un abrazo", "abrazos",
	"gracias", "muchas gracias", "gracias de antemano", "besos",
	// it
	"cordiali saluti", "distinti saluti", "saluti", "un saluto", "grazie", "grazie mille", "a presto",
	"un abbraccio", "buona giornata",
	// nl
	"met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet", "vriendelijke groeten",
	"hartelijke groet", "hartelijke groeten", "groet", "groeten", "groetjes", "mvg", "bedankt",
	"alvast bedankt", "dank je", "dank u",
	// pt
	"atenciosamente", "cumprimentos", "melhores cumprimentos", "com os melhores cumprimentos", "abraço",
	"abraços", "um abraço", "obrigado", "obrigada", "muito obrigado", "muito obrigada", "att", "saudações", "beijos",
	// sv, no, da
	"med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "mvh", "tack", "med vennlig hilsen",
	"vennlig hilsen", "med venlig hilsen", "venlig hilsen", "hilsen", "takk", "tak",
	// pl, fi
	"pozdrawiam", "serdecznie pozdrawiam", "z poważaniem", "pozdrowienia", "dziękuję",
	"ystävällisin terveisin", "parhain terveisin", "terveisin", "kiitos",
	// ru, ja
	"с уважением", "с наилучшими пожеланиями", "всего доброго", "спасибо",
	"よろしくお願いします", "よろしくお願いいたします", "よろしくお願い致します",
)

// mobileFooters are the lines mail apps append ("Sent from my iPhone"),
// as a lower-case prefix and, where the app puts its verb last, suffix.
var mobileFooters = []struct{ prefix, suffix string }{
	{"sent from my ", ""}, {"sent from outlook", ""}, {"sent from mail for windows", ""},
	{"sent from yahoo mail", ""}, {"sent from proton mail", ""}, {"sent with proton mail", ""},
	{"get outlook for ", ""},
	{"von meinem ", " gesendet"}, {"gesendet von meinem ", ""}, {"gesendet mit ", ""}, {"gesendet von ", ""}, // de
	{"envoyé de mon ", ""}, {"envoyé depuis mon ", ""}, {"envoyé à partir de ", ""}, {"obtenir outlook pour ", ""}, // fr
	{"enviado desde mi ", ""}, {"enviado desde ", ""}, {"obtener outlook para ", ""}, // es
	{"inviato da ", ""}, {"inviato dal mio ", ""}, {"scarica outlook per ", ""}, // it
	{"verzonden vanaf mijn ", ""}, {"verstuurd vanaf mijn ", ""}, {"verzonden met ", ""}, {"outlook voor ", ""}, // nl
	{"enviado do meu ", ""}, {"enviado de meu ", ""}, {"enviado do ", ""}, {"obter o outlook para ", ""}, // pt
	{"skickat från min ", ""}, {"sendt fra min ", ""}, {"sendt fra ", ""}, // sv, no, da
	{"wysłane z ", ""}, {"wysłano z ", ""}, {"lähetetty ", ""}, // pl, fi
}

// Signature limits.
const (
	signOffMaxTail    = 6  // a sign-off counts only this close to the end (lines)
	signOffMaxLines   = 4  // and with at most this many non-blank lines after it
	signOffMaxLineLen = 72 // each at most this long (bytes)
	dashSigMaxTail    = 12 // lines after a bare "--", which is also used as a rule
	footerMaxTail     = 10 // a list footer's rule is at most this close to the end
	footerRuleLen     = 20 // underscores in a list footer's rule
	mobileMaxLen      = 80 // bytes of a mobile footer line
)

// Signature cuts the signature from the end of text (the new text of a
// mail, or a mail the user sent) and returns the text before it and the
// signature block, both trimmed. It cuts, in this order and
// conservatively:
//   - at the first "-- " line (RFC 3676), or when there is none at a
//     bare "--" line below some text with at most 12 lines after it;
//   - at a rule of at least 20 underscores in the last 10 lines, above a
//     mailing list's footer;
//   - at trailing mobile footers ("Sent from my iPhone", "Von meinem
//     iPhone gesendet", "Envoyé de mon iPhone", "Enviado desde mi
//     iPhone", "Inviato da iPhone", "Verzonden vanaf mijn iPhone",
//     "Enviado do meu iPhone", "Get Outlook for iOS", …);
//   - at a sign-off line ("Best regards,", "Thanks!", "Mit freundlichen
//     Grüßen", "Cordialement", "Saludos", "Cordiali saluti", "Met
//     vriendelijke groet", "Atenciosamente", "Cheers, Bob", …) within
//     the last 7 lines, below some text, when at most four short lines
//     that are not sentences (a name, a title, a phone number) follow.
//
// The signature block starts at the sign-off line, or after the
// delimiter line; it is "" when nothing was cut.
func Signature(text string) (body, sig string) {
	lines := splitLines(text)
	end := lastNonBlank(lines) + 1
	lines = lines[:end]
	cut := dashCut(lines)
	cut = footerCut(lines, cut)
	cut = mobileCut(lines, cut)
	cut = signOffCut(lines, cut)
	body = strings.TrimSpace(strings.Join(lines[:cut], "\n"))
	tail := lines[cut:]
	if len(tail) > 0 && strings.TrimRight(tail[0], " \t") == "--" {
		tail = tail[1:]
	}
	return body, strings.TrimSpace(strings.Join(tail, "\n"))
}

// UserSignature returns the signature block the writer of a mail puts
// under their own text: text is the mail's whole text, whose quoted
// history is left out first (as Split does); the block is cut as
// Signature cuts it, without what a mail app or a mailing list adds
// (trailing mobile footers such as "Sent from my iPhone", a list
// footer). delimited says whether it stands below a "-- " (or bare "--")
// delimiter line, which is not part of sig. sig is "" when the text has
// none: it is the block a reply written for that user would end with.
func UserSignature(text string) (sig string, delimited bool) {
	region, _ := scan(text, false)
	lines := splitLines(region)
	lines = lines[:lastNonBlank(lines)+1]
	lines = lines[:mobileCut(lines, len(lines))]
	lines = lines[:footerCut(lines, len(lines))]
	delimited = dashCut(lines) < len(lines)
	_, sig = Signature(strings.Join(lines, "\n"))
	return sig, delimited && sig != ""
}

// dashCut returns the index of the signature delimiter line, or
// len(lines). "-- " wins over an earlier bare "--", so that what is cut
// does not depend on how far below the delimiter one reads.
func dashCut(lines []string) int {
	for i, l := range lines {
		if l == "-- " {
			return i
		}
	}
	for i, l := range lines {
		if i > 0 && strings.TrimRight(l, " \t") == "--" && len(lines)-i-1 <= dashSigMaxTail {
			return i
		}
	}
	return len(lines)
}

// footerCut returns the index of a mailing-list footer's rule in the
// last lines of lines[:cut], or cut.
func footerCut(lines []string, cut int) int {
	for i := cut - 1; i >= 0 && i >= cut-footerMaxTail; i-- {
		if isRule(strings.TrimSpace(lines[i]), footerRuleLen) {
			return i
		}
	}
	return cut
}

// mobileCut returns where the trailing mobile footers of lines[:cut]
// begin, or cut. Only trailing ones: "Sent from my laptop, so the file
// should open now." in the middle of a text is a sentence.
func mobileCut(lines []string, cut int) int {
	for {
		i := lastNonBlank(lines[:cut])
		if i < 0 || !isMobileFooter(lines[i]) {
			return cut
		}
		cut = i
	}
}

func isMobileFooter(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) > mobileMaxLen || strings.HasSuffix(t, "?") {
		return false
	}
	low := strings.TrimRight(strings.ToLower(t), ".! ")
	for _, f := range mobileFooters {
		if strings.HasPrefix(low, f.prefix) && strings.HasSuffix(low, f.suffix) {
			return true
		}
	}
	return false
}

// signOffCut returns the index of the sign-off line that begins the
// signature of lines[:cut], or cut.
func signOffCut(lines []string, cut int) int {
	for i := cut - 1; i > 0 && i >= cut-1-signOffMaxTail; i-- {
		if !isSignOff(lines[i]) {
			continue
		}
		if lastNonBlank(lines[:i]) < 0 {
			return cut // the sign-off is all there is: it is the text
		}
		n := 0
		for _, l := range lines[i+1 : cut] {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if n++; n > signOffMaxLines || !looksLikeSignatureLine(l) {
				return cut
			}
		}
		return i
	}
	return cut
}

// isSignOff reports whether l is a sign-off line, alone ("Best
// regards,") or followed by a name ("Thanks, Bob").
func isSignOff(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) > 60 {
		return false
	}
	if signOffs[normSignOff(t)] {
		return true
	}
	head, name, ok := strings.Cut(t, ",")
	return ok && signOffs[normSignOff(head)] && isName(strings.TrimSpace(name))
}

func normSignOff(s string) string {
	return strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ",.!-–—:; 。、！"))
}

// isName reports whether s reads as a name: one to three capitalized
// words ("Bob", "Dana Miller", "J. R. Smith").
func isName(s string) bool {
	ws := strings.Fields(s)
	if len(ws) == 0 || len(ws) > 3 {
		return false
	}
	for _, w := range ws {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '.' && r != '-' && r != '\'' {
				return false
			}
		}
	}
	return true
}

// looksLikeSignatureLine reports whether l could be a name, title,
// company or contact line rather than a sentence.
func looksLikeSignatureLine(l string) bool {
	t := strings.TrimSpace(l)
	if len(t) > signOffMaxLineLen || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") {
		return false
	}
	return !strings.HasSuffix(t, ".") || len(strings.Fields(t)) <= 3
}

// lastNonBlank returns the index of the last line that is not blank, or
// -1.
func lastNonBlank(lines []string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
