package escalate

import (
	"strings"
	"testing"

	"mailassist/hardness"
	"mailassist/mailmsg"
)

// The draft must be in the language of the newest message; the prompt
// names it.
func TestDraftLanguage(t *testing.T) {
	raw := "From: Peter Krause <peter@de.example>\r\nTo: sam@example.org\r\nSubject: Bestellung 48213\r\n" +
		"Message-ID: <k1@de.example>\r\n\r\nIch warte immer noch auf meine Bestellung. Ich fordere die volle Erstattung bis Freitag, " +
		"andernfalls werde ich rechtliche Schritte einleiten.\r\n"
	th := hardness.NewThread(mailmsg.Parse([]byte(raw)), "INBOX")
	out := Output{Summary: "Peter Krause verlangt eine Erstattung.", Asks: []string{"Erstattung bis Freitag."}, Priority: "high"}
	for _, tt := range []struct {
		draft string
		bad   bool
	}{
		{"Sehr geehrter Herr Krause,\n\nvielen Dank für Ihre Nachricht. Wir prüfen Ihre Bestellung und melden uns bis Freitag bei Ihnen.\n\nMit freundlichen Grüßen", false},
		{"Dear Mr Krause,\n\nthank you for your message. We are looking into your order and will get back to you by Friday.\n\nKind regards", true},
		{"Monsieur,\n\nmerci pour votre message. Nous vérifions votre commande et revenons vers vous d'ici vendredi.\n\nCordialement", true},
	} {
		o := out
		o.Draft = tt.draft
		_, err := Validate(o, th, "")
		if got := err != nil && strings.Contains(err.Error(), "the newest message in German"); got != tt.bad {
			t.Errorf("draft %.30q: error %v, want a language problem: %v", tt.draft, err, tt.bad)
		}
	}
	_, user := Prompt(th, hardness.Assessment{})
	if !strings.Contains(user, "It is written in German: write the draft in German.") {
		t.Errorf("the prompt does not name the language:\n%s", user)
	}
}
