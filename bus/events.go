package bus

import "time"

// Version is the schema version carried in every event's "v" field.
// Fields are only ever added within a version; consumers ignore unknown fields.
const Version = 1

// Ref locates one message: its identity and where it is. Events embed it,
// so its fields appear at the top level of their JSON.
type Ref struct {
	ID          string `json:"id"` // <account>/<uidvalidity>/<uid>
	Account     string `json:"account"`
	Mailbox     string `json:"mailbox"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
	MessageID   string `json:"message_id,omitempty"`
	// Fingerprint stands in for the Message-ID of a message that has none
	// (mailmsg.Fingerprint): a hash of its content without the fields
	// the receiving side adds, so a resync recognises it.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Ingested is published on mail.ingested.<account> once per message.
type Ingested struct {
	V int `json:"v"`
	Ref
	InternalDate time.Time `json:"internal_date"`
	Size         int64     `json:"size"`
	Flags        []string  `json:"flags,omitempty"`
	// Raw is the RFC 5322 message inline (base64), as events of older
	// versions carried it; mailassist no longer writes it.
	Raw []byte `json:"raw,omitempty"`
	// RawKey names the RFC 5322 message in the KV bucket mail_bodies
	// (messages up to stream.inline_max), kept for stream.raw_max_age;
	// under a key ending in ".s2" the value is S2-compressed (block
	// format).
	RawKey string `json:"raw_key,omitempty"`
	// RawObject names a larger message in the object store mail_raw,
	// kept as long.
	RawObject  string    `json:"raw_object,omitempty"`
	IngestedAt time.Time `json:"ingested_at"`
	// UserLabel is "ham" when the user moved this message out of Junk:
	// stages must not file it as spam again.
	UserLabel Label `json:"user_label,omitempty"`
}

// Label is what a user's move says of a message.
type Label string

// Labels of feedback.
const (
	LabelSpam Label = "spam"
	LabelHam  Label = "ham"
)

// FeedbackSource says what the user did.
type FeedbackSource string

// Sources of feedback.
const (
	SourceUserMove FeedbackSource = "user-move" // a move into or out of Junk
	// SourceUserReply: a message the user sent answered the thread of a
	// draft (kind draft: sent_unchanged, sent_edited).
	SourceUserReply FeedbackSource = "user-reply"
	// SourceDraftsCheck: the Drafts folder was read, and the draft was
	// gone (deleted) or still there (pending).
	SourceDraftsCheck FeedbackSource = "drafts-check"
	// SourceThreadMessage: a newer message of the thread got a draft that
	// replaced this one (replaced).
	SourceThreadMessage FeedbackSource = "thread-message"
)

// FeedbackKind says what a feedback event is about.
type FeedbackKind string

// Kinds of feedback.
const (
	// FeedbackLabel: a spam or ham label from the user's move. Events
	// published before the field existed have no kind: they are labels.
	FeedbackLabel FeedbackKind = "label"
	// FeedbackDraft: what became of a draft mailassist filed (Draft).
	FeedbackDraft FeedbackKind = "draft"
)

// Feedback is published on mail.feedback.<account> when the user moves a
// message into Junk (label spam) or out of Junk into a watched folder
// (label ham), and (kind draft) when a draft mailassist filed meets its
// fate. Moves the pipeline made itself are not feedback.
type Feedback struct {
	V int `json:"v"`
	// Ref is the message moved (label), or the message the draft answers
	// (draft): its identity is the draft's X-Mailassist-Ref.
	Ref
	// Kind is label or draft; absent (older events) means label.
	Kind FeedbackKind `json:"kind,omitempty"`
	// Label is spam or ham (kind label only).
	Label     Label          `json:"label,omitempty"`
	Source    FeedbackSource `json:"source"`
	Raw       []byte         `json:"raw,omitempty"` // older events only: see Ingested.RawKey
	RawKey    string         `json:"raw_key,omitempty"`
	RawObject string         `json:"raw_object,omitempty"`
	At        time.Time      `json:"at"`
	// Draft says what became of the draft (kind draft only).
	Draft *DraftFeedback `json:"draft,omitempty"`
}

// DraftFate is what became of a draft mailassist filed.
type DraftFate string

// Fates of a draft.
const (
	// FateSentUnchanged: the user sent a reply in the thread whose text
	// (without quote and signature) is the draft's.
	FateSentUnchanged DraftFate = "sent_unchanged"
	// FateSentEdited: the user sent a reply in the thread whose text
	// differs from the draft's (EditDistance says how much).
	FateSentEdited DraftFate = "sent_edited"
	// FateDeleted: the draft left Drafts and no reply was sent.
	FateDeleted DraftFate = "deleted"
	// FatePending: the draft is still in Drafts, unsent, after
	// reply.pending_after. It may still be sent or deleted later: a
	// further event then gives its final fate.
	FatePending DraftFate = "pending"
	// FateReplaced: a newer message of the thread got a draft, and this
	// one, unedited, was replaced by it. Not a verdict of the user's.
	FateReplaced DraftFate = "replaced"
)

// DraftFates lists every fate, for metrics and statistics.
var DraftFates = []DraftFate{FateSentUnchanged, FateSentEdited, FateDeleted, FatePending, FateReplaced}

// DraftSource says who wrote a draft.
type DraftSource string

// Sources of drafts.
const (
	DraftBuiltin    DraftSource = "builtin"     // the built-in generator (reply)
	DraftSmallModel DraftSource = "small_model" // the small language model (reply)
	DraftLargeModel DraftSource = "large_model" // the large language model (escalate)
	DraftHandoff    DraftSource = "handoff"     // the reply skeleton of a thread handed to the human (escalate)
)

// DraftSources lists every source, for metrics and statistics.
var DraftSources = []DraftSource{DraftBuiltin, DraftSmallModel, DraftLargeModel, DraftHandoff}

// DraftFeedback is what became of one draft: Feedback.Draft of a
// feedback event of kind draft.
type DraftFeedback struct {
	Fate   DraftFate   `json:"fate"`
	Source DraftSource `json:"source"`
	// Model is the language model that wrote it, when one did.
	Model string `json:"model,omitempty"`
	// Intent is the drafted suggestion's intent (yes, no, schedule, …);
	// empty for a full draft (a model's draft, an escalation's).
	Intent string `json:"intent,omitempty"`
	// Stage filed it: reply or escalate.
	Stage string `json:"stage"`
	// MessageID is the draft's own Message-ID.
	MessageID string    `json:"message_id,omitempty"`
	FiledAt   time.Time `json:"filed_at"`
	// EditDistance (sent_unchanged, sent_edited): the normalised edit
	// distance between the text filed and the text sent, both without
	// quote and signature: 0 unchanged, 1 nothing in common; 0 for the
	// other fates.
	EditDistance float64 `json:"edit_distance"`
	// SentID and SentMessageID (sent_unchanged, sent_edited) name the
	// user's reply: its identity on mail.sent and its Message-ID.
	SentID        string `json:"sent_id,omitempty"`
	SentMessageID string `json:"sent_message_id,omitempty"`
	// ReplacedBy (replaced) is the identity of the newer message whose
	// draft replaced this one.
	ReplacedBy string `json:"replaced_by,omitempty"`
}

// ActionKind is what an action asks of apply.
type ActionKind string

// Sent is published on mail.sent.<account> for every message that appears
// in the account's Sent folder: what the user sent (from any client), or a
// copy a client saved there. From it mailassist learns who the user
// answers and which of its drafts were sent. A UIDVALIDITY change of the
// Sent folder publishes its messages again: consumers key on the
// Message-ID (or Fingerprint), not on the identity.
type Sent struct {
	V int `json:"v"`
	Ref
	// Fingerprint stands in for the Message-ID when there is none.
	Fingerprint  string    `json:"fingerprint,omitempty"`
	InternalDate time.Time `json:"internal_date"`
	Size         int64     `json:"size"`
	// InReplyTo and References are the message's threading ids, without
	// angle brackets: what it answers.
	InReplyTo  []string `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	// The message itself, as the ingested event carries it.
	Raw       []byte    `json:"raw,omitempty"` // older events only: see Ingested.RawKey
	RawKey    string    `json:"raw_key,omitempty"`
	RawObject string    `json:"raw_object,omitempty"`
	SeenAt    time.Time `json:"seen_at"`
}

// Action kinds.
const (
	ActionMove  ActionKind = "move"
	ActionDraft ActionKind = "draft"
	ActionFlags ActionKind = "flags"
	// ActionReplaceDraft appends Draft like ActionDraft and removes
	// OldDraft, the same thread's earlier draft, unless the user edited
	// it: then that one stays and Draft is not appended.
	ActionReplaceDraft ActionKind = "replace_draft"
	// ActionDeleteDraft removes OldDraft unless the user edited it.
	ActionDeleteDraft ActionKind = "delete_draft"
)

// DraftRef names a draft mailassist filed earlier, for apply to find it
// and to tell whether the user edited it.
type DraftRef struct {
	// Ref is its X-Mailassist-Ref: the identity of the message it answers.
	Ref string `json:"ref"`
	// InReplyTo is the Message-ID it answers, without angle brackets: a
	// message with the \Draft flag and this In-Reply-To is the draft too
	// (clients may drop X-Mailassist-Ref when they save it again).
	InReplyTo string `json:"in_reply_to,omitempty"`
	// Digest is draft.Digest of the draft as filed. A draft whose digest
	// differs was edited by the user and is never touched.
	Digest string `json:"digest"`
}

// Move targets with a meaning beyond a folder name.
const (
	TargetJunk = "\\Junk" // the account's Junk folder, configured or discovered
)

// Action is published on mail.action.<account> and carried out by apply.
type Action struct {
	V           int        `json:"v"`
	ID          string     `json:"id"` // identity of the message the action is about
	Account     string     `json:"account"`
	Kind        ActionKind `json:"kind"`
	Stage       string     `json:"stage"` // who asked for it
	Reason      string     `json:"reason,omitempty"`
	Mailbox     string     `json:"mailbox,omitempty"`
	UIDValidity uint32     `json:"uidvalidity,omitempty"`
	UID         uint32     `json:"uid,omitempty"`
	MessageID   string     `json:"message_id,omitempty"`
	// Fingerprint finds a message without a Message-ID again after
	// UIDVALIDITY changed (Ref.Fingerprint).
	Fingerprint string `json:"fingerprint,omitempty"`
	// Target of a move: a folder name or TargetJunk.
	Target string `json:"target,omitempty"`
	// Draft is the RFC 5322 draft to append (kind draft) inline
	// (base64); it must carry an X-Mailassist-Ref header equal to ID.
	// mailassist no longer writes it but accepts it from other
	// publishers.
	Draft []byte `json:"draft,omitempty"`
	// DraftKey names the draft in the KV bucket mail_bodies (S2-compressed
	// under a key ending in ".s2", as RawKey), DraftObject a large one in
	// the object store mail_raw (stream.raw_max_age).
	DraftKey    string   `json:"draft_key,omitempty"`
	DraftObject string   `json:"draft_object,omitempty"`
	AddFlags    []string `json:"add_flags,omitempty"`
	RemoveFlags []string `json:"remove_flags,omitempty"`
	// OldDraft (replace_draft, delete_draft) is the draft to remove when
	// the user has not edited it.
	OldDraft *DraftRef `json:"old_draft,omitempty"`
}

// DeadLetter is published on mail.deadletter.<account> when a stage gives
// up on a message. Data is the original payload (up to 512 KiB; the stream
// still holds all of it at StreamSeq until it ages out).
type DeadLetter struct {
	V          int    `json:"v"`
	Account    string `json:"account"`
	Stage      string `json:"stage"`
	Subject    string `json:"subject"`
	StreamSeq  uint64 `json:"stream_seq"`
	MsgID      string `json:"msg_id,omitempty"`
	Deliveries uint64 `json:"deliveries"`
	// Cause sorts the reason: invalid input, a panic, failures that
	// reached max_deliver, a message the IMAP server would not hand out.
	Cause     DeadLetterCause `json:"cause,omitempty"`
	Reason    string          `json:"reason"`
	Data      []byte          `json:"data,omitempty"`
	Truncated bool            `json:"truncated,omitempty"`
	At        time.Time       `json:"at"`
}

// DeadLetterCause is why a stage gave up on a message.
type DeadLetterCause string

// Causes of dead letters.
const (
	CauseInvalid     DeadLetterCause = "invalid"     // input no retry can fix
	CausePanic       DeadLetterCause = "panic"       // the handler panicked
	CauseFailed      DeadLetterCause = "failed"      // failures (not outages) reached stages.max_deliver
	CauseUnfetchable DeadLetterCause = "unfetchable" // ingest: the IMAP server would not hand the message out
)

// DeadLetterCauses lists every cause, for metrics and status.
var DeadLetterCauses = []DeadLetterCause{CauseInvalid, CausePanic, CauseFailed, CauseUnfetchable}

// Checkpoint is the per account+mailbox ingest position in mail_checkpoints.
type Checkpoint struct {
	Account     string    `json:"account"`
	Mailbox     string    `json:"mailbox"`
	UIDValidity uint32    `json:"uidvalidity"`
	LastUID     uint32    `json:"last_uid"`
	Updated     time.Time `json:"updated"`
}

// Verdict is the spam stage's decision.
type Verdict string

// Verdicts of the spam stage.
const (
	VerdictSpam Verdict = "spam"
	VerdictHam  Verdict = "ham"
)

// SpamAction is what the spam stage asked of apply for spam.
type SpamAction string

// Spam actions (the config's spam.action).
const (
	SpamMove SpamAction = "move" // to the account's Junk folder
	SpamFlag SpamAction = "flag" // keyword $Junk (and not $NotJunk)
	SpamNone SpamAction = "none" // classify and publish only
)

// Decider says what decided a spam verdict.
type Decider string

// Deciders of a verdict (Classified.DecidedBy).
const (
	DecidedByModel         Decider = "model"         // the model's score against the threshold
	DecidedByLLM           Decider = "llm"           // the language model's second opinion in the gray zone
	DecidedByUserLabel     Decider = "user_label"    // the user moved the message out of Junk
	DecidedByCorrespondent Decider = "correspondent" // a sender the user has written to, kept out of Junk
	DecidedByAllowlist     Decider = "allowlist"     // spam.allow, From domain authenticated
	DecidedByBlocklist     Decider = "blocklist"     // spam.block, From domain authenticated
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
	V int `json:"v"`
	Ref
	InternalDate time.Time `json:"internal_date"`
	Verdict      Verdict   `json:"verdict"`
	// Score is the spam probability the verdict rests on: the model's, or
	// the LLM's in the gray zone when it answered.
	Score        float64     `json:"score"`
	ModelScore   float64     `json:"model_score"`
	Threshold    float64     `json:"threshold"`
	ModelVersion string      `json:"model_version"`
	Reasons      []Reason    `json:"reasons,omitempty"`
	LLM          *LLMOpinion `json:"llm,omitempty"`
	// UserLabel is set when the user's own move decided the verdict.
	UserLabel Label `json:"user_label,omitempty"`
	// DecidedBy says what decided the verdict: model, llm, user_label,
	// correspondent, allowlist or blocklist.
	DecidedBy    Decider    `json:"decided_by,omitempty"`
	Action       SpamAction `json:"action"`        // what was asked of apply
	Raw          []byte     `json:"raw,omitempty"` // older events only: see Ingested.RawKey
	RawKey       string     `json:"raw_key,omitempty"`
	RawObject    string     `json:"raw_object,omitempty"`
	ClassifiedAt time.Time  `json:"classified_at"`
}

// SuggestionSource says who wrote the suggestions.
type SuggestionSource string

// Sources of suggestions.
const (
	SourceModel   SuggestionSource = "model"   // the small language model
	SourceBuiltin SuggestionSource = "builtin" // the built-in generator
)

// Suggestion is one suggested reply.
type Suggestion struct {
	Intent string `json:"intent"`
	Text   string `json:"text"`
}

// Suggested is published on mail.suggested.<account> for every message the
// reply stage found worth answering and did not escalate.
type Suggested struct {
	V int `json:"v"`
	Ref
	Suggestions []Suggestion `json:"suggestions"`
	// Draft is the model's full draft, when it wrote one.
	Draft string `json:"draft,omitempty"`
	// Source is "model" or "builtin"; Fallback says why the built-in
	// generator answered.
	Source         SuggestionSource `json:"source"`
	Model          string           `json:"model,omitempty"`
	Fallback       string           `json:"fallback,omitempty"`
	TriggerScore   float64          `json:"trigger_score"`
	TriggerReasons []string         `json:"trigger_reasons,omitempty"`
	Hardness       float64          `json:"hardness"`
	Drafted        bool             `json:"drafted"` // a draft action was published
	// SenderOnly: the message had more recipients than
	// reply.max_recipients, so the draft replies to the sender only.
	SenderOnly bool `json:"sender_only,omitempty"`
	// Replaces is the identity answered by the thread's earlier draft,
	// which the draft action asks apply to replace (it stays if the user
	// edited it, and the new one is then not filed).
	Replaces string `json:"replaces,omitempty"`
	// Withheld: the thread holds a draft of mailassist's that the user
	// edited, so no other draft was filed beside it (drafted is false).
	Withheld bool `json:"withheld,omitempty"`
	// Injection is the instruction-like text aimed at an assistant that
	// the message carries ("ignore previous instructions", a request to
	// include a link or a Bcc): the model was not asked, the suggestions
	// are the built-in generator's (or none) and no draft was filed.
	Injection string    `json:"injection,omitempty"`
	At        time.Time `json:"at"`
}

// HardnessReason is one reason of the hardness score.
type HardnessReason struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Detail string  `json:"detail,omitempty"`
}

// Escalation is published on mail.escalation.<account> by the reply stage
// for a thread too hard for the small model; the escalate stage takes it.
type Escalation struct {
	V int `json:"v"`
	Ref
	InternalDate time.Time        `json:"internal_date"`
	Score        float64          `json:"score"`
	Reasons      []HardnessReason `json:"reasons"`
	SpamScore    float64          `json:"spam_score"`
	// SmallModelInvalid: the small model's suggestions failed validation.
	// The reply stage no longer sets it (a failing small model falls back
	// to the built-in generator); it stays for consumers of older events.
	SmallModelInvalid bool      `json:"small_model_invalid,omitempty"`
	Raw               []byte    `json:"raw,omitempty"` // older events only: see Ingested.RawKey
	RawKey            string    `json:"raw_key,omitempty"`
	RawObject         string    `json:"raw_object,omitempty"`
	At                time.Time `json:"at"`
}

// EscalationHandler says who handled an escalation.
type EscalationHandler string

// Handlers of an escalation.
const (
	HandlerLargeModel EscalationHandler = "large_model"
	HandlerHuman      EscalationHandler = "human"
)

// Priority is how soon an escalated thread needs the user.
type Priority string

// Priorities, lowest first.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Escalated is published on mail.escalated.<account> once a hard thread
// was handled: by the large model (summary, asks, priority, maybe a
// draft), or handed to the human (extractive summary, no draft).
type Escalated struct {
	V int `json:"v"`
	Ref
	Score   float64           `json:"score"`
	Reasons []HardnessReason  `json:"reasons"`
	Handler EscalationHandler `json:"handler"`
	Model   string            `json:"model,omitempty"`
	// Handoff says why a human got it (no model, invalid answers, waited
	// too long); empty when the model handled it.
	Handoff  string    `json:"handoff,omitempty"`
	Summary  string    `json:"summary"`
	Asks     []string  `json:"asks"`
	Priority Priority  `json:"priority"`
	Drafted  bool      `json:"drafted"`
	Thread   int       `json:"thread_messages"`
	At       time.Time `json:"at"`
	// SenderOnly: the draft replies to the sender only (more recipients
	// than reply.max_recipients).
	SenderOnly bool `json:"sender_only,omitempty"`
}
