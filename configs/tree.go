package configs

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// tree maps field paths such as "accounts[0].imap.tls" to lines of the
// YAML source, and back. It indexes the node tree once; aliases are not
// followed, so a hostile file cannot make the index blow up.
type tree struct {
	rootLine int
	entries  []entry          // every mapping key and sequence item, in document order
	byPath   map[string]entry // first entry for each path
}

// entry is one mapping key (or sequence item) and its value.
type entry struct {
	path  string
	key   string     // the key; empty for a sequence item
	line  int        // line of the key, or of the item
	value *yaml.Node // the value node
}

// newTree indexes doc, the node that yaml decoded the whole file into.
func newTree(doc *yaml.Node) *tree {
	t := &tree{rootLine: 1, byPath: map[string]entry{}}
	if doc == nil {
		return t
	}
	root := doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root.Line > 0 {
		t.rootLine = root.Line
	}
	t.index("", root)
	return t
}

func (t *tree) index(path string, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			t.record(entry{path: join(path, k.Value), key: k.Value, line: k.Line, value: v})
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			t.record(entry{path: path + "[" + strconv.Itoa(i) + "]", line: v.Line, value: v})
		}
	}
}

func (t *tree) record(e entry) {
	t.entries = append(t.entries, e)
	if _, dup := t.byPath[e.path]; !dup {
		t.byPath[e.path] = e
	}
	t.index(e.path, e.value)
}

// join appends a mapping key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parent strips the last key or index from a path.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// has reports whether the key at path is written in the file.
func (t *tree) has(path string) bool {
	_, ok := t.byPath[path]
	return ok
}

// line returns the line of the key at path or, when the key is absent,
// of its nearest parent that is present.
func (t *tree) line(path string) int {
	for path != "" {
		if e, ok := t.byPath[path]; ok {
			return e.line
		}
		path = parent(path)
	}
	return t.rootLine
}

// byKey finds the mapping key named key on line.
func (t *tree) byKey(line int, key string) (entry, bool) {
	for _, e := range t.entries {
		if e.line == line && e.key == key {
			return e, true
		}
	}
	return entry{}, false
}

// byValue finds the value node on line for which fits returns true,
// preferring the deepest (in "watch: [INBOX, [x]]" the wrong list is the
// inner one), or else the first value node on line.
func (t *tree) byValue(line int, fits func(*yaml.Node) bool) (entry, bool) {
	first, best := -1, -1
	for i, e := range t.entries {
		if e.value.Line != line {
			continue
		}
		if first < 0 {
			first = i
		}
		if fits(e.value) && (best < 0 || under(e.path, t.entries[best].path)) {
			best = i
		}
	}
	if best < 0 {
		best = first
	}
	if best < 0 {
		return entry{}, false
	}
	return t.entries[best], true
}
