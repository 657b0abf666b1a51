package bus

import "time"

// Version is the schema version carried in every event's "v" field.
// Fields are only ever added within a version; consumers ignore unknown fields.
const Version = 1

// Ingested is published on mail.ingested.<account> once per message.
type Ingested struct {
	V            int       `json:"v"`
	ID           string    `json:"id"`
	Account      string    `json:"account"`
	Mailbox      string    `json:"mailbox"`
	UIDValidity  uint32    `json:"uidvalidity"`
	UID          uint32    `json:"uid"`
	MessageID    string    `json:"message_id,omitempty"`
	InternalDate time.Time `json:"internal_date"`
	Size         int64     `json:"size"`
	Flags        []string  `json:"flags,omitempty"`
	// Raw is the RFC 5322 message when it is at most stream.inline_max;
	// otherwise RawObject names it in the mail_raw object store.
	Raw        []byte    `json:"raw,omitempty"`
	RawObject  string    `json:"raw_object,omitempty"`
	IngestedAt time.Time `json:"ingested_at"`
	// UserLabel is "ham" when the user moved this message out of Junk:
	// stages must not file it as spam again.
	UserLabel string `json:"user_label,omitempty"`
}

// Labels of feedback.
const (
	LabelSpam = "spam"
	LabelHam  = "ham"
)

// Feedback is published on mail.feedback.<account> when the user moves a
// message into Junk (label spam) or out of Junk into a watched folder
// (label ham). Moves the pipeline made itself are not feedback.
type Feedback struct {
	V           int       `json:"v"`
	ID          string    `json:"id"` // identity in the folder it was moved to
	Account     string    `json:"account"`
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uidvalidity"`
	UID         uint32    `json:"uid"`
	MessageID   string    `json:"message_id,omitempty"`
	Label       string    `json:"label"`  // spam | ham
	Source      string    `json:"source"` // user-move
	Raw         []byte    `json:"raw,omitempty"`
	RawObject   string    `json:"raw_object,omitempty"`
	At          time.Time `json:"at"`
}

// Action kinds.
const (
	ActionMove  = "move"
	ActionDraft = "draft"
	ActionFlags = "flags"
)

// Move targets with a meaning beyond a folder name.
const (
	TargetJunk = "\\Junk" // the account's Junk folder, configured or discovered
)

// Action is published on mail.action.<account> and carried out by apply.
type Action struct {
	V           int    `json:"v"`
	ID          string `json:"id"` // identity of the message the action is about
	Account     string `json:"account"`
	Kind        string `json:"kind"`  // move | draft | flags
	Stage       string `json:"stage"` // who asked for it
	Reason      string `json:"reason,omitempty"`
	Mailbox     string `json:"mailbox,omitempty"`
	UIDValidity uint32 `json:"uidvalidity,omitempty"`
	UID         uint32 `json:"uid,omitempty"`
	MessageID   string `json:"message_id,omitempty"`
	// Target of a move: a folder name or TargetJunk.
	Target string `json:"target,omitempty"`
	// Draft is the RFC 5322 draft to append (kind draft); it must carry an
	// X-Mailassist-Ref header equal to ID. Large drafts go by DraftObject.
	Draft       []byte   `json:"draft,omitempty"`
	DraftObject string   `json:"draft_object,omitempty"`
	AddFlags    []string `json:"add_flags,omitempty"`
	RemoveFlags []string `json:"remove_flags,omitempty"`
}

// DeadLetter is published on mail.deadletter.<account> when a stage gives
// up on a message. Data is the original payload (up to 512 KiB; the stream
// still holds all of it at StreamSeq until it ages out).
type DeadLetter struct {
	V          int       `json:"v"`
	Account    string    `json:"account"`
	Stage      string    `json:"stage"`
	Subject    string    `json:"subject"`
	StreamSeq  uint64    `json:"stream_seq"`
	MsgID      string    `json:"msg_id,omitempty"`
	Deliveries uint64    `json:"deliveries"`
	Reason     string    `json:"reason"`
	Data       []byte    `json:"data,omitempty"`
	Truncated  bool      `json:"truncated,omitempty"`
	At         time.Time `json:"at"`
}

// Checkpoint is the per account+mailbox ingest position in mail_checkpoints.
type Checkpoint struct {
	Account     string    `json:"account"`
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uidvalidity"`
	LastUID     uint32    `json:"last_uid"`
	Updated     time.Time `json:"updated"`
}

// Verdicts of the spam stage.
const (
	VerdictSpam = "spam"
	VerdictHam  = "ham"
)

// Reason is one feature that weighed in a verdict.
type Reason struct {
	Feature string  `json:"feature"`
	Weight  float64 `json:"weight"`
}

// LLMOpinion is the small model's second opinion on a gray-zone score.
type LLMOpinion struct {
	SpamProbability float64 `json:"spam_probability"`
	Category        string  `json:"category"`
	Reason          string  `json:"reason"`
	Model           string  `json:"model"`
	Cached          bool    `json:"cached,omitempty"`
}

// Classified is published on mail.classified.<account> for every ingested
// message. It carries the raw message on (inline or by object) so that
// later stages need not fetch it again.
type Classified struct {
	V            int       `json:"v"`
	ID           string    `json:"id"`
	Account      string    `json:"account"`
	Mailbox      string    `json:"mailbox"`
	UIDValidity  uint32    `json:"uidvalidity"`
	UID          uint32    `json:"uid"`
	MessageID    string    `json:"message_id,omitempty"`
	InternalDate time.Time `json:"internal_date"`
	Verdict      string    `json:"verdict"` // spam | ham
	// Score is the spam probability the verdict rests on: the model's, or
	// the LLM's in the gray zone when it answered.
	Score        float64     `json:"score"`
	ModelScore   float64     `json:"model_score"`
	Threshold    float64     `json:"threshold"`
	ModelVersion string      `json:"model_version"`
	Reasons      []Reason    `json:"reasons,omitempty"`
	LLM          *LLMOpinion `json:"llm,omitempty"`
	// UserLabel is set when the user's own move decided the verdict.
	UserLabel    string    `json:"user_label,omitempty"`
	Action       string    `json:"action"` // move | flag | none: what was asked of apply
	Raw          []byte    `json:"raw,omitempty"`
	RawObject    string    `json:"raw_object,omitempty"`
	ClassifiedAt time.Time `json:"classified_at"`
}
