package hardness

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mailassist/mailmsg"
)

// msgThread is a one-message thread from a header block and a body.
func msgThread(header, body string) *Thread {
	if !strings.Contains(header, "From:") {
		header = "From: Pat <pat@example.net>\n" + header
	}
	if !strings.Contains(header, "To:") {
		header += "To: Alice <alice@example.org>\n"
	}
	raw := strings.ReplaceAll(header+"\n"+body, "\n", "\r\n")
	m := mailmsg.Parse([]byte(raw))
	return NewThread(m, "INBOX")
}

func words(n int) string {
	return strings.Repeat("The quarterly plan has several parts that we should go through. ", n/10)
}

const plainQuestion = "Hi Alice,\n\nare we still on for lunch tomorrow at noon?\n\nPat"

func TestScoreReasons(t *testing.T) {
	cfg := DefaultScoreConfig()
	cfg.VIP = []string{"ceo@example.org", "@board.example"}
	cfg.Rules = []Rule{{Name: "contract", Field: "subject", Pattern: `\bcontract\b`, Weight: 0.6}}
	s, err := NewScorer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	refs := func(n int) string {
		var ids []string
		for i := range n {
			ids = append(ids, fmt.Sprintf("<r%d@example.net>", i))
		}
		return "References: " + strings.Join(ids, " ") + "\n"
	}
	tests := []struct {
		name     string
		thread   *Thread
		sig      Signals
		want     []string // must fire
		not      []string // must not fire
		escalate bool
	}{
		{"plain short question", msgThread("Subject: lunch\n", plainQuestion), Signals{}, nil, allReasons, false},

		{"long thread", msgThread(refs(5)+"Subject: Re: lunch\n", plainQuestion), Signals{}, []string{ReasonThreadLength}, nil, false},
		{"short thread", msgThread(refs(3)+"Subject: Re: lunch\n", plainQuestion), Signals{}, nil, []string{ReasonThreadLength}, false},
		{"many participants", msgThread("To: a@x.example, b@x.example, c@x.example\n", plainQuestion), Signals{}, []string{ReasonParticipants}, nil, false},
		{"three participants", msgThread("To: a@x.example, b@x.example\n", plainQuestion), Signals{}, nil, []string{ReasonParticipants}, false},
		{"long multi-party thread escalates", msgThread(refs(6)+"To: a@x.example, b@x.example, c@x.example\n", plainQuestion), Signals{},
			[]string{ReasonThreadLength, ReasonParticipants}, nil, true},
		{"long message", msgThread("", words(450)), Signals{}, []string{ReasonLongMessage}, nil, false},
		{"long quote does not make a long message", msgThread("", "Yes.\n\nOn Mon, 4 Mar 2024, Bob wrote:\n> "+words(600)), Signals{}, nil, []string{ReasonLongMessage}, false},

		{"formal complaint", msgThread("", "I want to make a formal complaint about the repair."), Signals{}, []string{ReasonComplaint}, nil, false},
		{"complaint in angry tone escalates", msgThread("", "This is unacceptable. I am still waiting for the repair and I'm really disappointed and frustrated."),
			Signals{}, []string{ReasonComplaint, ReasonNegativeTone}, nil, true},
		{"one weak complaint word", msgThread("", "The compiler complains about line 3, any idea?"), Signals{}, nil, []string{ReasonComplaint}, false},
		{"the word complaint alone", msgThread("", "Where is the complaint form?"), Signals{}, nil, []string{ReasonComplaint}, false},
		{"a phrase does not count twice", msgThread("", "Can you send a price quote?"), Signals{}, nil, []string{ReasonMoney}, false},

		{"legal threat", msgThread("", "If this is not fixed our lawyer will take legal action."), Signals{}, []string{ReasonLegal}, nil, false},
		{"legal and money escalate", msgThread("", "Our lawyer has the unpaid invoice of $4,500 and will start legal action."), Signals{},
			[]string{ReasonLegal, ReasonMoney}, nil, true},
		{"one weak legal word", msgThread("", "Is this legal to park here?"), Signals{}, nil, []string{ReasonLegal}, false},

		{"urgent", msgThread("Subject: URGENT: server down\n", "Please call me asap."), Signals{}, []string{ReasonUrgent}, nil, false},
		{"one weak urgent word", msgThread("", "What is the deadline for the talk proposals?"), Signals{}, nil, []string{ReasonUrgent}, false},
		{"negated urgency", msgThread("Subject: not urgent\n", "No rush, this is not urgent. Could you look at it next week?"), Signals{}, nil, []string{ReasonUrgent}, false},
		{"negated complaint", msgThread("", "This is not a formal complaint, just a question about the repair."), Signals{}, nil, []string{ReasonComplaint}, false},

		{"money", msgThread("", "The invoice shows €1,200 but the quote said €900."), Signals{}, []string{ReasonMoney}, nil, false},
		{"overdue invoice", msgThread("", "Reminder: overdue invoice 117."), Signals{}, []string{ReasonMoney}, nil, false},
		{"one weak money word", msgThread("", "What is the price of the red one?"), Signals{}, nil, []string{ReasonMoney}, false},

		{"negative tone", msgThread("", "Frankly the result is terrible and I'm upset."), Signals{}, []string{ReasonNegativeTone}, nil, false},
		{"shouting and exclamations", msgThread("", "WHERE IS MY ORDER?? NOBODY ANSWERS!! This is terrible"), Signals{}, []string{ReasonNegativeTone}, nil, false},
		{"one negative word", msgThread("", "Sorry to hear about the terrible weather, see you soon?"), Signals{}, nil, []string{ReasonNegativeTone}, false},

		{"vip address", msgThread("From: The CEO <CEO@Example.org>\n", plainQuestion), Signals{}, []string{ReasonVIP}, nil, true},
		{"vip domain", msgThread("From: Member <m@board.example>\n", plainQuestion), Signals{}, []string{ReasonVIP}, nil, true},
		{"vip subdomain is not the domain", msgThread("From: x <m@sub.board.example>\n", plainQuestion), Signals{}, nil, []string{ReasonVIP}, false},

		{"rule on subject", msgThread("Subject: New contract draft\n", plainQuestion), Signals{}, []string{ReasonRulePrefix + "contract"}, nil, true},
		{"rule does not match", msgThread("Subject: Contractors\n", plainQuestion), Signals{}, nil, []string{ReasonRulePrefix + "contract"}, false},

		{"small model invalid", msgThread("", plainQuestion), Signals{SmallModelInvalid: true}, []string{ReasonSmallModelInvalid}, nil, true},
		{"small model unsure", msgThread("", plainQuestion), Signals{SmallModelLowConfidence: true}, []string{ReasonSmallModelUnsure}, nil, false},
		{"small model unsure on a complaint", msgThread("", "I want to make a formal complaint about the repair."), Signals{SmallModelLowConfidence: true},
			[]string{ReasonSmallModelUnsure, ReasonComplaint}, nil, true},

		{"mailing list discount", msgThread("List-Id: <users.lists.example.org>\n", "This is unacceptable. I am still waiting and I'm disappointed and frustrated."),
			Signals{}, []string{ReasonComplaint, ReasonNegativeTone, ReasonListMail}, nil, false},
		{"spam-like discount", msgThread("", "This is unacceptable. I am still waiting and I'm disappointed and frustrated."),
			Signals{SpamScore: 0.7}, []string{ReasonComplaint, ReasonSpamLike}, nil, false},
		{"discount does not touch vip", msgThread("From: <ceo@example.org>\nList-Id: <x.example>\n", "This is unacceptable and frustrating, still waiting."),
			Signals{}, []string{ReasonVIP, ReasonListMail}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := s.Score(tc.thread, tc.sig)
			names := a.Names()
			for _, w := range tc.want {
				if !slices.Contains(names, w) {
					t.Errorf("reason %s did not fire; got %v", w, a.Reasons)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(names, n) {
					t.Errorf("reason %s fired; got %v", n, a.Reasons)
				}
			}
			if a.Escalate != tc.escalate {
				t.Errorf("Escalate = %v (score %.3f), want %v; reasons %v", a.Escalate, a.Score, tc.escalate, a.Reasons)
			}
			if a.Score < 0 || a.Score > 1 {
				t.Errorf("score %v out of [0,1]", a.Score)
			}
			for _, r := range a.Reasons {
				if r.Detail == "" {
					t.Errorf("reason %s has no detail", r.Name)
				}
			}
		})
	}
}

var allReasons = []string{ReasonThreadLength, ReasonParticipants, ReasonLongMessage, ReasonComplaint, ReasonLegal,
	ReasonUrgent, ReasonMoney, ReasonNegativeTone, ReasonVIP, ReasonSmallModelInvalid, ReasonSmallModelUnsure}

// TestDefaultWeights: no content reason escalates alone; the combined
// score grows with each reason.
func TestDefaultWeights(t *testing.T) {
	cfg := DefaultScoreConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w := cfg.Weights
	for name, v := range map[string]float64{ReasonThreadLength: w.ThreadLength, ReasonParticipants: w.Participants,
		ReasonLongMessage: w.LongMessage, ReasonComplaint: w.Complaint, ReasonLegal: w.Legal, ReasonUrgent: w.Urgent,
		ReasonMoney: w.Money, ReasonNegativeTone: w.NegativeTone, ReasonSmallModelUnsure: w.SmallModelUnsure} {
		if v >= cfg.Threshold {
			t.Errorf("%s weight %v escalates alone (threshold %v)", name, v, cfg.Threshold)
		}
	}
	if w.VIP < cfg.Threshold || w.SmallModelInvalid < cfg.Threshold {
		t.Errorf("vip and small_model_invalid should escalate alone")
	}
}

func TestScoreConfigValidate(t *testing.T) {
	cfg := DefaultScoreConfig()
	cfg.Threshold = 0
	cfg.Weights.Legal = 1.5
	cfg.VIP = []string{"not an address", "@ok.example", "x@"}
	cfg.Rules = []Rule{
		{Name: "a", Field: "body", Pattern: "(", Weight: 2},
		{Name: "a", Field: "from", Pattern: "x", Weight: 0.5},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"threshold", "weights.legal", "vip[0]", "vip[2]", "rules[0].field", "rules[0].pattern", "rules[0].weight", "rules[1].name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "vip[1]") {
		t.Errorf("a domain was refused:\n%v", err)
	}
	if _, err := NewScorer(cfg); err == nil {
		t.Error("NewScorer accepted a bad config")
	}
}

func TestWeightsSet(t *testing.T) {
	w := DefaultScoreConfig().Weights
	if err := w.Set(ReasonLegal, 0.9); err != nil || w.Legal != 0.9 {
		t.Fatalf("Set(legal) = %v, Legal %v", err, w.Legal)
	}
	if err := w.Set("lgeal", 0.9); err == nil || !strings.Contains(err.Error(), "legal") {
		t.Fatalf("Set(unknown) = %v", err)
	}
}

func TestListMailDetected(t *testing.T) {
	for _, tc := range []struct {
		header string
		list   bool
	}{
		{"List-Id: <dev.lists.example.org>\r\n", true},
		{"List-Unsubscribe: <mailto:u@example.org>\r\n", true},
		{"Precedence: bulk\r\n", true},
		{"Auto-Submitted: auto-replied\r\n", true},
		{"Auto-Submitted: no\r\n", false},
		{"Precedence: normal\r\n", false},
		{"", false},
	} {
		m := mailmsg.Parse([]byte("From: a@example.org\r\n" + tc.header + "\r\nhi\r\n"))
		if got := NewThreadMessage(m, "").List; got != tc.list {
			t.Errorf("%q: List = %v, want %v", tc.header, got, tc.list)
		}
	}
}
