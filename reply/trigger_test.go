package reply

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var sam = TriggerOptions{
	Own:   []string{"sam@example.org", "s.taylor@example.org"},
	Names: []string{"Sam Taylor"},
	Now:   time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
}

func TestTrigger(t *testing.T) {
	tests := []struct {
		file    string
		spam    bool
		suggest bool
		skip    string // the whole Skip value
		reason  string // one of the Reasons contains this
	}{
		{file: "direct-question.eml", suggest: true, reason: "greets you by name"},
		{file: "request-no-question.eml", suggest: true, reason: `makes a request ("please")`},
		{file: "german-question.eml", suggest: true, reason: "asks a question"},
		{file: "question-only-quoted.eml", suggest: false, reason: "you are in To"},
		{file: "thanks-only.eml", suggest: false, reason: "short message"},
		{file: "cc-only.eml", suggest: false, reason: "you are only in Cc"},
		{file: "fyi-no-reply.eml", suggest: false, reason: "says no reply is needed"},
		{file: "many-recipients.eml", suggest: false, reason: "20 recipients"},
		{file: "greets-group.eml", suggest: false, reason: `greets a group ("all")`},
		{file: "url-query.eml", suggest: false, reason: "one recipient"},
		{file: "direct-question.eml", spam: true, skip: "spam"},
		{file: "own.eml", skip: "from the account's own address (sam@example.org)"},
		{file: "old.eml", skip: "older than the first-sync window (2025-01-10)"},
		{file: "list-id.eml", skip: "mailing list (List-Id)"},
		{file: "newsletter.eml", skip: "mailing list (List-Unsubscribe)"},
		{file: "precedence-bulk.eml", skip: "bulk mail (Precedence: bulk)"},
		{file: "mailchimp.eml", skip: "bulk mail (X-Mc-User)"},
		{file: "auto-submitted.eml", skip: "auto-generated (Auto-Submitted: auto-replied)"},
		{file: "out-of-office.eml", skip: "auto-generated (subject out of office)"},
		{file: "x-autoreply.eml", skip: "auto-generated (X-Autoreply)"},
		{file: "bounce.eml", skip: "delivery report (multipart/report)"},
		{file: "noreply.eml", skip: "no-reply sender (no-reply@accounts.example.com)"},
		{file: "notifications.eml", skip: "no-reply sender (notifications@tracker.example)"},
	}
	o := sam
	o.MaxAge = 30 * 24 * time.Hour
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".eml"), func(t *testing.T) {
			d := Trigger(fixture(t, "trigger/"+tt.file), tt.spam, o)
			if d.Suggest != tt.suggest || d.Skip != tt.skip {
				t.Errorf("Suggest = %v, Skip = %q; want %v, %q (score %.2f, %v)", d.Suggest, d.Skip, tt.suggest, tt.skip, d.Score, d.Reasons)
			}
			if tt.skip != "" && (d.Score != 0 || len(d.Reasons) != 0) {
				t.Errorf("skipped with score %.2f, reasons %v", d.Score, d.Reasons)
			}
			if tt.reason != "" && !slices.ContainsFunc(d.Reasons, func(r string) bool { return strings.Contains(r, tt.reason) }) {
				t.Errorf("Reasons %v lack %q", d.Reasons, tt.reason)
			}
		})
	}
}

// The score is the sum of the weights its reasons show, clamped to
// [0, 1], so a reader can check it.
func TestTriggerScoreIsExplained(t *testing.T) {
	d := Trigger(fixture(t, "trigger/direct-question.eml"), false, sam)
	var sum float64
	for _, r := range d.Reasons {
		var w float64
		if _, err := fmtSscan(r, &w); err != nil {
			t.Fatalf("reason %q does not start with its weight: %v", r, err)
		}
		sum += w
	}
	sum = min(max(sum, 0), 1)
	if diff := sum - d.Score; diff > 0.001 || diff < -0.001 || d.Score <= 0 || d.Score > 1 {
		t.Errorf("score %.2f, reasons sum to %.2f: %v", d.Score, sum, d.Reasons)
	}
	want := []string{"+0.35 asks a question", "+0.25 makes a request (\"could you\")", "+0.15 you are in To", "+0.15 greets you by name"}
	for _, w := range want {
		if !slices.Contains(d.Reasons, w) {
			t.Errorf("Reasons %v lack %q", d.Reasons, w)
		}
	}
}

func TestTriggerOptions(t *testing.T) {
	m := fixture(t, "trigger/direct-question.eml")
	// Without own addresses or names, the recipient and greeting signals
	// are left out.
	d := Trigger(m, false, TriggerOptions{})
	for _, r := range d.Reasons {
		if strings.Contains(r, "To") || strings.Contains(r, "greets") {
			t.Errorf("reason %q without own addresses or names", r)
		}
	}
	if !d.Suggest {
		t.Errorf("not suggested without options: %.2f %v", d.Score, d.Reasons)
	}
	// A threshold above the score turns it off.
	if d := Trigger(m, false, TriggerOptions{Threshold: 0.99}); d.Suggest {
		t.Errorf("suggested at threshold 0.99 with score %.2f", d.Score)
	}
	// Arrived wins over the Date header: an old Date on mail that just
	// arrived is not old.
	old := fixture(t, "trigger/old.eml")
	o := sam
	o.MaxAge = 24 * time.Hour
	o.Arrived = o.Now.Add(-time.Hour)
	if d := Trigger(old, false, o); d.Skip != "" {
		t.Errorf("Skip = %q for mail that arrived an hour ago", d.Skip)
	}
}

func TestSkipCategory(t *testing.T) {
	for skip, want := range map[string]string{
		"mailing list (List-Id)":               SkipList,
		"spam":                                 SkipSpam,
		"no-reply sender (no-reply@x.example)": SkipNoReply,
	} {
		if got := SkipCategory(skip); got != want {
			t.Errorf("SkipCategory(%q) = %q, want %q", skip, got, want)
		}
	}
}

func TestIsNoReply(t *testing.T) {
	for addr, want := range map[string]bool{
		"noreply@x.example": true, "no-reply@x.example": true, "no_reply@x.example": true,
		"DoNotReply@x.example": true, "do-not-reply@x.example": true, "bounces+123@x.example": true,
		"bounce-abc@x.example": true, "notifications@github.example": true, "mailer-daemon@x.example": true,
		"alex@x.example": false, "norbert@x.example": false, "replies@x.example": false, "info@x.example": false,
	} {
		if got := isNoReply(addr); got != want {
			t.Errorf("isNoReply(%q) = %v", addr, got)
		}
	}
}

func TestQuestions(t *testing.T) {
	tests := []struct {
		text              string
		n                 int
		yesNo, open, time bool
		when              string
		options           []string
	}{
		{"could we move the review to\nfriday at 10:00 instead?", 1, true, false, true, "friday at 10:00", nil},
		{"hi carol, can you send the file?", 1, true, false, false, "", nil},
		{"what do you think? and when?", 2, false, true, false, "", nil},
		{"see https://x.example/a?b=c for details.", 0, false, false, false, "", nil},
		// An alternative question is neither yes/no nor open: it has options.
		{"tuesday or wednesday?", 1, false, false, false, "", []string{"tuesday", "wednesday"}},
		{"pizza, or something else?", 1, false, true, false, "", nil},
		{"are you free for lunch tomorrow?", 1, true, false, true, "tomorrow", nil},
	}
	en := packs["en"]
	for _, tt := range tests {
		q := en.questions(tt.text, tt.text)
		if q.n != tt.n || q.yesNo != tt.yesNo || q.open != tt.open || q.timeAsked != tt.time || q.when != tt.when || !slices.Equal(q.options, tt.options) {
			t.Errorf("questions(%q) = %+v", tt.text, q)
		}
	}
}

func TestGuessLang(t *testing.T) {
	for text, want := range map[string]string{
		"Could we move the design review to Friday? Let me know if that works for you.": "en",
		"Können wir das Treffen auf Freitag verschieben? Das wäre für mich einfacher.":  "de",
		"Bonjour, est-ce que vous pouvez me rappeler demain? Merci beaucoup.":           "fr",
		"Hola, ¿puedes enviarme el informe mañana? Muchas gracias por todo.":            "es",
		"Привет, как дела? Сможешь прислать отчёт завтра?":                              "cyrillic",
		"明日の会議は何時からですか？":                                                                "cjk",
		"OK":                         "",
		"Ja, gerne.":                 "de",
		"Yes, that works for me.":    "en",
		"Sorry, I won't be able to.": "en",
	} {
		if got := guessLang(text); got != want {
			t.Errorf("guessLang(%q) = %q, want %q", text, got, want)
		}
	}
}
