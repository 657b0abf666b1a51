package mailtext_test

import (
	"fmt"

	"mailassist/mailtext"
)

func ExampleSplit() {
	p := mailtext.Split("Friday works. Could you book the room?\n\n" +
		"Thanks,\nAlex\n\n" +
		"On Tue, 5 Mar 2024 at 10:00, Sam <sam@example.org> wrote:\n" +
		"> Shall we meet on Friday?\n")
	fmt.Printf("new: %q\nquoted: %q\nsignature: %q\n", p.New, p.Quoted, p.Signature)
	// Output:
	// new: "Friday works. Could you book the room?"
	// quoted: "On Tue, 5 Mar 2024 at 10:00, Sam <sam@example.org> wrote:\n> Shall we meet on Friday?"
	// signature: "Thanks,\nAlex"
}

func ExampleAsks() {
	fmt.Printf("%q\n", mailtext.Asks("Das Angebot ist da. Könnten Sie es bis Freitag prüfen? Danke.", 0))
	// Output: ["Könnten Sie es bis Freitag prüfen?"]
}

func ExampleTruncate() {
	fmt.Println(mailtext.Truncate("Grüße aus Köln und Düsseldorf", 18))
	// Output: Grüße aus Köln […]
}

func ExampleSignature() {
	body, sig := mailtext.Signature("Bin unterwegs.\n\nViele Grüße\nJonas\n\nVon meinem iPhone gesendet")
	fmt.Printf("%q %q\n", body, sig)
	// Output: "Bin unterwegs." "Viele Grüße\nJonas\n\nVon meinem iPhone gesendet"
}
