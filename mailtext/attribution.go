package mailtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds what marks the start of quoted history: attribution
// lines ("On …, Alice wrote:"), separators ("-----Original Message-----")
// and Outlook's quoted header blocks ("From: … / Sent: …").

// attributionVerbs end the line a mail client writes above a quote, as
// the common clients (Gmail, Outlook, Apple Mail, Thunderbird, mutt)
// write them, by language. English attributions put nothing but a name
// or an address after the verb; Chinese ones need no space before it.
var attributionVerbs = []attributionVerb{
	{"wrote", "en"}, {"writes", "en"},
	{"schrieb", "de"},
	{"a écrit", "fr"},
	{"escribió", "es"},
	{"ha scritto", "it"}, {"scrisse", "it"},
	{"schreef", "nl"},
	{"escreveu", "pt"},
	{"skrev", "sv"}, // and no, da
	{"napisał", "pl"}, {"napisała", "pl"}, {"pisze", "pl"},
	{"kirjoitti", "fi"},
	{"пишет", "ru"}, {"написал", "ru"}, {"написала", "ru"},
	{"写道", "zh"},
}

type attributionVerb struct {
	verb string // lower case
	lang string // ISO 639-1; "zh" verbs are matched without word boundaries
}

// attributionOpeners begin attributions that name the date first ("On
// Tue, …", "Am 05.03.2024 …", "Le mar. 5 mars …", "El …", "Il giorno …",
// "Op …", "Em …", "Den …", "W dniu …").
var attributionOpeners = []string{"on ", "am ", "le ", "el ", "il ", "op ", "em ", "den ", "w dniu ", "dnia "}

// attributionPrefixes begin attributions without a verb at the end
// (Horde: "Quoting Alice <alice@example.org>:").
var attributionPrefixes = []string{"quoting ", "zitat von ", "citando ", "citation de "}

// Attribution limits, in bytes.
const (
	maxAttributionLen     = 300 // an attribution line, or two joined
	maxBareAttributionLen = 120 // one that names neither a date nor an address ("Bob wrote:")
	maxAttributionTail    = 160 // what may follow the verb ("schrieb Bob <bob@example.org>:")
)

// attribution reports whether s (a trimmed line, or two joined) is an
// attribution, whether it names a date or an address (evidence that it
// introduces a quote rather than ends a sentence of prose, "Here is what
// he wrote:"), and the byte offset of its verb (-1 for a prefix form).
func attribution(s string) (ok, evidence bool, verbAt int) {
	if wide, found := strings.CutSuffix(s, "："); found { // CJK clients
		s = wide + ":"
	}
	if len(s) < 6 || len(s) > maxAttributionLen || s[len(s)-1] != ':' {
		return false, false, -1
	}
	evidence = strings.ContainsAny(s, "@0123456789")
	if !evidence && len(s) > maxBareAttributionLen {
		return false, false, -1
	}
	lower := strings.TrimRight(strings.ToLower(s[:len(s)-1]), " \t")
	for _, p := range attributionPrefixes {
		if strings.HasPrefix(lower, p) && strings.Contains(lower, "@") {
			return true, true, -1
		}
	}
	// Gmail in languages without a verb: "вт, 5 мар. 2024 г. в 10:00, Боб
	// <bob@example.org>:", "2024年3月5日(火) 10:00 Bob <bob@example.org>:".
	if strings.HasSuffix(lower, ">") && strings.Contains(lower, "@") && strings.ContainsAny(lower, "0123456789") {
		return true, true, -1
	}
	spans := wordSpans(lower, make([][2]int, 0, 32))
	for k := len(spans) - 1; k >= 0; k-- { // the last verb is the attribution's
		i := spans[k][0]
		for _, v := range verbIndex[lower[i:spans[k][1]]] {
			end := i + len(v.verb)
			r, _ := utf8.DecodeRuneInString(lower[min(end, len(lower)):])
			if strings.HasPrefix(lower[i:], v.verb) && (end == len(lower) || !isWordRune(r)) && verbFits(lower, end, v.lang) {
				return true, evidence, i
			}
		}
	}
	for _, v := range attributionVerbs {
		if v.lang == "zh" { // written without spaces around it
			if i := strings.LastIndex(lower, v.verb); i >= 0 && verbFits(lower, i+len(v.verb), v.lang) {
				return true, evidence, i
			}
		}
	}
	return false, false, -1
}

// verbIndex maps the first word of every attribution verb written
// between spaces to the verbs.
var verbIndex = func() map[string][]attributionVerb {
	idx := make(map[string][]attributionVerb)
	for _, v := range attributionVerbs {
		if v.lang != "zh" {
			first, _, _ := strings.Cut(v.verb, " ")
			idx[first] = append(idx[first], v)
		}
	}
	return idx
}()

// verbFits reports whether what follows an attribution verb that ends at
// end of lower fits an attribution: nothing, an address, or, where the
// client names a date, the name ("Am 05.03.2024 um 10:00 schrieb Bob:",
// "Bob kirjoitti 5.3.2024 klo 10.00:").
func verbFits(lower string, end int, lang string) bool {
	after := lower[end:]
	for _, suffix := range []string{"(a)", "(а)"} { // pl, ru: "napisał(a):", "написал(а):"
		after = strings.TrimPrefix(after, suffix)
	}
	after = strings.TrimSpace(after)
	switch {
	case after == "":
		return true
	case len(after) > maxAttributionTail:
		return false
	}
	return strings.Contains(after, "@") ||
		(lang != "en" || hasOpener(lower)) && strings.ContainsAny(lower, "0123456789")
}

func hasOpener(lower string) bool {
	for _, o := range attributionOpeners {
		if strings.HasPrefix(lower, o) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// separators are the words between the dashes of a line that clients put
// above a quoted or forwarded original ("-----Original Message-----",
// "---------- Forwarded message ---------"), lower case.
var separators = map[string]bool{
	"original message": true, "forwarded message": true, // en
	"ursprüngliche nachricht": true, "weitergeleitete nachricht": true, // de
	"message d'origine": true, "message original": true, "message transféré": true, // fr
	"mensaje original": true, "mensaje reenviado": true, // es
	"messaggio originale": true, "messaggio inoltrato": true, // it
	"oorspronkelijk bericht": true, "origineel bericht": true, "doorgestuurd bericht": true, // nl
	"mensagem original": true, "mensagem encaminhada": true, "mensagem reencaminhada": true, // pt
	"ursprungligt meddelande": true, "vidarebefordrat meddelande": true, // sv
	"opprinnelig melding": true, "videresendt melding": true, // no
	"oprindelig meddelelse": true, "videresendt meddelelse": true, // da
	"wiadomość oryginalna": true, "oryginalna wiadomość": true, "przekazana wiadomość": true, // pl
	"alkuperäinen viesti": true, "välitetty viesti": true, // fi
}

// forwardLines are lines without dashes that Apple Mail and others put
// above a forwarded original, lower case without the colon.
var forwardLines = map[string]bool{
	"begin forwarded message":               true,
	"anfang der weitergeleiteten nachricht": true,
	"début du message réexpédié":            true,
	"début du message transféré":            true,
	"inicio del mensaje reenviado":          true,
	"inizio messaggio inoltrato":            true,
	"begin doorgestuurd bericht":            true,
	"início da mensagem reencaminhada":      true,
	"início da mensagem encaminhada":        true,
	"början på vidarebefordrat meddelande":  true,
	"videresendt melding":                   true,
	"początek przekazywanej wiadomości":     true,
	"välitetty viesti alkaa":                true,
}

// isSeparator reports whether t (a trimmed line) separates the new text
// from a quoted or forwarded original.
func isSeparator(t string) bool {
	if strings.HasPrefix(t, "--") {
		core := strings.ToLower(strings.Trim(t, "- \t"))
		return separators[core]
	}
	if strings.HasSuffix(t, ":") && len(t) < 60 {
		return forwardLines[strings.TrimSpace(strings.ToLower(strings.TrimSuffix(t, ":")))]
	}
	return false
}

// Outlook's quoted header block: a "From:" line and, within the next
// headerBlockSpan lines, another header line. Names are lower case,
// without the colon; Outlook writes "De : …" with a space in French.
const headerBlockSpan = 3

var headerFrom = map[string]bool{
	"from": true, "von": true, "de": true, "da": true, "van": true, "från": true, "fra": true,
	"od": true, "lähettäjä": true,
}

var headerNext = map[string]bool{
	"sent": true, "date": true, "to": true, "cc": true, "subject": true, // en
	"gesendet": true, "datum": true, "an": true, "betreff": true, // de
	"envoyé": true, "à": true, "objet": true, // fr
	"enviado": true, "enviado el": true, "fecha": true, "para": true, "asunto": true, // es
	"inviato": true, "data": true, "a": true, "oggetto": true, // it
	"verzonden": true, "aan": true, "onderwerp": true, // nl
	"assunto": true,                             // pt
	"skickat": true, "till": true, "ämne": true, // sv
	"sendt": true, "til": true, "emne": true, // no, da
	"wysłano": true, "wysłane": true, "do": true, "temat": true, // pl
	"lähetetty": true, "vastaanottaja": true, "aihe": true, "päivämäärä": true, // fi
}

// headerName returns the lower-case name of t when it reads like a
// header line ("From: …", "*Sent:* …", "De : …"), and the value after
// the colon.
func headerName(t string) (name, value string, ok bool) {
	i := strings.IndexByte(t[:min(len(t), 32)], ':')
	if i <= 0 {
		return "", "", false
	}
	name = strings.ToLower(strings.Trim(t[:i], "* \t"))
	if name == "" {
		return "", "", false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && r != ' ' {
			return "", "", false
		}
	}
	return name, strings.Trim(t[i+1:], "* \t"), true
}

// isHeaderBlock reports whether t (a trimmed line) starts an Outlook
// quoted header block; rest is the text after it.
func isHeaderBlock(t, rest string) bool {
	name, value, ok := headerName(t)
	if !ok || !headerFrom[name] || value == "" {
		return false
	}
	for range headerBlockSpan {
		var line string
		if rest == "" {
			return false
		}
		line, rest = nextLine(rest)
		if name, _, ok := headerName(strings.TrimSpace(line)); ok && headerNext[name] {
			return true
		}
	}
	return false
}

// isRule reports whether t (a trimmed line) is a rule of at least n
// underscores, as Outlook puts above a quoted header block and mailing
// lists above their footer.
func isRule(t string, n int) bool {
	return len(t) >= n && strings.Trim(t, "_") == ""
}
