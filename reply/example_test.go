package reply_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"mailassist/draft"
	"mailassist/mailmsg"
	"mailassist/reply"
)

// The reply stage for one message, without a model: decide, suggest,
// compose the draft.
func Example() {
	raw, _ := os.ReadFile("testdata/builtin/reschedule.eml")
	m := mailmsg.Parse(raw)

	d := reply.Trigger(m, false, reply.TriggerOptions{Own: []string{"demo@example.org"}})
	fmt.Printf("suggest: %v (score %.2f)\n", d.Suggest, d.Score)
	for _, r := range d.Reasons {
		fmt.Println("  " + r)
	}

	for _, s := range reply.Builtin(m) {
		fmt.Printf("%s: %s\n", s.Intent, s.Text)
	}

	raw, err := draft.Compose(m, draft.ComposeOptions{
		From: mailmsg.Address{Name: "Demo User", Addr: "demo@example.org"},
		Body: reply.Builtin(m)[0].Text,
		Ref:  "demo/1/1",
		Date: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	header, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(header, "\r\n") {
		if strings.HasPrefix(line, "Subject:") || strings.HasPrefix(line, "In-Reply-To:") || strings.HasPrefix(line, "To:") {
			fmt.Println(line)
		}
	}
	// Output:
	// suggest: true (score 0.95)
	//   +0.35 asks a question
	//   +0.25 makes a request ("could we")
	//   +0.10 short message (27 words)
	//   +0.15 you are in To
	//   +0.10 one recipient
	// yes: Friday at 10:00 works for me.
	// schedule: Can we do a different time?
	// no: Unfortunately I can't make that time.
	// To: "Carol Meyer" <carol@example.org>
	// Subject: Re: Can we move Thursday's review?
	// In-Reply-To: <review-move-1@example.org>
}
