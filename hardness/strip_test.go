package hardness

import "testing"

func TestStripQuoted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"top post with quote",
			"Sounds good, see you then.\n\nOn Tue, 5 Mar 2024 at 10:00, Bob <bob@example.org> wrote:\n> Shall we meet at 3?\n> Bob",
			"Sounds good, see you then."},
		{"inline answers kept",
			"On Tue, 5 Mar 2024, Bob wrote:\n> Can you make 3pm?\nYes.\n> And bring the slides?\nI will.",
			"Yes.\nI will."},
		{"wrapped attribution",
			"Fine by me.\n\nOn Tue, Mar 5, 2024 at 10:00 AM Bob Stone <bob@example.org>\nwrote:\n> Shall we meet at 3?",
			"Fine by me."},
		{"quoted tail without markers (HTML mail)",
			"Thanks, that works.\n\nOn Tue, 5 Mar 2024 at 10:00, Bob <bob@example.org> wrote:\nShall we meet at 3?\nBob",
			"Thanks, that works."},
		{"German attribution",
			"Passt.\n\nAm 05.03.2024 um 10:00 schrieb Bob <bob@example.org>:\n> Treffen um 15 Uhr?",
			"Passt."},
		{"Outlook original message",
			"Please see below.\n\n-----Original Message-----\nFrom: Bob\nSent: Tuesday\nSubject: x\n\nold text",
			"Please see below."},
		{"Outlook header block after a rule",
			"Agreed.\n\n________________________________\nFrom: Bob Stone <bob@example.org>\nSent: Tuesday, March 5, 2024 10:00\nTo: Alice\nSubject: plan\n\nold",
			"Agreed."},
		{"Outlook header block without rule",
			"Agreed.\n\nFrom: Bob Stone <bob@example.org>\nDate: Tuesday, March 5, 2024 10:00\nTo: Alice\n\nold",
			"Agreed."},
		{"From: in prose is kept",
			"From: the start we said 3pm.\nSee you.",
			"From: the start we said 3pm.\nSee you."},
		{"forwarded header at the top is kept",
			"From: Bob <bob@example.org>\nSent: Tuesday\nSubject: plan\n\nthe plan",
			"From: Bob <bob@example.org>\nSent: Tuesday\nSubject: plan\n\nthe plan"},
		{"all quoted: unchanged",
			"> only a quote\n> nothing else",
			"> only a quote\n> nothing else"},
		{"CRLF",
			"Yes.\r\n\r\nOn Mon, 4 Mar 2024, Bob wrote:\r\n> ok?\r\n",
			"Yes."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripQuoted(tc.in); got != tc.want {
				t.Errorf("StripQuoted:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestStripSignature(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"dash-dash-space", "See you at 3.\n\n-- \nBob Stone\nHead of Operations\n+44 20 7946 0000", "See you at 3."},
		{"bare dashes, short tail", "See you at 3.\n--\nBob", "See you at 3."},
		{"bare dashes, long tail kept", "a\n--\n" + repeatLines("line", 20), "a\n--\n" + repeatLines("line", 20)},
		{"sign-off with name and title", "Please check.\n\nBest regards,\nDana Miller\nPurchasing, Client Ltd.", "Please check."},
		{"sign-off alone", "Please review.\n\nThanks!", "Please review."},
		{"German sign-off", "Bitte prüfen.\n\nViele Grüße\nDana", "Bitte prüfen."},
		{"sign-off first line kept", "Thanks\n\nI got the file.", "Thanks\n\nI got the file."},
		{"sentence after sign-off kept", "Cheers,\nBob\n\nP.S. Can you also send the slides?", "Cheers,\nBob\n\nP.S. Can you also send the slides?"},
		{"sentence after sign-off kept 2", "ok\nThanks,\nI will call you tomorrow about the contract details.", "ok\nThanks,\nI will call you tomorrow about the contract details."},
		{"mobile", "On my way.\n\nSent from my iPhone", "On my way."},
		{"list footer", "Patch attached.\n\n_______________________________________________\ndev mailing list\ndev@lists.example.org\nhttps://lists.example.org/dev",
			"Patch attached."},
		{"nothing to strip", "Can you send the report by Friday?", "Can you send the report by Friday?"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripSignature(tc.in); got != tc.want {
				t.Errorf("StripSignature:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func repeatLines(s string, n int) string {
	out := s
	for i := 1; i < n; i++ {
		out += "\n" + s
	}
	return out
}
