package bus

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	invjs "github.com/invopop/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"mailassist/internal/golden"
)

// eventSchemas are the events published on the stream, by the subject
// kind that carries them; each gets docs/schema/<kind>.schema.json.
var eventSchemas = map[string]any{
	KindIngested:   &Ingested{},
	KindClassified: &Classified{},
	KindFeedback:   &Feedback{},
	KindSent:       &Sent{},
	KindSuggested:  &Suggested{},
	KindEscalation: &Escalation{},
	KindEscalated:  &Escalated{},
	KindAction:     &Action{},
	KindDeadLetter: &DeadLetter{},
}

// TestEventSchemas keeps the JSON Schema of every event in docs/schema in
// step with the Go types: it fails when a field, its type, its doc
// comment or an enum value changed without the schema
// (go test ./bus/ -run TestEventSchemas -update rewrites them).
func TestEventSchemas(t *testing.T) {
	enums := enumValues(t)
	r := &invjs.Reflector{
		AllowAdditionalProperties: true, // fields are added within a version; consumers ignore unknown ones
		Anonymous:                 true,
		Mapper: func(typ reflect.Type) *invjs.Schema {
			if vs, ok := enums[typ.Name()]; ok && typ.PkgPath() == reflect.TypeOf(Ref{}).PkgPath() {
				s := &invjs.Schema{Type: "string"}
				for _, v := range vs {
					s.Enum = append(s.Enum, v)
				}
				return s
			}
			return nil
		},
	}
	if err := r.AddGoComments("mailassist/bus", "./"); err != nil {
		t.Fatal(err)
	}
	if len(eventSchemas) != len(kinds(t)) {
		t.Fatalf("eventSchemas has %d kinds, subjects.go %d: give every kind its schema", len(eventSchemas), len(kinds(t)))
	}
	for kind, v := range eventSchemas {
		s := r.Reflect(v)
		s.ID = invjs.ID("https://mailassist.example/schema/" + kind + ".schema.json")
		s.Title = "mail." + kind + ".<account>"
		data, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("..", "docs", "schema", kind+".schema.json"), append(data, '\n'))
	}
}

// enumValues reads the string enums of events.go: for every type declared
// as a string, the values of the constants declared with that type.
func enumValues(t *testing.T) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "events.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			typ, ok := vs.Type.(*ast.Ident)
			if !ok || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			out[typ.Name] = append(out[typ.Name], v)
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %d enum types in events.go", len(out))
	}
	return out
}

// kinds are the Kind* constants of subjects.go.
func kinds(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "subjects.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for _, name := range vs.Names {
				if len(name.Name) > 4 && name.Name[:4] == "Kind" {
					out = append(out, name.Name)
				}
			}
		}
		return true
	})
	return out
}

// TestAsyncAPI checks docs/asyncapi.yaml against the code: a channel for
// every subject kind at mail.<kind>.{account}, whose message's payload is
// that kind's generated schema, and that every schema file exists.
func TestAsyncAPI(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "asyncapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AsyncAPI string `yaml:"asyncapi"`
		Channels map[string]struct {
			Address  string                       `yaml:"address"`
			Messages map[string]map[string]string `yaml:"messages"`
		} `yaml:"channels"`
		Components struct {
			Messages map[string]struct {
				Payload map[string]string `yaml:"payload"`
			} `yaml:"messages"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.AsyncAPI != "3.0.0" {
		t.Errorf("asyncapi %q, want 3.0.0", doc.AsyncAPI)
	}
	for kind := range eventSchemas {
		ch, ok := doc.Channels[kind]
		if !ok {
			t.Errorf("no channel %s", kind)
			continue
		}
		if want := "mail." + kind + ".{account}"; ch.Address != want {
			t.Errorf("channel %s address %q, want %q", kind, ch.Address, want)
		}
		if ref := ch.Messages[kind]["$ref"]; ref != "#/components/messages/"+kind {
			t.Errorf("channel %s message ref %q", kind, ref)
		}
		payload := doc.Components.Messages[kind].Payload["$ref"]
		if payload != "schema/"+kind+".schema.json" {
			t.Errorf("message %s payload %q", kind, payload)
		}
		if _, err := os.Stat(filepath.Join("..", "docs", payload)); err != nil {
			t.Errorf("message %s: %v", kind, err)
		}
	}
	if len(doc.Channels) != len(eventSchemas) {
		t.Errorf("%d channels, %d event kinds", len(doc.Channels), len(eventSchemas))
	}
}

// TestEventsValidateAgainstTheirSchemas encodes a filled-in event of
// every kind and validates it with an independent JSON Schema validator,
// as a consumer in another language would.
func TestEventsValidateAgainstTheirSchemas(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ref := Ref{ID: "a/1/2", Account: "a", Mailbox: "INBOX", UIDValidity: 1, UID: 2, MessageID: "<m@x>"}
	samples := map[string]any{
		KindIngested:   &Ingested{V: Version, Ref: ref, InternalDate: now, Size: 5, Flags: []string{`\Seen`}, Raw: []byte("hi\r\n"), IngestedAt: now, UserLabel: LabelHam},
		KindFeedback:   &Feedback{V: Version, Ref: ref, Label: LabelSpam, Source: SourceUserMove, RawObject: "a/1/2", At: now},
		KindSent:       &Sent{V: Version, Ref: ref, InternalDate: now, InReplyTo: []string{"q@x"}, RawKey: "a/1/2", SeenAt: now},
		KindClassified: &Classified{V: Version, Ref: ref, Verdict: VerdictSpam, Score: 0.9, Reasons: []Reason{{Feature: "b:x", Weight: 1}}, LLM: &LLMOpinion{SpamProbability: 0.8, Category: "spam"}, Action: SpamMove, RawKey: "a/1/2", ClassifiedAt: now},
		KindSuggested:  &Suggested{V: Version, Ref: ref, Suggestions: []Suggestion{{Intent: "yes", Text: "Yes."}}, Source: SourceBuiltin, At: now},
		KindEscalation: &Escalation{V: Version, Ref: ref, Score: 0.6, Reasons: []HardnessReason{{Name: "legal", Weight: 0.4}}, RawKey: "a/1/2", At: now},
		KindEscalated:  &Escalated{V: Version, Ref: ref, Reasons: []HardnessReason{}, Handler: HandlerHuman, Summary: "s", Asks: []string{"a?"}, Priority: PriorityHigh, At: now},
		KindAction:     NewAction(ref, ActionMove, "spam"),
		KindDeadLetter: &DeadLetter{V: Version, Account: "a", Stage: "spam", Subject: "mail.ingested.a", StreamSeq: 9, Reason: "bad", Data: []byte("{}"), At: now},
	}
	// The second shape of some kinds: a draft's fate, a draft replaced.
	replace := NewAction(ref, ActionReplaceDraft, "reply")
	replace.Draft, replace.OldDraft = []byte("hi\r\n"), &DraftRef{Ref: "a/1/1", InReplyTo: "q@x", Digest: "abc"}
	moreSamples := map[string]any{
		KindFeedback: &Feedback{V: Version, Ref: ref, Kind: FeedbackDraft, Source: SourceUserReply, At: now,
			Draft: &DraftFeedback{Fate: FateSentEdited, Source: DraftBuiltin, Intent: "yes", Stage: "reply", FiledAt: now, EditDistance: 0.3}},
		KindAction: replace,
	}
	c := jsonschema.NewCompiler()
	for kind, ev := range samples {
		path, _ := filepath.Abs(filepath.Join("..", "docs", "schema", kind+".schema.json"))
		sch, err := c.Compile(path)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		data, _ := json.Marshal(ev)
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s does not validate: %v\n%s", kind, err, data)
		}
		if extra, ok := moreSamples[kind]; ok {
			data, _ := json.Marshal(extra)
			v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s does not validate: %v\n%s", kind, err, data)
			}
		}
		// A wrong enum value must not.
		bad := bytes.Replace(data, []byte(`"v":1`), []byte(`"v":"one"`), 1)
		v, _ = jsonschema.UnmarshalJSON(bytes.NewReader(bad))
		if err := sch.Validate(v); err == nil {
			t.Errorf("%s: a string version validates", kind)
		}
	}
}
