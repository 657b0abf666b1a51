package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mailassist/mailmsg"
	"mailassist/spam"
)

// corpus is the laid-out SpamAssassin corpus (shared/corpus/spamassassin.sh
// DIR): DIR/ham/*.eml, DIR/spam/*.eml and DIR/split.tsv.
type corpus struct {
	dir        string
	ham, spam  []string // every row, in split.tsv's order
	trainHam   []string
	trainSpam  []string
	probeSpams [][]byte // spam the built-in model calls spam with a wide margin
}

func loadCorpus(dir string) (*corpus, error) {
	f, err := os.Open(filepath.Join(dir, "split.tsv"))
	if err != nil {
		return nil, fmt.Errorf("corpus: %w (lay it out with: bash shared/corpus/spamassassin.sh %s)", err, dir)
	}
	defer f.Close()
	c := &corpus{dir: dir}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 || cols[0] == "path" {
			continue
		}
		path := filepath.Join(dir, cols[0])
		switch cols[1] {
		case "ham":
			c.ham = append(c.ham, path)
			if cols[2] == "train" {
				c.trainHam = append(c.trainHam, path)
			}
		case "spam":
			c.spam = append(c.spam, path)
			if cols[2] == "train" {
				c.trainSpam = append(c.trainSpam, path)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	if len(c.ham) == 0 || len(c.spam) == 0 {
		return nil, fmt.Errorf("corpus %s: split.tsv lists no ham or no spam", dir)
	}
	return c, nil
}

// mailbox returns the i-th of n messages of the backlog: 70 % ham and
// 30 % spam, interleaved, cycling through the corpus, each with a
// Message-ID of its own (a corpus message used twice is two messages).
func (c *corpus) message(i int) ([]byte, error) {
	var path string
	if i%10 < 3 {
		path = c.spam[(i/10*3+i%10)%len(c.spam)]
	} else {
		path = c.ham[(i/10*7+i%10-3)%len(c.ham)]
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	return withMessageID(raw, fmt.Sprintf("<bench-%d.%s@mailbench>", i, filepath.Base(path))), nil
}

// withMessageID replaces the message's Message-ID (or adds one) and makes
// its line ends CRLF, as IMAP wants.
func withMessageID(raw []byte, id string) []byte {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	head, body, found := bytes.Cut(raw, []byte("\n\n"))
	if !found {
		head, body = raw, nil
	}
	var out bytes.Buffer
	out.WriteString("Message-ID: " + id + "\n")
	lines := strings.Split(string(head), "\n")
	for j := 0; j < len(lines); j++ {
		if strings.HasPrefix(strings.ToLower(lines[j]), "message-id:") {
			for j+1 < len(lines) && (strings.HasPrefix(lines[j+1], " ") || strings.HasPrefix(lines[j+1], "\t")) {
				j++ // its continuation lines
			}
			continue
		}
		out.WriteString(lines[j] + "\n")
	}
	out.WriteString("\n")
	out.Write(body)
	return bytes.ReplaceAll(out.Bytes(), []byte("\n"), []byte("\r\n"))
}

// pickProbes chooses the spam that the probes use: messages the built-in
// model scores far above its threshold, so that each probe's effect (its
// move to Junk) is certain.
func (c *corpus) pickProbes(n int) error {
	m := spam.Default()
	for _, path := range c.spam {
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		if m.ClassifyMessage(mailmsg.Parse(raw)).Score >= 0.999 {
			c.probeSpams = append(c.probeSpams, raw)
		}
		if len(c.probeSpams) == n {
			return nil
		}
	}
	if len(c.probeSpams) == 0 {
		return fmt.Errorf("corpus: no spam the built-in model scores above 0.999")
	}
	return nil
}
