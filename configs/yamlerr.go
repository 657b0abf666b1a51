package configs

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"mailassist/bus"
)

// The complaints of the yaml decoder, after "line N: ".
var (
	unknownRE   = regexp.MustCompile(`^field (.*) not found in type (\S+)$`)
	setTwiceRE  = regexp.MustCompile(`^field (.*) already set in type \S+$`)
	dupKeyRE    = regexp.MustCompile(`^mapping key (".*") already defined at line (\d+)$`)
	unmarshalRE = regexp.MustCompile("(?s)^cannot unmarshal (!![a-z]+)(?: `(.*)`)? into (.+)$")
)

// typeError turns one complaint of the decoder into a Problem with a
// field path found from its line in the node tree.
func (ps *problems) typeError(line int, msg string) {
	if m := unknownRE.FindStringSubmatch(msg); m != nil {
		ps.unknownKey(line, m[1], m[2])
	} else if m := dupKeyRE.FindStringSubmatch(msg); m != nil {
		key, _ := strconv.Unquote(m[1])
		path := ps.keyPath(line, key)
		ps.addAt(line, path, fmt.Sprintf("key %q is already set on line %s", key, m[2]))
		ps.markBroken(parent(path)) // the decoder skipped the whole mapping
	} else if m := setTwiceRE.FindStringSubmatch(msg); m != nil {
		ps.addAt(line, ps.keyPath(line, m[1]), fmt.Sprintf("key %q is set twice", m[1]))
	} else if m := unmarshalRE.FindStringSubmatch(msg); m != nil {
		ps.wrongType(line, m[1], strings.TrimSuffix(m[2], "..."), m[3])
	} else {
		ps.badValue(line, msg)
	}
}

// keyPath is the path of the key named key on line, or key itself.
func (ps *problems) keyPath(line int, key string) string {
	if e, ok := ps.tree.byKey(line, key); ok {
		return e.path
	}
	return key
}

// unknownKey reports a key that is not in the schema, with a hint.
func (ps *problems) unknownKey(line int, key, typ string) {
	msg := fmt.Sprintf("unknown key %q", key)
	if h := secretHint(key, typ); h != "" {
		msg += ": " + h
	} else if s := suggest(key, typ); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	ps.addAt(line, ps.keyPath(line, key), msg)
}

// secretHint explains why a key that would hold a secret is unknown.
func secretHint(key, typ string) string {
	switch strings.ToLower(key) {
	case "password", "pass", "passwd", "secret", "token":
	default:
		return ""
	}
	if typ == reflect.TypeOf(bus.NATSConfig{}).String() {
		return "secrets go by reference: use creds_file"
	}
	return "secrets go by reference: use password_env or password_file"
}

// wrongType reports a value the decoder could not put into a Go type.
// prefix is the start of the value as the decoder quoted it.
func (ps *problems) wrongType(line int, tag, prefix, goType string) {
	kind := yaml.ScalarNode
	switch tag {
	case "!!seq":
		kind = yaml.SequenceNode
	case "!!map":
		kind = yaml.MappingNode
	}
	e, ok := ps.tree.byValue(line, func(n *yaml.Node) bool {
		return n.Kind == kind && strings.HasPrefix(n.Value, prefix)
	})
	if !ok || e.value.Kind != kind {
		e = entry{} // the whole file, whose top level is not a mapping
	}
	got := describe(kind, prefix)
	if e.value != nil {
		got = describe(kind, e.value.Value)
	}
	ps.addAt(line, e.path, got+" is not "+describeType(goType))
	ps.markBroken(e.path)
}

// badValue reports a value refused by UnmarshalYAML (Duration, ByteSize),
// whose message quotes it.
func (ps *problems) badValue(line int, msg string) {
	e, _ := ps.tree.byValue(line, func(n *yaml.Node) bool {
		return n.Kind == yaml.ScalarNode && strings.Contains(msg, strconv.Quote(n.Value))
	})
	ps.addAt(line, e.path, msg)
	ps.markBroken(e.path)
}

func describe(kind yaml.Kind, value string) string {
	switch kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return strconv.Quote(value)
}

// describeType names a Go type as a config writer knows it.
func describeType(t string) string {
	switch {
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}

// field is one key of a config struct and the struct type below it.
type field struct {
	key   string
	child string // type name of a struct value, or ""
}

// schema maps the name of each config struct type ("imapx.Config") to
// its keys, for hints about unknown keys.
var schema = func() map[string][]field {
	m := map[string][]field{}
	addSchema(m, reflect.TypeOf(Config{}))
	return m
}()

func addSchema(m map[string][]field, t reflect.Type) string {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	var fields []field
	for i := range t.NumField() {
		f := t.Field(i)
		key, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "-" { // set by the program, not the file
			continue
		}
		child := addSchema(m, f.Type)
		if opts == "inline" { // a section embedded in another: its keys are the outer one's
			fields = append(fields, m[child]...)
			continue
		}
		fields = append(fields, field{key: key, child: child})
	}
	m[t.String()] = fields
	return t.String()
}

// suggest returns the key of type typ that key was probably meant to be:
// a near miss ("pasword_env" for password_env) or a key one level down
// ("host" for imap.host).
func suggest(key, typ string) string {
	best, bestDist := "", 3
	for _, f := range schema[typ] {
		if d := distance(strings.ToLower(key), f.key); d < bestDist && d < len(key) {
			best, bestDist = f.key, d
		}
	}
	if best != "" {
		return best
	}
	for _, f := range schema[typ] {
		for _, g := range schema[f.child] {
			if g.key == key {
				return f.key + "." + key
			}
		}
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev = cur
	}
	return prev[len(b)]
}
