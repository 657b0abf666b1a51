package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the config file at path and parses it as Parse does,
// naming the file by path in problems. A file that cannot be read gives
// a plain wrapped error; everything else gives an *Error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes one YAML document strictly (unknown keys and values of
// the wrong type are errors), fills in the defaults (see defaults.go) and
// validates the result (see validate.go). The empty document is valid
// and gives the defaults.
//
// It reports every problem in one *Error, each with its line and field
// path, name being the file name to print in front of each. It reads no
// secrets: see IMAP.Password.
func Parse(name string, data []byte) (*Config, error) {
	cfg, _, err := parse(name, data)
	return cfg, err
}

// Check is Load, and also returns the warnings: settings that are valid
// but unsafe, such as insecure_skip_verify, a password_file (or this
// config file, when it names secrets) that other users can read or
// change, or http.listen on a non-loopback address. Warnings is nil when
// there are none.
func Check(path string) (*Config, *Warnings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load config: %w", err)
	}
	cfg, ps, err := parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	if fi, err := os.Stat(path); err == nil {
		switch mode := fi.Mode().Perm(); {
		case mode&0o022 != 0:
			ps.warnings = append(ps.warnings, Problem{Msg: fmt.Sprintf("other users can change this file (mode %04o), and with it where mailassist sends your passwords: chmod 600 %s", mode, path)})
		case mode&0o044 != 0 && namesSecrets(cfg):
			ps.warnings = append(ps.warnings, Problem{Msg: fmt.Sprintf("this file says where the secrets are and other users can read it (mode %04o): chmod 600 %s", mode, path)})
		}
	}
	if len(ps.warnings) == 0 {
		return cfg, nil, nil
	}
	sort.SliceStable(ps.warnings, func(i, j int) bool { return ps.warnings[i].Line < ps.warnings[j].Line })
	return cfg, &Warnings{File: path, Problems: ps.warnings}, nil
}

// namesSecrets reports whether c refers to any secret: a password
// variable or file, NATS credentials, an HTTP token.
func namesSecrets(c *Config) bool {
	for _, a := range c.Accounts {
		if a.IMAP.PasswordEnv != "" || a.IMAP.PasswordFile != "" {
			return true
		}
	}
	n := c.NATS
	return n.CredsFile != "" || n.NkeyFile != "" || n.KeyFile != "" || c.HTTP.TokenFile != ""
}

func parse(name string, data []byte) (*Config, *problems, error) {
	doc, ps := parseTree(data)
	if doc == nil {
		return nil, ps, ps.err(name)
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && err != io.EOF {
		ps.decodeError(err)
	}
	cfg.applyDefaults(ps.tree.has("http.listen"))
	validate(&cfg, ps)
	if err := ps.err(name); err != nil {
		return nil, ps, err
	}
	return &cfg, ps, nil
}

// parseTree reads data into a node tree for finding lines, reporting
// syntax errors and extra documents. It returns a nil node when the file
// cannot be parsed at all.
func parseTree(data []byte) (*yaml.Node, *problems) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	ps := &problems{tree: newTree(nil)}
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		ps.syntaxError(err)
		return nil, ps
	}
	ps.tree = newTree(&doc)
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		ps.addAt(extra.Line, "", "only one YAML document is allowed")
	case err != io.EOF:
		ps.syntaxError(err)
	}
	return &doc, ps
}

var lineRE = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)

// splitLine splits the decoder's "line N: msg" into N and msg.
func splitLine(s string) (int, string) {
	m := lineRE.FindStringSubmatch(s)
	if m == nil {
		return 0, s
	}
	n, _ := strconv.Atoi(m[1])
	return n, m[2]
}

// syntaxError records a parse error such as bad indentation.
func (ps *problems) syntaxError(err error) {
	line, msg := splitLine(strings.TrimPrefix(err.Error(), "yaml: "))
	ps.addAt(line, "", "syntax error: "+msg)
	ps.markBroken("")
}

// decodeError records what the strict decoder found: a *yaml.TypeError
// lists each unknown key and each value of the wrong type; any other
// error stopped decoding altogether.
func (ps *problems) decodeError(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		ps.syntaxError(err)
		return
	}
	for _, s := range te.Errors {
		ps.typeError(splitLine(s))
	}
}
