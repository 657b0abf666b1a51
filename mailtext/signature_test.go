package mailtext

import (
	"strings"
	"testing"
)

func TestSignature(t *testing.T) {
	long := strings.TrimSpace(strings.Repeat("line\n", 20))
	tests := []struct{ name, in, body, sig string }{
		// escalate's StripSignature cases.
		{"dash-dash-space", "See you at 3.\n\n-- \nBob Stone\nHead of Operations\n+44 20 7946 0000", "See you at 3.", "Bob Stone\nHead of Operations\n+44 20 7946 0000"},
		{"bare dashes, short tail", "See you at 3.\n--\nBob", "See you at 3.", "Bob"},
		{"bare dashes, long tail kept", "a\n--\n" + long, "a\n--\n" + long, ""},
		{"sign-off with name and title", "Please check.\n\nBest regards,\nDana Miller\nPurchasing, Client Ltd.", "Please check.", "Best regards,\nDana Miller\nPurchasing, Client Ltd."},
		{"sign-off alone", "Please review.\n\nThanks!", "Please review.", "Thanks!"},
		{"German sign-off", "Bitte prüfen.\n\nViele Grüße\nDana", "Bitte prüfen.", "Viele Grüße\nDana"},
		{"sign-off first line kept", "Thanks\n\nI got the file.", "Thanks\n\nI got the file.", ""},
		{"sentence after sign-off kept", "Cheers,\nBob\n\nP.S. Can you also send the slides?", "Cheers,\nBob\n\nP.S. Can you also send the slides?", ""},
		{"sentence after sign-off kept 2", "ok\nThanks,\nI will call you tomorrow about the contract details.", "ok\nThanks,\nI will call you tomorrow about the contract details.", ""},
		{"mobile", "On my way.\n\nSent from my iPhone", "On my way.", "Sent from my iPhone"},
		{"list footer", "Patch attached.\n\n_______________________________________________\ndev mailing list\ndev@lists.example.org\nhttps://lists.example.org/dev",
			"Patch attached.", "_______________________________________________\ndev mailing list\ndev@lists.example.org\nhttps://lists.example.org/dev"},
		{"nothing to strip", "Can you send the report by Friday?", "Can you send the report by Friday?", ""},

		// Sign-offs in the other languages.
		{"de formal", "Bitte um Rückmeldung.\n\nMit freundlichen Grüßen\nJonas Weber\nVertrieb", "Bitte um Rückmeldung.", "Mit freundlichen Grüßen\nJonas Weber\nVertrieb"},
		{"de Swiss", "Danke für die Unterlagen.\n\nFreundliche Grüsse\nLea", "Danke für die Unterlagen.", "Freundliche Grüsse\nLea"},
		{"de short", "Passt so.\n\nLG\nJonas", "Passt so.", "LG\nJonas"},
		{"fr", "Pourriez-vous confirmer ?\n\nCordialement,\nMarie Dupont", "Pourriez-vous confirmer ?", "Cordialement,\nMarie Dupont"},
		{"fr merci", "Je vous envoie le contrat demain.\n\nMerci !\nMarie", "Je vous envoie le contrat demain.", "Merci !\nMarie"},
		{"es", "¿Podrías enviarme el informe?\n\nSaludos,\nCarlos", "¿Podrías enviarme el informe?", "Saludos,\nCarlos"},
		{"es formal", "Adjunto el presupuesto.\n\nUn saludo,\nCarlos Ruiz\nDepartamento de Compras", "Adjunto el presupuesto.", "Un saludo,\nCarlos Ruiz\nDepartamento de Compras"},
		{"it", "Potresti inviarmi il file?\n\nCordiali saluti,\nGiulia Rossi", "Potresti inviarmi il file?", "Cordiali saluti,\nGiulia Rossi"},
		{"nl", "Kunt u dit bevestigen?\n\nMet vriendelijke groet,\nDaan de Vries", "Kunt u dit bevestigen?", "Met vriendelijke groet,\nDaan de Vries"},
		{"pt", "Poderia enviar a fatura?\n\nAtenciosamente,\nAna Souza", "Poderia enviar a fatura?", "Atenciosamente,\nAna Souza"},
		{"sv", "Kan du skicka filen?\n\nMed vänliga hälsningar\nErik", "Kan du skicka filen?", "Med vänliga hälsningar\nErik"},
		{"pl", "Proszę o potwierdzenie.\n\nPozdrawiam,\nAnna", "Proszę o potwierdzenie.", "Pozdrawiam,\nAnna"},
		{"fi", "Voisitko lähettää tiedoston?\n\nYstävällisin terveisin\nMikko", "Voisitko lähettää tiedoston?", "Ystävällisin terveisin\nMikko"},
		{"name on the sign-off line", "Can you call me?\n\nCheers, Bob", "Can you call me?", "Cheers, Bob"},
		{"sentence after a sign-off word is not a name", "Can you call me?\n\nThanks, that helps", "Can you call me?\n\nThanks, that helps", ""},

		// Mobile footers.
		{"de mobile", "Bin unterwegs.\n\nVon meinem iPhone gesendet", "Bin unterwegs.", "Von meinem iPhone gesendet"},
		{"fr mobile", "J'arrive.\n\nEnvoyé de mon iPhone", "J'arrive.", "Envoyé de mon iPhone"},
		{"es mobile", "Voy.\n\nEnviado desde mi iPhone", "Voy.", "Enviado desde mi iPhone"},
		{"it mobile", "Arrivo.\n\nInviato da iPhone", "Arrivo.", "Inviato da iPhone"},
		{"nl mobile", "Ik kom eraan.\n\nVerzonden vanaf mijn iPhone", "Ik kom eraan.", "Verzonden vanaf mijn iPhone"},
		{"pt mobile", "Estou a caminho.\n\nEnviado do meu iPhone", "Estou a caminho.", "Enviado do meu iPhone"},
		{"Outlook mobile", "Approved.\n\nGet Outlook for iOS", "Approved.", "Get Outlook for iOS"},
		{"sign-off and mobile", "See you.\n\nThanks,\nBob\n\nSent from my iPhone", "See you.", "Thanks,\nBob\n\nSent from my iPhone"},
		{"sign-off and delimited signature", "See you.\n\nBest,\nDana\n\n-- \nDana Miller | Client Ltd.", "See you.", "Best,\nDana\n\n-- \nDana Miller | Client Ltd."},

		// Delimiters.
		{"delimiter first", "-- \nBob Stone", "", "Bob Stone"},
		{"CRLF delimiter", "Yes.\r\n-- \r\nBob\r\n", "Yes.", "Bob"},
		{"-- wins over an earlier --", "a\n--\nb\n-- \n" + long, "a\n--\nb", long},
		{"empty", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, sig := Signature(tc.in)
			if body != tc.body || sig != tc.sig {
				t.Errorf("Signature(%q):\n got %q, %q\nwant %q, %q", tc.in, body, sig, tc.body, tc.sig)
			}
		})
	}
}

func TestUserSignature(t *testing.T) {
	tests := []struct {
		name, in, sig string
		delimited     bool
	}{
		{"delimiter", "See you at 3.\n\n-- \nBob Stone\nHead of Operations", "Bob Stone\nHead of Operations", true},
		{"bare dashes", "See you at 3.\n--\nBob", "Bob", true},
		{"sign-off", "Please check.\n\nBest regards,\nDana Miller", "Best regards,\nDana Miller", false},
		{"mobile footer dropped", "On my way.\n\nSent from my iPhone", "", false},
		{"sign-off above a mobile footer", "On my way.\n\nCheers,\nBob\n\nSent from my iPhone", "Cheers,\nBob", false},
		{"delimiter above a mobile footer", "Done.\n\n-- \nBob\n\nVon meinem iPhone gesendet", "Bob", true},
		{"list footer dropped", "Patch attached.\n\nThanks,\nBob\n\n_______________________________________________\ndev mailing list\nhttps://lists.example.org/dev", "Thanks,\nBob", false},
		{"none", "Can you send the report by Friday?", "", false},
		{"above the quote", "Yes, Friday works.\n\n-- \nBob\n\nOn Mon, 2 Nov 2026, Carol <carol@example.org> wrote:\n> Friday?\n>\n> -- \n> Carol", "Bob", true},
		{"none above the quote", "Yes.\n\nOn Mon, 2 Nov 2026, Carol <carol@example.org> wrote:\n> Friday?\n>\n> Best,\n> Carol", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, delimited := UserSignature(tt.in)
			if sig != tt.sig || delimited != tt.delimited {
				t.Errorf("UserSignature = %q, %v; want %q, %v", sig, delimited, tt.sig, tt.delimited)
			}
		})
	}
}
