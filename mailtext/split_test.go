package mailtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

type splitCase struct {
	name    string
	in      string
	new     string
	quoted  string // a line the history must hold; "" to skip
	sig     string // the signature; "-" to skip
	noQuote bool   // the history must be empty
}

func runSplit(t *testing.T, tests []splitCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Split(tc.in)
			if p.New != tc.new {
				t.Errorf("New:\n got %q\nwant %q", p.New, tc.new)
			}
			if tc.quoted != "" && !strings.Contains(p.Quoted, tc.quoted) {
				t.Errorf("Quoted %q does not hold %q", p.Quoted, tc.quoted)
			}
			if tc.noQuote && p.Quoted != "" {
				t.Errorf("Quoted %q, want none", p.Quoted)
			}
			if tc.sig != "-" && p.Signature != tc.sig {
				t.Errorf("Signature:\n got %q\nwant %q", p.Signature, tc.sig)
			}
			if got, want := NewText(tc.in), p.New; got != want {
				t.Errorf("NewText %q differs from Split's %q", got, want)
			}
		})
	}
}

// The cases of escalate's StripQuoted and reply's splitQuoted.
func TestSplitPorted(t *testing.T) {
	runSplit(t, []splitCase{
		{name: "top post with quote",
			in:  "Sounds good, see you then.\n\nOn Tue, 5 Mar 2024 at 10:00, Bob <bob@example.org> wrote:\n> Shall we meet at 3?\n> Bob",
			new: "Sounds good, see you then.", quoted: "> Shall we meet at 3?", sig: ""},
		{name: "inline answers kept",
			in:  "On Tue, 5 Mar 2024, Bob wrote:\n> Can you make 3pm?\nYes.\n> And bring the slides?\nI will.",
			new: "Yes.\nI will.", quoted: "On Tue, 5 Mar 2024, Bob wrote:\n> Can you make 3pm?\n> And bring", sig: ""},
		{name: "wrapped attribution",
			in:  "Fine by me.\n\nOn Tue, Mar 5, 2024 at 10:00 AM Bob Stone <bob@example.org>\nwrote:\n> Shall we meet at 3?",
			new: "Fine by me.", quoted: "<bob@example.org>\nwrote:\n>", sig: ""},
		{name: "wrapped attribution (reply)",
			in:  "Sounds good?\n\nOn Tue, 3 Sep 2002, Alice Example\nwrote:\n> Shall we?\n> Yes.\n",
			new: "Sounds good?", quoted: "> Shall we?", sig: ""},
		{name: "quoted tail without markers (HTML mail)",
			in:  "Thanks, that works.\n\nOn Tue, 5 Mar 2024 at 10:00, Bob <bob@example.org> wrote:\nShall we meet at 3?\nBob",
			new: "Thanks, that works.", quoted: "Shall we meet at 3?\nBob", sig: ""},
		{name: "German attribution",
			in:  "Passt.\n\nAm 05.03.2024 um 10:00 schrieb Bob <bob@example.org>:\n> Treffen um 15 Uhr?",
			new: "Passt.", quoted: "> Treffen um 15 Uhr?", sig: ""},
		{name: "Outlook original message",
			in:  "Please see below.\n\n-----Original Message-----\nFrom: Bob\nSent: Tuesday\nSubject: x\n\nold text",
			new: "Please see below.", quoted: "old text", sig: ""},
		{name: "Outlook original message (reply)",
			in:  "Top post.\n\n-----Original Message-----\nFrom: x\nCan you?\n",
			new: "Top post.", quoted: "Can you?", sig: ""},
		{name: "Outlook header block after a rule",
			in:  "Agreed.\n\n________________________________\nFrom: Bob Stone <bob@example.org>\nSent: Tuesday, March 5, 2024 10:00\nTo: Alice\nSubject: plan\n\nold",
			new: "Agreed.", quoted: "________________________________\nFrom: Bob", sig: ""},
		{name: "Outlook header block without rule",
			in:  "Agreed.\n\nFrom: Bob Stone <bob@example.org>\nDate: Tuesday, March 5, 2024 10:00\nTo: Alice\n\nold",
			new: "Agreed.", quoted: "old", sig: ""},
		{name: "Outlook header block (reply)",
			in:  "Top post.\n\nFrom: Bob <b@x>\nSent: Monday\nCan you?\n",
			new: "Top post.", quoted: "Can you?", sig: ""},
		{name: "From: in prose is kept",
			in:  "Hi,\nFrom: the start we said 3pm.\nSee you.",
			new: "Hi,\nFrom: the start we said 3pm.\nSee you.", noQuote: true, sig: ""},
		{name: "forwarded header at the top is kept",
			in:  "From: Bob <bob@example.org>\nSent: Tuesday\nSubject: plan\n\nthe plan",
			new: "From: Bob <bob@example.org>\nSent: Tuesday\nSubject: plan\n\nthe plan", noQuote: true, sig: ""},
		{name: "all quoted: nothing new",
			in:  "> only a quote\n> nothing else",
			new: "", quoted: "> only a quote\n> nothing else", sig: ""},
		{name: "CRLF",
			in:  "Yes.\r\n\r\nOn Mon, 4 Mar 2024, Bob wrote:\r\n> ok?\r\n",
			new: "Yes.", quoted: "On Mon, 4 Mar 2024, Bob wrote:\n> ok?", sig: ""},
		{name: "inline answer and signature (reply)",
			in:  "Inline answer.\n> quoted question?\nMore new text.\n-- \nSig line?\n",
			new: "Inline answer.\nMore new text.", quoted: "> quoted question?", sig: "Sig line?"},
	})
}

// Attributions as the common clients write them, one language at a time.
func TestSplitAttributions(t *testing.T) {
	attributions := []struct{ lang, line string }{
		{"en Gmail", "On Tue, Mar 5, 2024 at 10:00 AM Bob Stone <bob@example.org> wrote:"},
		{"en Apple", "On 5 Mar 2024, at 10:00, Bob Stone <bob@example.org> wrote:"},
		{"en short", "Bob Stone <bob@example.org> writes:"},
		{"de Gmail", "Am Di., 5. März 2024 um 10:00 Uhr schrieb Bob Stone <bob@example.org>:"},
		{"de Thunderbird", "Am 05.03.24 um 10:00 schrieb Bob Stone:"},
		{"fr Gmail", "Le mar. 5 mars 2024 à 10:00, Bob Stone <bob@example.org> a écrit :"},
		{"fr Thunderbird", "Le 05/03/2024 à 10:00, Bob Stone a écrit :"},
		{"es Gmail", "El mar, 5 mar 2024 a las 10:00, Bob Stone (<bob@example.org>) escribió:"},
		{"es Thunderbird", "El 5/3/24 a las 10:00, Bob Stone escribió:"},
		{"it Gmail", "Il giorno mar 5 mar 2024 alle ore 10:00 Bob Stone <bob@example.org> ha scritto:"},
		{"it Thunderbird", "Il 05/03/24 10:00, Bob Stone ha scritto:"},
		{"it old", "Bob Stone <bob@example.org> scrisse:"},
		{"nl Gmail", "Op di 5 mrt 2024 om 10:00 schreef Bob Stone <bob@example.org>:"},
		{"nl Thunderbird", "Op 05-03-2024 om 10:00 schreef Bob Stone:"},
		{"pt Gmail", "Em ter., 5 de mar. de 2024 às 10:00, Bob Stone <bob@example.org> escreveu:"},
		{"pt Thunderbird", "Em 05/03/2024 10:00, Bob Stone escreveu:"},
		{"sv Gmail", "Den tis 5 mars 2024 kl 10:00 skrev Bob Stone <bob@example.org>:"},
		{"no Gmail", "tir. 5. mar. 2024 kl. 10:00 skrev Bob Stone <bob@example.org>:"},
		{"da Thunderbird", "Den 05.03.2024 kl. 10.00 skrev Bob Stone:"},
		{"pl Gmail", "wt., 5 mar 2024 o 10:00 Bob Stone <bob@example.org> napisał(a):"},
		{"pl Thunderbird", "W dniu 5.03.2024 o 10:00, Bob Stone pisze:"},
		{"fi Gmail", "ti 5. maalisk. 2024 klo 10.00 Bob Stone (bob@example.org) kirjoitti:"},
		{"fi Thunderbird", "Bob Stone kirjoitti 5.3.2024 klo 10.00:"},
		{"ru Gmail", "вт, 5 мар. 2024 г. в 10:00, Боб Стоун <bob@example.org>:"},
		{"ru Thunderbird", "05.03.2024 10:00, Боб Стоун пишет:"},
		{"ja Gmail", "2024年3月5日(火) 10:00 Bob Stone <bob@example.org>:"},
		{"zh Gmail", "Bob Stone <bob@example.org> 于2024年3月5日周二 10:00写道："},
		{"Horde", "Quoting Bob Stone <bob@example.org>:"},
		{"wrapped en", "On Tue, Mar 5, 2024 at 10:00 AM Bob Stone <\nbob@example.org> wrote:"},
		{"wrapped de", "Am Di., 5. März 2024 um 10:00 Uhr schrieb Bob Stone <\nbob@example.org>:"},
		{"wrapped fr", "Le mar. 5 mars 2024 à 10:00, Bob Stone <bob@example.org>\na écrit :"},
		{"wrapped pl", "wt., 5 mar 2024 o 10:00 Bob Stone <bob@example.org>\nnapisał(a):"},
		{"wrapped no", "tir. 5. mar. 2024 kl. 10:00 skrev Bob Stone <\nbob@example.org>:"},
	}
	var tests []splitCase
	for _, a := range attributions {
		tests = append(tests,
			splitCase{name: a.lang + " quote", in: "Top.\n\n" + a.line + "\n> old\n> older\n",
				new: "Top.", quoted: a.line + "\n> old", sig: ""},
			splitCase{name: a.lang + " unmarked", in: "Top.\n\n" + a.line + "\n\nold text\nmore\n",
				new: "Top.", quoted: "more", sig: ""},
			splitCase{name: a.lang + " inline", in: a.line + "\n> Can you?\nYes.\n> And?\nNo.",
				new: "Yes.\nNo.", quoted: "> And?", sig: ""},
		)
	}
	runSplit(t, tests)
}

func TestSplitTails(t *testing.T) {
	block := func(lines ...string) string { return "Okay.\n\n" + strings.Join(lines, "\n") + "\n\nold text\n" }
	runSplit(t, []splitCase{
		{name: "de Outlook separator", in: block("-----Ursprüngliche Nachricht-----", "Von: Bob"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "fr Outlook separator", in: block("-----Message d'origine-----", "De : Bob"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "es Outlook separator", in: block("-----Mensaje original-----"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "it Outlook separator", in: block("-----Messaggio originale-----"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "nl Outlook separator", in: block("-----Oorspronkelijk bericht-----"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "pt Outlook separator", in: block("-----Mensagem original-----"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "Thunderbird separator", in: block("-------- Original Message --------"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "Gmail forward", in: block("---------- Forwarded message ---------", "From: Bob <bob@example.org>"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "Gmail forward de", in: block("---------- Weitergeleitete Nachricht ---------"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "Apple forward", in: block("Begin forwarded message:", "", "From: Bob <bob@example.org>"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "de header block", in: block("Von: Bob Stone <bob@example.org>", "Gesendet: Dienstag, 5. März 2024 10:00", "An: Alice", "Betreff: Plan"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "fr header block", in: block("De : Bob Stone <bob@example.org>", "Envoyé : mardi 5 mars 2024 10:00", "À : Alice", "Objet : plan"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "es header block", in: block("De: Bob Stone <bob@example.org>", "Enviado el: martes, 5 de marzo de 2024 10:00", "Para: Alice", "Asunto: plan"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "it header block", in: block("Da: Bob Stone <bob@example.org>", "Inviato: martedì 5 marzo 2024 10:00", "A: Alice", "Oggetto: piano"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "nl header block", in: block("Van: Bob Stone <bob@example.org>", "Verzonden: dinsdag 5 maart 2024 10:00", "Aan: Alice", "Onderwerp: plan"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "pt header block", in: block("De: Bob Stone <bob@example.org>", "Enviado: terça-feira, 5 de março de 2024 10:00", "Para: Alice", "Assunto: plano"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "sv header block", in: block("Från: Bob Stone <bob@example.org>", "Skickat: den 5 mars 2024 10:00", "Till: Alice", "Ämne: plan"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "bold header block (HTML)", in: block("*From:* Bob Stone [mailto:bob@example.org]", "*Sent:* Tuesday, March 5, 2024 10:00 AM", "*To:* Alice"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "double-spaced header block (HTML)", in: block("From: Bob Stone <bob@example.org>", "", "Sent: Tuesday", "", "To: Alice"), new: "Okay.", quoted: "old text", sig: ""},
		{name: "separator at the top is a forward",
			in: "-----Original Message-----\nFrom: Bob\nSent: Tuesday\n\nCan you pay the invoice?", new: "-----Original Message-----\nFrom: Bob\nSent: Tuesday\n\nCan you pay the invoice?", noQuote: true, sig: ""},
		{name: "attribution at the top, unmarked: all history",
			in: "On Tue, 5 Mar 2024 at 10:00, Bob <bob@example.org> wrote:\nShall we meet at 3?", new: "", quoted: "Shall we meet at 3?", sig: ""},
		{name: "prose ending in wrote: is kept",
			in:  "Here is what the customer wrote:\nThe product broke after two days.\nCan you handle it?",
			new: "Here is what the customer wrote:\nThe product broke after two days.\nCan you handle it?", noQuote: true, sig: ""},
		{name: "prose ending in wrote: above a quote is an attribution",
			in: "As Bob wrote:\n> ship it\nI agree.", new: "I agree.", quoted: "As Bob wrote:", sig: ""},
		{name: "sentence above an attribution is not its first half",
			in: "See you at 10\nOn Tue, 5 Mar 2024, Bob <bob@example.org> wrote:\n> ok?", new: "See you at 10", quoted: "On Tue", sig: ""},
		{name: "rule in the text is kept",
			in:  "Totals\n__________\n42 items\n\nmore text follows here\nand here\nand here\nand here\nand here\nand here\nand here\nand here\nand here",
			new: "Totals\n__________\n42 items\n\nmore text follows here\nand here\nand here\nand here\nand here\nand here\nand here\nand here\nand here", noQuote: true, sig: ""},
		{name: "signature above the history",
			in:  "Hi Alice,\n\nany news?\n\nDana\n\n-- \nDana Miller | Purchasing | +44 20 7946 0000\n\nOn Fri, 1 Mar 2024 at 14:30, Alice Example <alice@example.org> wrote:\n> Hi Dana,",
			new: "Hi Alice,\n\nany news?\n\nDana", quoted: "> Hi Dana,", sig: "Dana Miller | Purchasing | +44 20 7946 0000"},
		{name: "mobile footer above the history",
			in:  "On my way.\n\nSent from my iPhone\n\nOn 5 Mar 2024, at 10:00, Bob <bob@example.org> wrote:\n> Where are you?",
			new: "On my way.", quoted: "> Where are you?", sig: "Sent from my iPhone"},
		{name: "nested quotes",
			in:  "Yes.\n\nOn Tue, 5 Mar 2024, Bob wrote:\n> No.\n>\n> > On Mon, 4 Mar 2024, Alice wrote:\n> > > Really?",
			new: "Yes.", quoted: "> > > Really?", sig: ""},
		{name: "empty", in: "", new: "", noQuote: true, sig: ""},
		{name: "blank", in: " \n\r\n\t", new: "", noQuote: true, sig: ""},
	})
}

// The old splitters disagreed on these; each case says what was chosen.
func TestSplitDisagreements(t *testing.T) {
	runSplit(t, []splitCase{
		// reply stopped at the first attribution and lost the answers below
		// it; escalate kept them. Kept: inline answers are what the sender wrote.
		{name: "inline answers after a top text",
			in:  "Answers inline.\n\nOn Tue, 5 Mar 2024, Bob <bob@example.org> wrote:\n> Can you make 3pm?\nYes.\n> Slides?\nAttached.",
			new: "Answers inline.\n\nYes.\nAttached.", quoted: "> Slides?", sig: ""},
		// reply took a forward at the top for history (no new text at all);
		// escalate kept it. Kept: the forwarded text is what was sent.
		{name: "forward at the top",
			in:  "From: Bob <bob@example.org>\nSent: Tuesday\nSubject: plan\n\nCould you approve the plan?",
			new: "From: Bob <bob@example.org>\nSent: Tuesday\nSubject: plan\n\nCould you approve the plan?", noQuote: true, sig: ""},
		// reply knew only attributions that end with the verb and missed
		// "… schrieb Bob <bob@example.org>:"; escalate knew them.
		{name: "verb before the address",
			in:  "Ja.\n\nAm 05.03.2024 um 10:00 schrieb Bob <bob@example.org>:\n> Passt Freitag?",
			new: "Ja.", quoted: "> Passt Freitag?", sig: ""},
		// escalate missed the Scandinavian, Polish and Finnish verbs that
		// reply knew.
		{name: "Polish attribution",
			in:  "Tak.\n\nwt., 5 mar 2024 o 10:00 Bob <bob@example.org> napisał(a):\n> Piątek?",
			new: "Tak.", quoted: "> Piątek?", sig: ""},
		// reply cut at any bare "--"; escalate only with at most 12 lines
		// after it. Kept escalate's: "--" is also a rule.
		{name: "bare dashes as a rule",
			in:  "Agenda\n--\n" + strings.Repeat("point\n", 14),
			new: "Agenda\n--\n" + strings.TrimSpace(strings.Repeat("point\n", 14)), noQuote: true, sig: ""},
		// reply took any line of 20 underscores for the start of the
		// history; escalate only above a header block, or as a list footer
		// near the end. Kept escalate's: the footer is signature, not history.
		{name: "list footer",
			in:  "Patch attached.\n\n_______________________________________________\ndev mailing list\ndev@lists.example.org",
			new: "Patch attached.", noQuote: true, sig: "_______________________________________________\ndev mailing list\ndev@lists.example.org"},
		// reply kept sign-offs and mobile footers in the new text; escalate
		// removed them. Removed: "Thanks,\nAlex" is not part of the request.
		{name: "sign-off",
			in:  "Could you send me the Q3 numbers?\n\nThanks,\nAlex",
			new: "Could you send me the Q3 numbers?", noQuote: true, sig: "Thanks,\nAlex"},
		// escalate dropped "Sent from my …" lines anywhere; only trailing
		// ones are footers.
		{name: "mobile line inside the text",
			in:  "Sent from my laptop at the airport, the file should open now.\nLet me know.",
			new: "Sent from my laptop at the airport, the file should open now.\nLet me know.", noQuote: true, sig: ""},
		// reply's header block needed Sent:/Date: on the very next line and
		// knew only English and German; escalate looked three lines ahead
		// in six languages.
		{name: "Dutch header block",
			in:  "Prima.\n\nVan: Bob <bob@example.org>\nAan: Alice\nVerzonden: dinsdag\n\noud",
			new: "Prima.", quoted: "oud", sig: ""},
		// escalate took "Thanks, Bob" for text; a sign-off with the name on
		// its line is a signature.
		{name: "sign-off with the name on its line",
			in:  "Can you send it?\n\nThanks, Bob",
			new: "Can you send it?", noQuote: true, sig: "Thanks, Bob"},
	})
}

func TestSplitAttributionLimits(t *testing.T) {
	long := "On " + strings.Repeat("x", 300) + " wrote:"
	if ok, _, _ := attribution(long); ok {
		t.Errorf("%d-byte line taken for an attribution", len(long))
	}
	if ok, _, _ := attribution("wrote"); ok {
		t.Error(`"wrote" without a colon taken for an attribution`)
	}
	if ok, _, _ := attribution("He rewrote:"); ok {
		t.Error(`"rewrote:" taken for "wrote:"`)
	}
	if ok, _, _ := attribution("Here's what I wrote to them on 5 March:"); ok {
		t.Error("English prose with a date after the verb taken for an attribution")
	}
}

func TestNewTextCap(t *testing.T) {
	para := "Könnten Sie bitte die Unterlagen für das Treffen am Freitag schicken? Grüße aus Köln. "
	long := strings.Repeat(para, 200) // 17 KB of new text, 2-byte characters throughout
	for name, text := range map[string]string{
		"paragraph":      long + "\n\nOn Tue, 5 Mar 2024, Bob <bob@example.org> wrote:\n> old\n",
		"lines":          strings.Repeat(para+"\n", 200),
		"one huge line":  strings.Repeat("日本語のテキスト", 5000),
		"after a quote":  "> q\n" + long,
		"just below cap": strings.Repeat("a", NewTextMax-1),
	} {
		t.Run(name, func(t *testing.T) {
			got := NewText(text)
			if len(got) > NewTextMax {
				t.Errorf("%d bytes, more than %d", len(got), NewTextMax)
			}
			if !utf8.ValidString(got) {
				t.Errorf("invalid UTF-8 at the cut: %q", got[max(len(got)-20, 0):])
			}
			whole := Split(text).New
			if len(whole) <= NewTextMax-len(Marker) {
				if got != whole {
					t.Errorf("NewText differs from Split below the cap")
				}
				return
			}
			if !strings.HasSuffix(got, Marker) || !strings.HasPrefix(whole, strings.TrimSuffix(got, Marker)) {
				t.Errorf("NewText is not a marked prefix of the new text: ends %q", got[max(len(got)-20, 0):])
			}
			if len(got) < NewTextMax-200 {
				t.Errorf("NewText cut too early: %d bytes", len(got))
			}
		})
	}
}

// The bodies of escalate's fixture thread: quotes and signatures are gone,
// what each sender wrote is there.
func TestSplitFixtureThread(t *testing.T) {
	bodies := []struct{ body, start string }{
		{"Hi Alice,\n\nwe received invoice 2024-117 for the March maintenance. It lists 40 hours,\nbut our order was for 25 hours. Could you check it?\n\nBest regards,\nDana Miller\nPurchasing, Client Ltd.\n",
			"Hi Alice,\n\nwe received invoice"},
		{"Hi Dana,\n\nthanks, I'll look into it with our accounts team and get back to you.\n\nAlice\n\nOn Fri, 1 Mar 2024 at 09:12, Dana Miller <dana@client.example> wrote:\n> Hi Alice,\n>\n> we received invoice 2024-117 for the March maintenance. It lists 40 hours,\n> but our order was for 25 hours. Could you check it?\n",
			"Hi Dana,\n\nthanks"},
		{"Hi Alice,\n\nany news? Payment is due on Friday and I cannot approve the invoice as it\nstands. I'm copying my manager Bob.\n\nDana\n\n-- \nDana Miller | Purchasing | Client Ltd. | +44 20 7946 0000\n\nOn Fri, 1 Mar 2024 at 14:30, Alice Example <alice@example.org> wrote:\n> Hi Dana,\n>\n> thanks, I'll look into it with our accounts team and get back to you.\n",
			"Hi Alice,\n\nany news?"},
		{"Alice,\n\nthis is the second invoice this year that does not match the order. I'd\nlike a corrected invoice and an explanation of how this happened.\n\nBob Stone\nHead of Operations\n\n-----Original Message-----\nFrom: Dana Miller <dana@client.example>\nSent: Sunday, March 3, 2024 10:05 AM\nTo: Alice Example <alice@example.org>\nSubject: Re: Invoice 2024-117\n\nHi Alice,\n\nany news? Payment is due on Friday.\n",
			"Alice,\n\nthis is the second"},
		{"Hi Bob,\n\nI'm sorry for the trouble. Carol in finance is checking the hours against\nthe timesheets and we will send a corrected invoice if the 40 hours are wrong.\n\nBest,\nAlice\n\nFrom: Bob Stone <bob@client.example>\nSent: Monday, March 4, 2024 08:40\nTo: Alice Example <alice@example.org>\nSubject: RE: Invoice 2024-117\n\nAlice,\n\nthis is the second invoice this year that does not match the order.\n",
			"Hi Bob,\n\nI'm sorry"},
		{"Alice,\n\ntwo days and still no corrected invoice.\n\nBob Stone\nHead of Operations\n\nOn Mon, 4 Mar 2024 at 16:20, Alice Example <alice@example.org> wrote:\n> Hi Bob,\n>\n> I'm sorry for the trouble. Carol in finance is checking the hours.\n",
			"Alice,\n\ntwo days"},
	}
	for i, b := range bodies {
		got := Split(b.body).New
		for _, bad := range []string{"> ", "wrote:", "Original Message", "Sent:", "+44 20", "Best regards"} {
			if strings.Contains(got, bad) {
				t.Errorf("message %d still contains %q:\n%s", i+1, bad, got)
			}
		}
		if !strings.HasPrefix(got, b.start) {
			t.Errorf("message %d starts %q, want %q", i+1, Clip(got, 40), b.start)
		}
	}
	if got := Split(bodies[4].body).New; strings.HasSuffix(got, "Alice") {
		t.Errorf("sign-off of message 5 not cut:\n%s", got)
	}
}

// reply's trigger fixture: a question only in the quote asks nothing.
func TestSplitQuestionOnlyQuoted(t *testing.T) {
	body := "Great, see you then.\n\nOn Tue, 24 Nov 2026 at 11:58, Sam Taylor <sam@example.org> wrote:\n> Can you make it Tuesday at noon? Or would Wednesday be better?\n> Let me know.\n"
	if got := NewText(body); got != "Great, see you then." {
		t.Errorf("NewText = %q", got)
	}
	if asks := Asks(NewText(body), 0); asks != nil {
		t.Errorf("asks %q", asks)
	}
}
