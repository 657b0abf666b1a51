package bus_test

import (
	"encoding/json"
	"slices"
	"testing"

	"mailassist/bus"
)

// The wire format outside consumers rely on (docs/events.md): the Ref
// fields sit at the top level of every event.
func TestEventsKeepTheirTopLevelFields(t *testing.T) {
	ref := bus.Ref{ID: "a/1/2", Account: "a", Mailbox: "INBOX", UIDValidity: 1, UID: 2, MessageID: "<m@x>"}
	for name, ev := range map[string]any{
		"ingested":   bus.Ingested{V: 1, Ref: ref},
		"feedback":   bus.Feedback{V: 1, Ref: ref, Label: bus.LabelSpam},
		"classified": bus.Classified{V: 1, Ref: ref},
		"suggested":  bus.Suggested{V: 1, Ref: ref},
		"escalation": bus.Escalation{V: 1, Ref: ref},
		"escalated":  bus.Escalated{V: 1, Ref: ref},
	} {
		data, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		for _, want := range []string{"v", "id", "account", "mailbox", "uidvalidity", "uid", "message_id"} {
			if !slices.Contains(keys, want) {
				t.Errorf("%s lacks top-level %q: %s", name, want, data)
			}
		}
		if slices.Contains(keys, "Ref") {
			t.Errorf("%s nests the ref: %s", name, data)
		}
	}
}

// The decided_by values are part of the wire format (docs/events.md).
func TestDeciderWireValues(t *testing.T) {
	for d, want := range map[bus.Decider]string{
		bus.DecidedByModel: "model", bus.DecidedByLLM: "llm", bus.DecidedByUserLabel: "user_label",
		bus.DecidedByCorrespondent: "correspondent", bus.DecidedByAllowlist: "allowlist", bus.DecidedByBlocklist: "blocklist",
	} {
		data, _ := json.Marshal(bus.Classified{DecidedBy: d})
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		if m["decided_by"] != want {
			t.Errorf("decided_by of %v = %v, want %q", d, m["decided_by"], want)
		}
	}
}

// A draft's fate, its source and the new action kinds are part of the
// wire format (docs/events.md): consumers of mail.feedback (kind draft)
// and publishers of actions rely on them.
func TestDraftFeedbackWireValues(t *testing.T) {
	ref := bus.Ref{ID: "a/1/2", Account: "a", Mailbox: "INBOX", UIDValidity: 1, UID: 2, MessageID: "<m@x>"}
	fb := bus.Feedback{V: 1, Ref: ref, Kind: bus.FeedbackDraft, Source: bus.SourceUserReply,
		Draft: &bus.DraftFeedback{Fate: bus.FateSentEdited, Source: bus.DraftSmallModel, Intent: "yes", Stage: "reply", EditDistance: 0.25}}
	data, _ := json.Marshal(fb)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	d, _ := m["draft"].(map[string]any)
	if m["kind"] != "draft" || m["source"] != "user-reply" || d["fate"] != "sent_edited" || d["source"] != "small_model" ||
		d["edit_distance"] != 0.25 || d["intent"] != "yes" {
		t.Errorf("draft feedback on the wire: %s", data)
	}
	if _, ok := m["label"]; ok {
		t.Errorf("draft feedback carries a label: %s", data)
	}
	for f, want := range map[bus.DraftFate]string{
		bus.FateSentUnchanged: "sent_unchanged", bus.FateSentEdited: "sent_edited", bus.FateDeleted: "deleted",
		bus.FatePending: "pending", bus.FateReplaced: "replaced",
	} {
		if string(f) != want {
			t.Errorf("fate %v, want %q", f, want)
		}
	}
	for k, want := range map[bus.ActionKind]string{bus.ActionReplaceDraft: "replace_draft", bus.ActionDeleteDraft: "delete_draft"} {
		if string(k) != want {
			t.Errorf("action kind %v, want %q", k, want)
		}
	}
	// A label event is what it always was.
	data, _ = json.Marshal(bus.Feedback{V: 1, Ref: ref, Label: bus.LabelSpam, Source: bus.SourceUserMove})
	m = nil
	_ = json.Unmarshal(data, &m)
	if m["label"] != "spam" || m["draft"] != nil {
		t.Errorf("label feedback on the wire: %s", data)
	}
}
