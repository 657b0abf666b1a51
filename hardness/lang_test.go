package hardness

import (
	"slices"
	"testing"

	"mailassist/lang"
)

// Each language's vocabulary: an angry complaint with a legal or money
// threat escalates with the right reasons, a negated term does not count,
// and an ordinary question scores nothing.
func TestVocabulariesPerLanguage(t *testing.T) {
	tests := []struct {
		lang    lang.Code
		text    string
		reasons []string // all present; nil: no content reason at all
	}{
		{"en", "I am still waiting for my refund. This is completely unacceptable, my lawyer will contact you.", []string{ReasonComplaint, ReasonLegal}},
		{"de", "Ich warte immer noch auf die Rückerstattung. Das ist völlig inakzeptabel, mein Anwalt wird sich bei Ihnen melden.", []string{ReasonComplaint, ReasonLegal}},
		{"de", "Ihre Rechnung ist seit einem Monat überfällig, bitte überweisen Sie den offenen Betrag umgehend. Sonst leiten wir das Mahnverfahren ein.", []string{ReasonMoney, ReasonLegal}},
		{"fr", "J'attends toujours mon remboursement. C'est inacceptable, mon avocat prendra contact avec vous.", []string{ReasonComplaint, ReasonLegal}},
		{"fr", "Votre facture impayée de 450 euros est en retard de paiement depuis deux mois.", []string{ReasonMoney}},
		{"es", "Sigo esperando el reembolso. Es inaceptable, mi abogado se pondrá en contacto con ustedes.", []string{ReasonComplaint, ReasonLegal}},
		{"it", "Sto ancora aspettando il rimborso. È inaccettabile, il mio avvocato vi contatterà.", []string{ReasonComplaint, ReasonLegal}},
		{"pt", "Continuo esperando o reembolso. Isso é inaceitável, o meu advogado vai entrar em contato.", []string{ReasonComplaint, ReasonLegal}},
		{"nl", "Ik wacht nog steeds op mijn terugbetaling. Dit is onacceptabel, mijn advocaat neemt contact met u op.", []string{ReasonComplaint, ReasonLegal}},
		{"nl", "Dit is echt dringend, de openstaande factuur moet vandaag nog betaald worden.", []string{ReasonUrgent, ReasonMoney}},
		// Negated: not urgent, no complaint.
		{"de", "Das ist nicht dringend, melde dich einfach nächste Woche.", nil},
		{"fr", "Ce n'est pas urgent, réponds-moi quand tu peux.", nil},
		{"es", "No es urgente, contéstame cuando puedas.", nil},
		{"it", "Non è urgente, rispondimi quando puoi.", nil},
		{"pt", "Não é urgente, me responde quando puder.", nil},
		{"nl", "Het is niet dringend, laat het me volgende week weten.", nil},
		// Ordinary questions.
		{"de", "Hast du morgen um 10 Uhr Zeit für einen kurzen Anruf?", nil},
		{"fr", "Tu es disponible demain à 10 h pour un court appel ?", nil},
		{"es", "¿Tienes tiempo mañana a las 10 para una llamada corta?", nil},
		{"it", "Hai tempo domani alle 10 per una breve chiamata?", nil},
		{"pt", "Você tem um tempo amanhã às 10h para uma ligação rápida?", nil},
		{"nl", "Heb je morgen om 10 uur tijd voor een kort belletje?", nil},
	}
	s, err := NewScorer(DefaultScoreConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		if got := lang.Detect(tt.text); got != tt.lang {
			t.Errorf("%q: language %s, want %s", tt.text, got, tt.lang)
		}
		th := &Thread{Messages: []ThreadMessage{{Subject: "x", Text: tt.text}}}
		a := s.Score(th, Signals{})
		names := a.Names()
		if tt.reasons == nil && len(names) > 0 {
			t.Errorf("%s %q: reasons %v, want none", tt.lang, tt.text, a.Reasons)
		}
		for _, r := range tt.reasons {
			if !slices.Contains(names, r) {
				t.Errorf("%s %q: reasons %v lack %s", tt.lang, tt.text, a.Reasons, r)
			}
		}
		if len(tt.reasons) >= 2 && slices.Contains(tt.reasons, ReasonLegal) && !a.Escalate {
			t.Errorf("%s %q: score %.3f does not escalate", tt.lang, tt.text, a.Score)
		}
	}
}

// Every vocabulary file holds every reason, negators and currency words.
func TestVocabularyFiles(t *testing.T) {
	for _, c := range []lang.Code{"en", "de", "fr", "es", "it", "pt", "nl"} {
		v := vocabularies[c]
		if v == nil {
			t.Errorf("no vocabulary for %s", c)
			continue
		}
		for _, r := range contentVocab {
			if len(v.terms[r]) == 0 {
				t.Errorf("%s: no %s terms", c, r)
			}
		}
		if len(v.negators) == 0 || len(v.currency) == 0 {
			t.Errorf("%s: no negators or currency words", c)
		}
	}
	if _, err := parseVocabulary("x.txt", "[complaint]\n3 bad strength\n"); err == nil {
		t.Error("a strength of 3 parsed")
	}
	if _, err := parseVocabulary("x.txt", "[complain]\n1 typo\n"); err == nil {
		t.Error("an unknown section parsed")
	}
}
