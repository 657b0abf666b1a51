package escalate_test

import (
	"fmt"

	"mailassist/escalate"
	"mailassist/mailmsg"
)

func ExampleScorer_Score() {
	cfg := escalate.DefaultScoreConfig()
	cfg.VIP = []string{"@board.example"}
	scorer, err := escalate.NewScorer(cfg) // once, at start-up
	if err != nil {
		panic(err)
	}
	m := mailmsg.Parse([]byte("From: Customer <c@example.net>\r\nSubject: my order\r\n\r\n" +
		"This is unacceptable. I am still waiting for my order and I'm disappointed and frustrated.\r\n"))
	thread := &escalate.Thread{Messages: []escalate.ThreadMessage{escalate.NewThreadMessage(m, "INBOX")}}

	a := scorer.Score(thread, escalate.Signals{})
	fmt.Printf("score %.2f, escalate %v\n", a.Score, a.Escalate)
	for _, r := range a.Reasons {
		fmt.Printf("%s %.2f %s\n", r.Name, r.Weight, r.Detail)
	}
	// Output:
	// score 0.55, escalate true
	// complaint 0.40 "this is unacceptable", "still waiting for"
	// negative_tone 0.25 "disappointed", "frustrated"
}
