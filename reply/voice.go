package reply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"mailassist/account"
	"mailassist/bus"
	"mailassist/mailtext"
)

// VoiceBucket keeps, per account, what the reply role learnt of how the
// user writes from the messages in their Sent folder.
const VoiceBucket = "reply_voice"

// What the voice keeps and shows.
const (
	voiceSignatures  = 5   // the newest signature blocks kept, of which the most frequent is used
	voiceExamples    = 10  // the newest short replies kept
	MaxVoiceExamples = 3   // shown to the model at most
	exampleMaxWords  = 50  // a reply longer than this is no short example
	exampleMaxBytes  = 300 // nor one longer than this
	voiceCacheFor    = time.Minute
)

// Voice learns how the user writes from mail.sent (the reply-voice
// stage): the signature block of their own recent messages, and a few
// short replies of theirs. Only the user's own words are kept: messages
// whose From is one of the account's addresses, without the quoted
// history and the signature, and never one that carries an address,
// link, number, credential or text aimed at an assistant.
type Voice struct {
	Bus      *bus.Bus
	Accounts []account.Account

	kv    jetstream.KeyValue
	mu    sync.Mutex
	cache map[string]cachedVoice
}

type cachedVoice struct {
	v  voiceRecord
	at time.Time
}

// voiceRecord is one account's value in VoiceBucket.
type voiceRecord struct {
	Signatures []signatureSample `json:"signatures"` // oldest first
	Examples   []voiceExample    `json:"examples"`   // oldest first
}

type signatureSample struct {
	Text      string    `json:"text"` // "" when the message had none
	Delimited bool      `json:"delimited,omitempty"`
	At        time.Time `json:"at"`
	Of        string    `json:"of"` // the message's Message-ID (or fingerprint)
}

type voiceExample struct {
	Text string    `json:"text"`
	Lang string    `json:"lang,omitempty"`
	At   time.Time `json:"at"`
	Of   string    `json:"of"`
}

// Open creates or opens the bucket. Call it once before the other
// methods.
func (v *Voice) Open(ctx context.Context) error {
	kv, err := v.Bus.KeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: VoiceBucket, Description: "per account: the user's signature blocks and short replies, from Sent",
	})
	if err != nil {
		return err
	}
	v.kv, v.cache = kv, map[string]cachedVoice{}
	return nil
}

// Stage is the runner configuration of the stage that learns from
// mail.sent.
func (v *Voice) Stage(concurrency int) bus.Stage {
	return bus.Stage{Name: "reply-voice", Filters: []string{bus.AllAccounts(bus.KindSent)}, Handler: v.Handle, Concurrency: concurrency}
}

// Handle learns from one message of the user's Sent folder.
func (v *Voice) Handle(ctx context.Context, d *bus.Delivery) error {
	mail, err := bus.ReadMail[bus.Sent](ctx, v.Bus, d, v.Accounts)
	if err != nil {
		return err
	}
	m, ev := mail.Message(), &mail.Event
	if len(m.From) == 0 || !slices.ContainsFunc(mail.Account.Own(), func(a string) bool { return strings.EqualFold(a, m.From[0].Addr) }) {
		return nil // a copy of someone else's mail
	}
	of := ev.MessageID
	if of == "" {
		of = ev.Fingerprint
	}
	at := m.Date
	if at.IsZero() {
		at = ev.InternalDate
	}
	sig, delimited := mailtext.UserSignature(m.Text)
	s := signatureSample{Text: sig, Delimited: delimited, At: at.UTC(), Of: of}
	var ex *voiceExample
	if len(ev.InReplyTo) > 0 {
		if text := exampleText(mailtext.Split(m.Text).New); text != "" {
			ex = &voiceExample{Text: text, Lang: guessLang(text), At: at.UTC(), Of: of}
		}
	}
	return v.update(ctx, ev.Account, func(r *voiceRecord) bool {
		changed := false
		if !slices.ContainsFunc(r.Signatures, func(x signatureSample) bool { return x.Of == of }) {
			r.Signatures, changed = keepNewest(append(r.Signatures, s), voiceSignatures, func(x signatureSample) time.Time { return x.At }), true
		}
		if ex != nil && !slices.ContainsFunc(r.Examples, func(x voiceExample) bool { return x.Of == of }) {
			r.Examples, changed = keepNewest(append(r.Examples, *ex), voiceExamples, func(x voiceExample) time.Time { return x.At }), true
		}
		return changed
	})
}

// exampleText is text as a short example of the user's replies, or ""
// when it is none: empty, one word, long, or carrying what the model may
// not repeat (an address, link, number or credential) or instructions
// for an assistant.
func exampleText(text string) string {
	text = strings.TrimSpace(mailtext.StripControl(text, true))
	n := len(strings.Fields(text))
	if n < 2 || n > exampleMaxWords || len(text) > exampleMaxBytes ||
		len(mailtext.FindSensitive(text)) > 0 || mailtext.Injection(text) != "" {
		return ""
	}
	return text
}

// keepNewest sorts xs by time and keeps the newest n.
func keepNewest[T any](xs []T, n int, at func(T) time.Time) []T {
	slices.SortStableFunc(xs, func(a, b T) int { return at(a).Compare(at(b)) })
	if len(xs) > n {
		xs = xs[len(xs)-n:]
	}
	return xs
}

func (v *Voice) update(ctx context.Context, account string, f func(*voiceRecord) bool) error {
	for attempt := 0; ; attempt++ {
		var r voiceRecord
		var rev uint64
		switch e, err := v.kv.Get(ctx, account); {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("voice of %s: %w", account, err)
		default:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &r); err != nil {
				return fmt.Errorf("voice of %s: %w", account, err)
			}
		}
		if !f(&r) {
			return nil
		}
		data, _ := json.Marshal(&r)
		var err error
		if rev == 0 {
			_, err = v.kv.Create(ctx, account, data)
		} else {
			_, err = v.kv.Update(ctx, account, data, rev)
		}
		if err == nil {
			v.mu.Lock()
			delete(v.cache, account)
			v.mu.Unlock()
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) || attempt == 20 {
			return fmt.Errorf("voice of %s: %w", account, err)
		}
	}
}

// load returns the account's voice, cached for a minute.
func (v *Voice) load(ctx context.Context, account string) (voiceRecord, error) {
	v.mu.Lock()
	c, ok := v.cache[account]
	v.mu.Unlock()
	if ok && time.Since(c.at) < voiceCacheFor {
		return c.v, nil
	}
	var r voiceRecord
	switch e, err := v.kv.Get(ctx, account); {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return r, fmt.Errorf("voice of %s: %w", account, err)
	default:
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return r, fmt.Errorf("voice of %s: %w", account, err)
		}
	}
	v.mu.Lock()
	v.cache[account] = cachedVoice{v: r, at: time.Now()}
	v.mu.Unlock()
	return r, nil
}

// Signature returns the signature block the user signs their mail with,
// learnt from the newest messages of the account's Sent folder: the
// block that occurs most often among the last five (ties: the newer),
// "" when that is none. A block that stood below the "-- " delimiter
// comes with it, as draft.ComposeOptions.Signature takes it.
func (v *Voice) Signature(ctx context.Context, account string) (string, error) {
	r, err := v.load(ctx, account)
	if err != nil || len(r.Signatures) == 0 {
		return "", err
	}
	count := map[string]int{}
	best, bestN := "", 0
	for i := len(r.Signatures) - 1; i >= 0; i-- { // newest first: a tie keeps the newer
		s := r.Signatures[i]
		block := s.Text
		if s.Delimited && block != "" {
			block = "-- \n" + block
		}
		count[block]++
		if count[block] > bestN {
			best, bestN = block, count[block]
		}
	}
	return best, nil
}

// Examples returns up to n of the user's own short replies, the newest
// first, those in language (a code of package lang; "" for any) only.
func (v *Voice) Examples(ctx context.Context, account, language string, n int) ([]string, error) {
	r, err := v.load(ctx, account)
	if err != nil {
		return nil, err
	}
	var out []string
	for i := len(r.Examples) - 1; i >= 0 && len(out) < n; i-- {
		if e := r.Examples[i]; language == "" || e.Lang == language {
			out = append(out, e.Text)
		}
	}
	return out, nil
}

// SignatureFor returns the signature block of the drafts of account
// under c (reply.signature, per_account applied): the text, "" for none,
// or for auto the one v learnt from Sent ("" when v is nil or has none).
func SignatureFor(ctx context.Context, c *Config, v *Voice, account string) (string, error) {
	sig := c.Policy(account).Signature
	if sig != SignatureAuto {
		return sig, nil
	}
	if v == nil {
		return "", nil
	}
	return v.Signature(ctx, account)
}
