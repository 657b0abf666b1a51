package spam

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCorpusVerdicts writes, for every message of a real corpus laid out
// by scripts/spam-corpus.sh (named by MAILASSIST_SPAM_CORPUS; skipped
// without it), what the shipped model makes of it: the score to the last
// bit, the verdict, the reasons and signals with their weights, the
// sender authentication and every feature in the order it was found —
// with the corpus mailbox's receiving domains (MAILASSIST_RECEIVING, see
// scripts/corpus-mailbox.sh) and without. It is the check that a change
// meant to make featurizing faster changes no feature:
//
//	. scripts/corpus-mailbox.sh
//	export MAILASSIST_SPAM_CORPUS=/tmp/corpus MAILASSIST_RECEIVING=$RECEIVING
//	MAILASSIST_VERDICTS_OUT=/tmp/before.txt go test -run CorpusVerdicts ./spam/   # before the change
//	MAILASSIST_VERDICTS_WANT=/tmp/before.txt go test -run CorpusVerdicts ./spam/  # after it
//
// With MAILASSIST_VERDICTS_WANT it fails on the first messages whose
// lines differ from that file's.
func TestCorpusVerdicts(t *testing.T) {
	dir := os.Getenv("MAILASSIST_SPAM_CORPUS")
	if dir == "" {
		t.Skip("MAILASSIST_SPAM_CORPUS is not set")
	}
	rows, err := LoadCorpus(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctxs := []Context{{}}
	if r := os.Getenv("MAILASSIST_RECEIVING"); r != "" {
		ctxs = append(ctxs, Context{Mailbox: &Mailbox{ReceivingDomains: strings.Split(r, ",")}})
	}
	var want *bufio.Scanner
	if name := os.Getenv("MAILASSIST_VERDICTS_WANT"); name != "" {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want = bufio.NewScanner(f)
		want.Buffer(nil, 16<<20)
	}
	var out *bufio.Writer
	if name := os.Getenv("MAILASSIST_VERDICTS_OUT"); name != "" {
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out = bufio.NewWriter(f)
		defer out.Flush()
	}
	m := Default()
	lines, diffs := 0, 0
	for _, r := range rows {
		for ci, c := range ctxs {
			line := verdictLine(m, r, ci, c)
			lines++
			if out != nil {
				out.WriteString(line)
				out.WriteByte('\n')
			}
			if want == nil {
				continue
			}
			if !want.Scan() {
				t.Fatalf("%s: the expected file ends after %d lines", r.Path, lines-1)
			}
			if got := want.Text(); got != line {
				diffs++
				if diffs <= 5 {
					t.Errorf("%s (context %d) differs:\ngot  %.2000s\nwant %.2000s", r.Path, ci, line, got)
				}
			}
		}
	}
	if want != nil && want.Scan() {
		t.Errorf("the expected file has more than %d lines", lines)
	}
	if diffs > 0 {
		t.Errorf("%d of %d lines differ", diffs, lines)
	}
	t.Logf("%d messages, %d lines", len(rows), lines)
}

// verdictLine is one message's classification in one context, as text.
func verdictLine(m *Model, r CorpusMessage, ci int, c Context) string {
	f := getFeaturizer()
	defer putFeaturizer(f)
	f.env = c
	f.extract(parse(r.Raw))
	res := m.classifyFeatures(f)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\t%d\t%s\t%v", r.Path, ci, strconv.FormatFloat(res.Score, 'g', -1, 64), res.Spam)
	for _, rs := range [][]Reason{res.Reasons, res.Signals} {
		b.WriteByte('\t')
		for _, x := range rs {
			fmt.Fprintf(&b, "%q=%s ", x.Feature, strconv.FormatFloat(x.Weight, 'g', -1, 64))
		}
	}
	fmt.Fprintf(&b, "\t%+v\t%d/%d/%d\t", res.Auth, f.sig, f.body, len(f.feats))
	for i := range f.feats {
		b.WriteString(strconv.Quote(f.name(i)))
		b.WriteByte(' ')
	}
	return b.String()
}
