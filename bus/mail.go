package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"mailassist/account"
	"mailassist/mailmsg"
)

// MailEvent is an event about one message that carries the message
// itself, inline or by object: Ingested, Classified, Escalation, Feedback,
// Sent.
type MailEvent interface {
	version() int
	ref() *Ref
	raw() (inline []byte, key, object string)
}

func (e *Ingested) version() int                    { return e.V }
func (e *Ingested) ref() *Ref                       { return &e.Ref }
func (e *Ingested) raw() ([]byte, string, string)   { return e.Raw, e.RawKey, e.RawObject }
func (e *Classified) version() int                  { return e.V }
func (e *Classified) ref() *Ref                     { return &e.Ref }
func (e *Classified) raw() ([]byte, string, string) { return e.Raw, e.RawKey, e.RawObject }
func (e *Escalation) version() int                  { return e.V }
func (e *Escalation) ref() *Ref                     { return &e.Ref }
func (e *Escalation) raw() ([]byte, string, string) { return e.Raw, e.RawKey, e.RawObject }
func (e *Feedback) version() int                    { return e.V }
func (e *Feedback) ref() *Ref                       { return &e.Ref }
func (e *Feedback) raw() ([]byte, string, string)   { return e.Raw, e.RawKey, e.RawObject }
func (e *Sent) version() int                        { return e.V }
func (e *Sent) ref() *Ref                           { return &e.Ref }
func (e *Sent) raw() ([]byte, string, string)       { return e.Raw, e.RawKey, e.RawObject }

// Mail is where every mail stage's handler starts: the event, the account
// it is about, and the message, raw and (on first use) parsed.
type Mail[E any] struct {
	Event   E
	Account *account.Account
	Raw     []byte

	once sync.Once
	msg  *mailmsg.Message
}

// Message returns the raw message parsed with mailmsg's defaults, parsing
// it on the first call only.
func (m *Mail[E]) Message() *mailmsg.Message {
	m.once.Do(func() { m.msg = mailmsg.Parse(m.Raw) })
	return m.msg
}

// ReadMail is the prologue of a mail stage: it decodes d into an event of
// type E, finds the account the event names among accounts, and loads the
// raw message. What no retry can fix — an event that does not decode, a
// version this build does not know, an unknown account, a raw message no
// longer on the bus (older than stream.raw_max_age: ErrRawExpired) — is a
// permanent error; failing to reach the bus is transient.
func ReadMail[E any, P interface {
	*E
	MailEvent
}](ctx context.Context, b *Bus, d *Delivery, accounts []account.Account) (*Mail[E], error) {
	m := &Mail[E]{}
	ev := P(&m.Event)
	if err := json.Unmarshal(d.Data, ev); err != nil {
		return nil, Permanentf("decode %s: %v", d.Subject, err)
	}
	if v := ev.version(); v != Version {
		return nil, Permanentf("%s: event version %d not supported (want %d)", d.Subject, v, Version)
	}
	name := ev.ref().Account
	if m.Account = account.Find(accounts, name); m.Account == nil {
		return nil, Permanentf("%s: unknown account %q", d.Subject, name)
	}
	inline, key, object := ev.raw()
	raw, err := b.LoadBlob(ctx, inline, key, object)
	if errors.Is(err, ErrRawExpired) {
		return nil, Permanentf("%v: it waited longer than stream.raw_max_age", err)
	}
	if err != nil {
		return nil, fmt.Errorf("load raw message: %w", err)
	}
	m.Raw = raw
	return m, nil
}
