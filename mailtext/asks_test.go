package mailtext

import (
	"slices"
	"strings"
	"testing"
)

func TestIsAsk(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		// en
		{"Can you deploy it?", true},
		{"Please review section 2.", true},
		{"We need the numbers by Monday.", true},
		{"Let me know if that works for you.", true},
		{"I'd like a corrected invoice and an explanation of how this happened.", true},
		{"Payment is due by the 15th.", true},
		{"Send it no later than noon.", true},
		{"Please find attached the report.", false},
		{"The meeting went well.", false},
		{"See https://x.example/a?b=c for details.", false},
		{"Would that work for you?)", true},
		// de
		{"Bitte prüfen Sie den Vertrag.", true},
		{"Könnten Sie mir die Rechnung schicken.", true},
		{"Kannst du morgen vorbeikommen.", true},
		{"Gib mir Bescheid, wenn es passt.", true},
		{"Bitte schön, gern geschehen.", false},
		{"Wir brauchen die Zahlen bis Freitag.", true},
		{"Das Treffen war gut.", false},
		// fr
		{"Pourriez-vous me rappeler demain.", true},
		{"Merci de confirmer la date.", true},
		{"Merci de votre aide.", false},
		{"Merci pour les documents.", false},
		{"Envoyez-le s’il vous plaît.", true},
		{"Je voudrais un devis.", true},
		// es
		{"¿Podría enviarme el informe", true},
		{"Podría enviarme el informe mañana.", true},
		{"Podría ser más tarde.", false},
		{"Por favor, confirme la reserva.", true},
		{"Necesito los datos antes del 8 de marzo.", true},
		// it
		{"Potresti inviarmi il file.", true},
		{"Per favore, conferma la data.", true},
		{"Fammi sapere se va bene.", true},
		{"Potrebbe essere tardi.", false},
		// pt
		{"Poderia enviar a fatura.", true},
		{"Por favor, confirme o horário.", true},
		{"Me avise quando chegar.", true},
		{"Poderia ser pior.", false},
		// nl
		{"Kunt u dit bevestigen.", true},
		{"Zou je de offerte kunnen sturen.", true},
		{"Graag uw reactie voor vrijdag.", true},
		{"Graag gedaan!", false},
		{"Laat me weten of het lukt.", true},
		// others and other scripts
		{"Kan du skicka filen.", true},
		{"Proszę o potwierdzenie.", true},
		{"明日の会議は何時からですか？", true},
		{"Сможешь прислать отчёт завтра?", true},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsAsk(tc.s); got != tc.want {
			t.Errorf("IsAsk(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// The ask cases of escalate's summary tests.
func TestAsks(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"question", "Hi,\n\nthe build is green again. Can you deploy it?\n\nThanks", 0,
			[]string{"Can you deploy it?"}},
		{"request and deadline", "The report is attached. Please review section 2. We need the numbers by Monday.", 0,
			[]string{"Please review section 2.", "We need the numbers by Monday."}},
		{"list items", "Open points:\n- update the contract\n- could you book the room\n- lunch", 0,
			[]string{"could you book the room"}},
		{"abbreviations do not split", "Could you call Dr. Smith, e.g. at 3 p.m. tomorrow?", 0,
			[]string{"Could you call Dr. Smith, e.g. at 3 p.m. tomorrow?"}},
		{"no asks", "The meeting went well. Everyone agreed. The minutes follow next week.", 0, nil},
		{"bounded", "Can you a? Can you b? Can you c? Can you d?", 2,
			[]string{"Can you a?", "Can you b?"}},
		{"a long sentence is cut", "Could you " + strings.Repeat("really ", 80) + "help?", 0,
			[]string{"Could you " + strings.Repeat("really ", 80)[:MaxAskLen-len("Could you ")-len("…")-1] + "…"}},
		{"duplicates once", "Can you call? Can you call?", 0, []string{"Can you call?"}},
		{"fixture thread, newest message",
			"Alice,\n\ntwo days and still no corrected invoice. This is unacceptable. We are still\nwaiting for the explanation I asked for, and frankly I'm disappointed with\nhow this has been handled.\n\nPlease send the corrected invoice by Friday, March 8. If it does not arrive,\nwe will withhold payment and our lawyer will review the contract. Can you\nalso confirm who will be our contact from now on?",
			0, []string{"Please send the corrected invoice by Friday, March 8.", "Can you also confirm who will be our contact from now on?"}},
		{"de", "Hallo Jonas,\n\ndas Angebot ist angekommen. Könnten Sie mir bis zum 5. März die Unterlagen schicken? Bitte auch die Preisliste.", 0,
			[]string{"Könnten Sie mir bis zum 5. März die Unterlagen schicken?", "Bitte auch die Preisliste."}},
		{"fr", "Bonjour,\n\nle devis est prêt. Merci de le signer avant le 8 mars. Pourriez-vous aussi vérifier l'adresse ?", 0,
			[]string{"Merci de le signer avant le 8 mars.", "Pourriez-vous aussi vérifier l'adresse ?"}},
		{"es", "Hola Carlos,\n\nya tenemos el presupuesto. ¿Podrías revisarlo? Por favor, envíalo a más tardar el viernes.", 0,
			[]string{"¿Podrías revisarlo?", "Por favor, envíalo a más tardar el viernes."}},
		{"it", "Ciao Giulia,\n\nil contratto è pronto. Potresti firmarlo entro venerdì? Grazie.", 0,
			[]string{"Potresti firmarlo entro venerdì?"}},
		{"pt", "Olá Ana,\n\na fatura chegou. Poderia confirmar o valor? Obrigado.", 0,
			[]string{"Poderia confirmar o valor?"}},
		{"nl", "Hoi Daan,\n\nde offerte is binnen. Zou je die uiterlijk vrijdag kunnen tekenen.", 0,
			[]string{"Zou je die uiterlijk vrijdag kunnen tekenen."}},
		{"cjk", "資料を受け取りました。明日までに確認していただけますか？よろしくお願いします。", 0,
			[]string{"明日までに確認していただけますか？"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Asks(tc.text, tc.max); !slices.Equal(got, tc.want) {
				t.Errorf("Asks:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestAskPhrases(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Could\nyou send it by Friday? Please also let me know. Could you?", []string{"could you", "by friday", "please", "let me know"}},
		{"Pourriez-vous confirmer ? Merci de votre aide, merci de répondre.", []string{"pourriez-vous", "merci de"}},
		{"Please find attached the file.", nil},
		{"Bitte bis 12 Uhr.", []string{"bitte", "bis 12"}},
	}
	for _, tc := range tests {
		if got := AskPhrases(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("AskPhrases(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// reply's request phrases are all ask phrases.
func TestAskPhrasesCoverReplyRequests(t *testing.T) {
	for _, p := range []string{
		"could you", "can you", "would you", "will you", "please", "let me know", "let us know",
		"get back to me", "what do you think", "your thoughts", "are you able", "do you have",
		"would it be possible", "is it possible", "need you to", "can we", "could we", "shall we",
		"rsvp", "any update", "would you mind", "are you available", "are you free", "do you know",
		"can i", "could i", "may i", "your feedback", "your opinion",
	} {
		if got := AskPhrases("x " + p + " y"); !slices.Contains(got, p) {
			t.Errorf("AskPhrases misses %q: %q", p, got)
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Could you call Dr. Smith, e.g. at 3 p.m. tomorrow? Thanks.", []string{"Could you call Dr. Smith, e.g. at 3 p.m. tomorrow?", "Thanks."}},
		{"One.\nstill one.\n\nTwo!", []string{"One.", "still one.", "Two!"}},
		{"Open points:\n- update the contract\n* book\n• lunch\n1. first\n2) second", []string{"Open points:", "update the contract", "book", "lunch", "first", "second"}},
		{"Order No. 5 is late. The answer is no. Call me.", []string{"Order No. 5 is late.", "The answer is no.", "Call me."}},
		{"Bitte bis zum 5. März zahlen. Danke.", []string{"Bitte bis zum 5. März zahlen.", "Danke."}},
		{"Vom 5. bis 7. Mai bin ich weg. Danke.", []string{"Vom 5. bis 7. Mai bin ich weg.", "Danke."}},
		{"The total is 25. We pay tomorrow.", []string{"The total is 25.", "We pay tomorrow."}},
		{"Ask J. Smith. He knows.", []string{"Ask J. Smith.", "He knows."}},
		{"He said \"yes.\" Then left.", []string{"He said \"yes.\"", "Then left."}},
		{"Il a dit « oui ! » Puis il est parti.", []string{"Il a dit « oui ! »", "Puis il est parti."}},
		{"z.B. morgen. Oder bzw. übermorgen.", []string{"z.B. morgen.", "Oder bzw. übermorgen."}},
		{"Version 1.2.3 is out. See https://x.example/a.b?c=d.", []string{"Version 1.2.3 is out.", "See https://x.example/a.b?c=d."}},
		{"会議は明日です。来られますか？はい！", []string{"会議は明日です。", "来られますか？", "はい！"}},
		{"... --- 123. !!", nil},
	}
	for _, tc := range tests {
		if got := Sentences(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("Sentences(%q):\n got %q\nwant %q", tc.text, got, tc.want)
		}
	}
}
