// Package bus holds the JetStream plumbing every stage shares: subjects,
// event types, stream and bucket setup, publishing, and the stage runner.
package bus

import (
	"fmt"
	"strconv"
	"strings"
)

// Stream and bucket names.
const (
	StreamName      = "MAIL"
	CheckpointsKV   = "mail_checkpoints"
	SeenKV          = "mail_seen"
	JunkKV          = "mail_junk"
	LeasesKV        = "mail_leases"
	FailuresKV      = "mail_failures"
	RawObjects      = "mail_raw"
	BodiesKV        = "mail_bodies"
	subjectWildcard = "mail.>"
)

// Subject kinds: the second token of every subject on the stream.
const (
	KindIngested   = "ingested"
	KindClassified = "classified"
	KindFeedback   = "feedback"
	KindSent       = "sent"
	KindSuggested  = "suggested"
	KindEscalation = "escalation"
	KindEscalated  = "escalated"
	KindAction     = "action"
	KindDeadLetter = "deadletter"
)

// Subject returns "mail.<kind>.<account>".
func Subject(kind, account string) string {
	return "mail." + kind + "." + account
}

// ParseSubject splits "mail.<kind>.<account>"; both are "" for any other
// subject.
func ParseSubject(subject string) (kind, account string) {
	parts := strings.SplitN(subject, ".", 3)
	if len(parts) != 3 || parts[0] != "mail" {
		return "", ""
	}
	return parts[1], parts[2]
}

// KVSubject is the subject a write of key to the KV bucket is published
// on, for writes sent as asynchronous publishes rather than through the
// bucket's API (one round trip each).
func KVSubject(bucket, key string) string {
	return "$KV." + bucket + "." + key
}

// AllAccounts returns the filter "mail.<kind>.>" matching every account.
func AllAccounts(kind string) string {
	return "mail." + kind + ".>"
}

// Identity names one message in one mailbox: <account>/<uidvalidity>/<uid>.
func Identity(account string, uidValidity, uid uint32) string {
	return account + "/" + strconv.FormatUint(uint64(uidValidity), 10) + "/" + strconv.FormatUint(uint64(uid), 10)
}

// ParseIdentity splits an identity into its parts.
func ParseIdentity(id string) (account string, uidValidity, uid uint32, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 || parts[0] == "" {
		return "", 0, 0, fmt.Errorf("identity %q: want <account>/<uidvalidity>/<uid>", id)
	}
	uv, err1 := strconv.ParseUint(parts[1], 10, 32)
	u, err2 := strconv.ParseUint(parts[2], 10, 32)
	if err1 != nil || err2 != nil {
		return "", 0, 0, fmt.Errorf("identity %q: uidvalidity and uid must be numbers", id)
	}
	return parts[0], uint32(uv), uint32(u), nil
}

// MsgID is the Nats-Msg-Id of a publish: <stage>/<identity>. JetStream
// drops a second publish with the same id inside the duplicate window.
func MsgID(stage, identity string) string {
	return stage + "/" + identity
}

// RefHeader is the header field of a draft that names the message it
// answers (its identity), so that apply files each draft once and the
// drafts' fate can be followed.
const RefHeader = "X-Mailassist-Ref"
