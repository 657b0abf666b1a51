package hardness_test

import (
	"fmt"

	"mailassist/hardness"
	"mailassist/mailmsg"
)

func ExampleScorer_Score() {
	cfg := hardness.DefaultScoreConfig()
	cfg.VIP = []string{"@board.example"}
	scorer, err := hardness.NewScorer(cfg) // once, at start-up
	if err != nil {
		panic(err)
	}
	m := mailmsg.Parse([]byte("From: Customer <c@example.net>\r\nSubject: my order\r\n\r\n" +
		"This is unacceptable. I am still waiting for my order and I'm disappointed and frustrated.\r\n"))
	thread := &hardness.Thread{Messages: []hardness.ThreadMessage{hardness.NewThreadMessage(m, "INBOX")}}

	a := scorer.Score(thread, hardness.Signals{})
	fmt.Printf("score %.2f, escalate %v\n", a.Score, a.Escalate)
	for _, r := range a.Reasons {
		fmt.Printf("%s %.2f %s\n", r.Name, r.Weight, r.Detail)
	}
	// Output:
	// score 0.55, escalate true
	// complaint 0.40 "this is unacceptable", "still waiting for"
	// negative_tone 0.25 "disappointed", "frustrated"
}
