package escalate

import (
	"context"
	"errors"
	"fmt"
	"mailassist/hardness"
	"mailassist/mailtext"
	"slices"

	"mailassist/mailmsg"
)

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
func Reconstruct(ctx context.Context, newest *mailmsg.Message, lookups ...Lookup) (*hardness.Thread, error) {
	t := &hardness.Thread{Referenced: len(newest.ParentIDs())}
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
		for _, id := range m.ParentIDs() {
			if !seen[id] {
				seen[id] = true
				queue = append(queue, item{id, depth})
			}
		}
	}
	enqueue(newest, 1)
	var earlier []hardness.ThreadMessage
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
		earlier = append(earlier, hardness.NewThreadMessage(m, mailbox))
		enqueue(m, it.depth+1)
	}
	slices.SortStableFunc(earlier, func(a, b hardness.ThreadMessage) int { return a.Date.Compare(b.Date) })
	t.Messages = append(earlier, hardness.NewThreadMessage(newest, ""))
	return t, nil
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
func Bound(t *hardness.Thread, budgetTokens int) {
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
			m.Text = mailtext.Truncate(m.Text, room*bytesPerToken)
			m.Truncated = true
			keepFrom = i
		}
		break
	}
	t.Omitted += keepFrom
	t.Messages = slices.Delete(t.Messages, 0, keepFrom)
}
