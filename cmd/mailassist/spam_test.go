package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailassist/learn"
)

// testCorpus lays out spam/testdata's fixtures as a corpus (each message
// four times, with a distinct Subject suffix) and a split file.
func testCorpus(t *testing.T) (dir, split string) {
	t.Helper()
	dir = t.TempDir()
	files, err := filepath.Glob("../../spam/testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var rows strings.Builder
	rows.WriteString("path\tlabel\tsplit\n")
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		label := "ham"
		if strings.HasPrefix(filepath.Base(f), "spam-") {
			label = "spam"
		}
		os.MkdirAll(filepath.Join(dir, label), 0o755)
		for copy := 0; copy < 4; copy++ {
			n++
			name := fmt.Sprintf("%s/%05d.eml", label, n)
			body := strings.Replace(string(raw), "Subject: ", fmt.Sprintf("Subject: %d ", copy), 1)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			part := "train"
			if copy == 3 {
				part = "test"
			}
			fmt.Fprintf(&rows, "%s\t%s\t%s\n", name, label, part)
		}
	}
	split = filepath.Join(dir, "split.tsv")
	if err := os.WriteFile(split, []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, split
}

func TestSpamTrainEvalClassify(t *testing.T) {
	corpus, split := testCorpus(t)
	model := filepath.Join(t.TempDir(), "model.bin")
	out, err := execute(t, "spam", "train", "--corpus", corpus, "--split", split, "--out", model, "--bits", "18")
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	if !strings.Contains(out, "trained logistic on 6 ham, 9 spam") {
		t.Errorf("train said %q", out)
	}

	out, err = execute(t, "spam", "eval", "--corpus", corpus, "--split", split, "--model", model, "--json")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("eval --json printed %q: %v", out, err)
	}
	want := []string{"messages", "ham", "spam", "tp", "fp", "tn", "fn", "precision", "recall", "f1", "fpr", "auc", "threshold", "msgs_per_sec", "trained_on"}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("eval --json keys %v, want %v", keys, want)
	}
	if got["messages"] != 5.0 || got["ham"] != 2.0 || got["spam"] != 3.0 || got["trained_on"] != 0.0 {
		t.Errorf("eval counted %v messages, %v ham, %v spam, %v trained on; want the 5 test rows, none trained on", got["messages"], got["ham"], got["spam"], got["trained_on"])
	}

	// On all 20 messages the model evaluates its own 15 training messages: it says so.
	var stderr strings.Builder
	cmd := rootCmd()
	cmd.SetArgs([]string{"spam", "eval", "--corpus", corpus, "--model", model})
	cmd.SetOut(io.Discard)
	cmd.SetErr(&stderr)
	if err := cmd.Execute(); err != nil || !strings.Contains(stderr.String(), "warning: 15 of 20 messages evaluated") {
		t.Errorf("eval on training messages: %v, stderr %q", err, stderr.String())
	}

	out, err = execute(t, "spam", "eval", "--online", "--corpus", corpus, "--feedback", "errors", "--json")
	if err != nil {
		t.Fatalf("eval --online: %v\n%s", err, out)
	}
	var online map[string]any
	if err := json.Unmarshal([]byte(out), &online); err != nil {
		t.Fatalf("eval --online --json printed %q: %v", out, err)
	}
	for _, k := range []string{"messages", "fp", "fn", "one_minus_roca_pct", "curve"} {
		if _, ok := online[k]; !ok {
			t.Errorf("eval --online --json lacks %q: %s", k, out)
		}
	}
	if online["messages"] != 20.0 {
		t.Errorf("eval --online classified %v messages, want 20", online["messages"])
	}

	out, err = execute(t, "spam", "eval", "--corpus", corpus)
	if err != nil || !strings.Contains(out, "messages      20\n") || !strings.Contains(out, "msgs_per_sec") {
		t.Errorf("eval of all messages with the default model: %v\n%s", err, out)
	}

	msg := filepath.Join(corpus, "spam", "00020.eml")
	out, err = execute(t, "spam", "classify", "--model", model, msg)
	if err != nil {
		t.Fatalf("classify: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], msg+"\tspam\t") || len(lines) < 2 || !strings.HasPrefix(lines[1], "\t") {
		t.Errorf("classify printed %q", out)
	}
}

func TestSpamTrainNeedsCorpus(t *testing.T) {
	if _, err := execute(t, "spam", "train", "--corpus", t.TempDir(), "--out", filepath.Join(t.TempDir(), "m")); err == nil {
		t.Error("train on an empty directory succeeded")
	}
}

// TestPrintBootstrap pins what `mailassist status` and `spam learn` show
// of an account's bootstrap.
func TestPrintBootstrap(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	printBootstrap(&b, []learn.Status{
		{Account: "bob", State: "running", Updated: at, Progress: "fetched 250 of 900"},
		{Account: "alice", State: "done", Updated: at, Spam: 3, Ham: 4, Skipped: 6, Correspondents: 2, Threshold: 0.9047},
		{Account: "carol", State: "done", Updated: at, Spam: 25, Ham: 60, Threshold: 0.97, Chosen: true},
	})
	for _, want := range []string{
		"alice    done            3     4    6        2               0.9047 (model's)  2026-11-27T14:00:00Z",
		"bob      running         0     0    0        0               -                 2026-11-27T14:00:00Z  fetched 250 of 900",
		"carol    done            25    60   0        0               0.9700            2026-11-27T14:00:00Z",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no line %q in\n%s", want, b.String())
		}
	}
}
