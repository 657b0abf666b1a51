package escalate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"mailassist/mailmsg"
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
		Text:      StripSignature(StripQuoted(m.Text)),
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

// ErrNotFound is returned by a Lookup that does not hold the message.
var ErrNotFound = errors.New("message not found")

// Lookup finds an earlier message of a thread by its Message-ID (without
// <>). It returns the raw message and the mailbox it is in ("" when it
// does not come from a mailbox), ErrNotFound when it holds no message
// with exactly that id, or another error when it could not look.
type Lookup interface {
	ByMessageID(ctx context.Context, id string) (raw []byte, mailbox string, err error)
}

// MapLookup is a Lookup over messages held in memory, keyed by Message-ID.
type MapLookup map[string][]byte

// Add indexes raw under its Message-ID; a message without one is ignored.
// The first message added with an id wins.
func (ml MapLookup) Add(raw []byte) {
	id := mailmsg.Parse(raw).MessageID
	if _, dup := ml[id]; id != "" && !dup {
		ml[id] = raw
	}
}

// ByMessageID implements Lookup.
func (ml MapLookup) ByMessageID(_ context.Context, id string) ([]byte, string, error) {
	if raw, ok := ml[id]; ok {
		return raw, "", nil
	}
	return nil, "", ErrNotFound
}

// Reconstruction bounds: how many earlier messages are looked up in all,
// and how many reference hops away from the newest message.
const (
	maxLookups = 50
	maxDepth   = 10
)

// Reconstruct builds the thread that ends with newest by following
// References and In-Reply-To (of newest and of every message found, up
// to 10 hops and 50 lookups; each id once, so cycles end) through the
// lookups, tried in order. Ids no lookup holds are listed in Missing.
// Messages are ordered by date, undated ones first; newest is always
// last. An error from a lookup other than ErrNotFound ends the
// reconstruction: the caller retries later.
func Reconstruct(ctx context.Context, newest *mailmsg.Message, lookups ...Lookup) (*Thread, error) {
	t := &Thread{Referenced: len(parentIDs(newest))}
	seen := map[string]bool{newest.MessageID: true}
	type item struct {
		id    string
		depth int
	}
	var queue []item
	enqueue := func(m *mailmsg.Message, depth int) {
		if depth > maxDepth {
			return
		}
		for _, id := range parentIDs(m) {
			if !seen[id] {
				seen[id] = true
				queue = append(queue, item{id, depth})
			}
		}
	}
	enqueue(newest, 1)
	var earlier []ThreadMessage
	for n := 0; len(queue) > 0 && n < maxLookups; n++ {
		it := queue[0]
		queue = queue[1:]
		raw, mailbox, err := lookup(ctx, it.id, lookups)
		if errors.Is(err, ErrNotFound) {
			t.Missing = append(t.Missing, it.id)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up <%s>: %w", it.id, err)
		}
		m := mailmsg.Parse(raw)
		earlier = append(earlier, NewThreadMessage(m, mailbox))
		enqueue(m, it.depth+1)
	}
	slices.SortStableFunc(earlier, func(a, b ThreadMessage) int { return a.Date.Compare(b.Date) })
	t.Messages = append(earlier, NewThreadMessage(newest, ""))
	return t, nil
}

// parentIDs returns the ids m names as earlier messages: In-Reply-To
// first (the direct parent), then References from the nearest back.
// An id equal to m's own is left out.
func parentIDs(m *mailmsg.Message) []string {
	var ids []string
	add := func(id string) {
		if id != "" && id != m.MessageID && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range m.InReplyTo {
		add(id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		add(m.References[i])
	}
	return ids
}

func lookup(ctx context.Context, id string, lookups []Lookup) ([]byte, string, error) {
	for _, l := range lookups {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		raw, mailbox, err := l.ByMessageID(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		return raw, mailbox, err
	}
	return nil, "", ErrNotFound
}

// Token estimates. Four bytes of text make about one token for English
// with the tokenizers of the common open models; the header lines the
// prompt adds per message cost about 40.
const (
	bytesPerToken     = 4
	perMessageTokens  = 40
	minTruncateTokens = 64 // a cut message keeps at least this, or is dropped
)

// EstimateTokens is a rough token count of s.
func EstimateTokens(s string) int {
	return (len(s) + bytesPerToken - 1) / bytesPerToken
}

// Bound fits the thread into about budgetTokens tokens: the newest
// messages are kept whole, the first one that does not fit is cut (its
// beginning kept, Truncated set) and older ones are dropped (counted in
// Omitted). The newest message is always kept, cut to the budget if it
// alone exceeds it. A budget of 0 or less leaves the thread unchanged.
func Bound(t *Thread, budgetTokens int) {
	if budgetTokens <= 0 || len(t.Messages) == 0 {
		return
	}
	left := budgetTokens
	keepFrom := len(t.Messages)
	for i := len(t.Messages) - 1; i >= 0; i-- {
		m := &t.Messages[i]
		cost := EstimateTokens(m.Text) + perMessageTokens
		if cost <= left {
			left -= cost
			keepFrom = i
			continue
		}
		room := left - perMessageTokens
		if i == len(t.Messages)-1 {
			room = max(room, minTruncateTokens)
		}
		if room >= minTruncateTokens {
			m.Text = truncateText(m.Text, room*bytesPerToken)
			m.Truncated = true
			keepFrom = i
		}
		break
	}
	t.Omitted += keepFrom
	t.Messages = slices.Delete(t.Messages, 0, keepFrom)
}

// truncateText cuts s to at most n bytes at a word boundary, on a UTF-8
// character boundary, and marks the cut.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	if i := strings.LastIndexAny(s[:cut], " \n\t"); i > cut/2 {
		cut = i
	}
	return strings.TrimSpace(s[:cut]) + " […]"
}
