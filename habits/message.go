// Package habits keeps, per account, how the user deals with mail — whom
// they answer, how often and how fast, the threads they start and write
// in — and the small logistic model that turns that history and a
// message's content cues into the chance that the user answers it: the
// state of the personal reply trigger, bounded and kept in the bus's KV.
package habits

import (
	"hash/fnv"
	"strings"
	"time"

	"mailassist/draft"
	"mailassist/mailmsg"
	"mailassist/mailtext"
)

// Window is how long a received message waits for the user's answer: a
// reply sent later does not count, and a message nobody answered within
// it is learnt as unanswered.
const Window = 14 * 24 * time.Hour

// Soft says which of the reply trigger's "automatic mail" rules a
// message matched that the history may overrule: the user may answer a
// list or a no-reply sender they always answer. The other rules (spam,
// own mail, delivery reports, auto-replies, old mail) keep such mail out
// of the history altogether.
type Soft uint8

// Soft rules.
const (
	SoftNone Soft = iota
	SoftList
	SoftBulk
	SoftNoReply
)

// Addressing is where the user is among a message's recipients.
type Addressing uint8

// Addressings. Unknown when the account's own addresses are not known.
const (
	AddrUnknown Addressing = iota
	AddrDirect             // the user is the only recipient in To
	AddrTo                 // in To, with others
	AddrCc                 // only in Cc
	AddrHidden             // in neither: Bcc, an alias, a list
)

// Cues are what the content trigger found in a message.
type Cues struct {
	// Score is the content trigger's score (0..1) and Threshold the
	// score from which it suggests replies.
	Score, Threshold float64
	Soft             Soft
	Addressing       Addressing
	Recipients       int // in To and Cc
	Question         bool
	Request          bool // a request or a demand
}

// Message is a received message as the history sees it.
type Message struct {
	// Key names the message: KeyOf its Message-ID, or of its identity
	// when it has none.
	Key uint64
	// Ref is its identity (<account>/<uidvalidity>/<uid>), for draft
	// fates; may be empty.
	Ref  string
	From string // the sender's address, lower case
	// List is the List-Id (or another list header's value) of list mail.
	List string
	// Parents are the ids it answers: In-Reply-To, then References.
	InReplyTo, References []string
	Subject               string
	At                    time.Time
	// Internal: the sender's domain is one of the user's.
	Internal bool
	Cues     Cues
}

// Sent is a message the user sent, as the history sees it.
type Sent struct {
	Key                   uint64 // KeyOf its Message-ID (or fingerprint)
	ID                    string // its Message-ID, without <>; may be empty
	InReplyTo, References []string
	To                    []string // every recipient (To, Cc, Bcc), lower case
	Subject               string
	At                    time.Time
}

// KeyOf is the key of a message id, address, domain or list: a 64-bit
// FNV-1a hash of its lower-case form.
func KeyOf(s string) uint64 {
	h := fnv.New64a()
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h.Write([]byte{c})
	}
	return h.Sum64()
}

// short is the 32-bit form of a key, for the sets where a rare collision
// costs little.
func short(k uint64) uint32 { return uint32(k) ^ uint32(k>>32) }

// domainOf returns the part of addr after the last '@', or "".
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}

// subjectKey returns the key of a subject without its reply prefixes,
// and whether it had any: "Re: Budget" and "AW: RE: budget" share a key.
func subjectKey(s string) (key uint64, reply bool) {
	r := draft.ReplySubject(s) // "Re: " + s without any reply prefix
	bare := strings.TrimSpace(strings.TrimPrefix(r, "Re:"))
	return KeyOf(bare), mailtext.CleanLine(s, 900) != bare
}

// threadRoot returns the id that names a message's thread: the first of
// its References (the thread's first message), else its In-Reply-To,
// else its own id.
func threadRoot(own string, inReplyTo, references []string) string {
	switch {
	case len(references) > 0:
		return references[0]
	case len(inReplyTo) > 0:
		return inReplyTo[0]
	}
	return own
}

// SentFrom reads a message of the Sent folder: key is its Message-ID's
// (or, without one, KeyOf the fallback, e.g. its fingerprint), at when
// it was sent (the folder's INTERNALDATE; its Date header when zero).
func SentFrom(m *mailmsg.Message, fallback string, at time.Time) Sent {
	s := Sent{ID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Subject: m.Subject, At: at}
	if s.At.IsZero() {
		s.At = m.Date
	}
	id := m.MessageID
	if id == "" {
		id = fallback
	}
	s.Key = KeyOf(id)
	bcc, _ := mailmsg.ParseAddressList(m.Header.Get("Bcc"))
	for _, list := range [][]mailmsg.Address{m.To, m.Cc, bcc} {
		for _, a := range list {
			if a.Addr != "" {
				s.To = append(s.To, strings.ToLower(a.Addr))
			}
		}
	}
	return s
}
