package hardness

import (
	"strings"
	"time"

	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// Thread is a conversation reconstructed around one message, oldest
// first. The last message is always the one being escalated.
type Thread struct {
	Messages []ThreadMessage
	// Referenced is how many earlier messages the newest one names in
	// References and In-Reply-To, found or not: a lower bound of the
	// thread's length when the mailbox no longer holds all of it.
	Referenced int
	// Missing are the ids named (by any message found) but found nowhere.
	Missing []string
	// Omitted is how many of the oldest messages Bound dropped.
	Omitted int
}

// ThreadMessage is one message of a thread, reduced to what the score,
// the summary and the prompt read.
type ThreadMessage struct {
	MessageID string // without <>
	From      mailmsg.Address
	To, Cc    []mailmsg.Address
	Date      time.Time // zero when the message had none
	Subject   string
	// Text is the body with quoted history and signature stripped.
	Text string
	// Mailbox is where a Lookup found it; "" for the newest message
	// unless the caller sets it.
	Mailbox string
	// List is set for mailing-list and bulk mail (List-Id,
	// List-Unsubscribe, Precedence: bulk/list/junk, Auto-Submitted).
	List bool
	// Truncated is set when Bound cut Text.
	Truncated bool
}

// Newest returns the message being escalated (the last one), or a zero
// ThreadMessage for an empty thread.
func (t *Thread) Newest() ThreadMessage {
	if t == nil || len(t.Messages) == 0 {
		return ThreadMessage{}
	}
	return t.Messages[len(t.Messages)-1]
}

// Length is the thread's length as far as it is known: the messages
// found, or one more than the ancestors the newest names, if that is more.
func (t *Thread) Length() int {
	return max(len(t.Messages)+t.Omitted, t.Referenced+1)
}

// NewThreadMessage reduces a parsed message to a ThreadMessage, stripping
// quoted text and signature from its body.
func NewThreadMessage(m *mailmsg.Message, mailbox string) ThreadMessage {
	tm := ThreadMessage{
		MessageID: m.MessageID,
		To:        m.To,
		Cc:        m.Cc,
		Date:      m.Date,
		Subject:   m.Subject,
		Text:      ownText(m.Text),
		Mailbox:   mailbox,
		List:      isListMail(m.Header),
	}
	if len(m.From) > 0 {
		tm.From = m.From[0]
	}
	return tm
}

// isListMail reports whether the header marks mailing-list or bulk mail.
func isListMail(h mailmsg.Header) bool {
	if h.Has("List-Id") || h.Has("List-Unsubscribe") || h.Has("List-Post") {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "list", "junk":
		return true
	}
	as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	return as != "" && as != "no"
}

// NewThread is the thread of one message whose earlier messages are not
// looked up: it knows only how many the message names.
func NewThread(m *mailmsg.Message, mailbox string) *Thread {
	return &Thread{Messages: []ThreadMessage{NewThreadMessage(m, mailbox)}, Referenced: len(m.ParentIDs())}
}

// ownText is what the sender wrote: the new text without quoted history
// and signature, or, when the message is all quote, the whole text.
func ownText(text string) string {
	if fresh := mailtext.Split(text).New; fresh != "" {
		return fresh
	}
	return strings.TrimSpace(text)
}
