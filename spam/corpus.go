package spam

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CorpusMessage is one message of a labelled corpus.
type CorpusMessage struct {
	Path string // relative to the corpus directory ("ham/00001.eml")
	Example
}

// LoadCorpus reads the messages of a corpus directory: ham/ and spam/
// subdirectories of raw messages. With a split file (a TSV with a header
// line and the columns path, label, split, as written by the corpus
// script), only the rows whose split column equals part are read, and the
// label comes from the file; with split "" every message under ham/ and
// spam/ is read, in name order.
func LoadCorpus(dir, split, part string) ([]CorpusMessage, error) {
	var rows []CorpusMessage
	if split == "" {
		for _, label := range []string{"ham", "spam"} {
			entries, err := os.ReadDir(filepath.Join(dir, label))
			if err != nil {
				return nil, fmt.Errorf("corpus %s: %w", dir, err)
			}
			names := make([]string, 0, len(entries))
			for _, e := range entries {
				if e.Type().IsRegular() {
					names = append(names, e.Name())
				}
			}
			sort.Strings(names)
			for _, n := range names {
				rows = append(rows, CorpusMessage{Path: label + "/" + n, Example: Example{Spam: label == "spam"}})
			}
		}
	} else {
		var err error
		if rows, err = readSplit(split, part); err != nil {
			return nil, err
		}
	}
	for i := range rows {
		raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rows[i].Path)))
		if err != nil {
			return nil, fmt.Errorf("corpus %s: %w", dir, err)
		}
		rows[i].Raw = raw
	}
	return rows, nil
}

func readSplit(file, part string) ([]CorpusMessage, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("split: %w", err)
	}
	defer f.Close()
	var rows []CorpusMessage
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		cols := strings.Split(strings.TrimRight(sc.Text(), "\r"), "\t")
		if line == 1 && len(cols) >= 3 && cols[0] == "path" {
			continue
		}
		if len(cols) < 3 {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			return nil, fmt.Errorf("split %s:%d: want path, label, split columns", file, line)
		}
		if cols[1] != "ham" && cols[1] != "spam" {
			return nil, fmt.Errorf("split %s:%d: label %q is not ham or spam", file, line, cols[1])
		}
		if cols[2] == part {
			rows = append(rows, CorpusMessage{Path: cols[0], Example: Example{Spam: cols[1] == "spam"}})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("split %s: %w", file, err)
	}
	return rows, nil
}

// Examples returns the corpus messages as training examples.
func Examples(ms []CorpusMessage) []Example {
	ex := make([]Example, len(ms))
	for i, m := range ms {
		ex[i] = m.Example
	}
	return ex
}
