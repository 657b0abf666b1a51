#!/usr/bin/env bash
# Compares the spam model with bogofilter on the same machine, the same
# train rows and the same test rows of the public SpamAssassin corpus:
#
#   scripts/compare-bogofilter.sh [CORPUS_DIR]
#
# 1. lays out the corpus (scripts/spam-corpus.sh) unless CORPUS_DIR has one;
# 2. trains mailassist on the train rows (`spam train --split`) and
#    evaluates it on the test rows (`spam eval --split`, one goroutine);
# 3. trains bogofilter 1.2.5 (Debian) with -s / -n on the same train rows in
#    a fresh database and classifies the test rows in bulk mode (-T -b,
#    file names on stdin), timing the whole process with /usr/bin/time;
# 4. times both RUNS times (default 5), alternating, and prints both rows
#    and the speed ratio: mailassist's msgs_per_sec (messages per CPU second
#    of classifying, file reading included) over bogofilter's messages per
#    CPU second (user + sys of the whole process), pair by pair; the median
#    pair is the figure to quote.
#
# Needs go, bogofilter (apt-get install bogofilter), npm and python3 for
# the corpus. Timings on a shared machine vary: read the median and range.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-${TMPDIR:-/tmp}/mailassist-spam-corpus}
runs=${RUNS:-5}
[ -f "$corpus/split.tsv" ] || bash "$repo/scripts/spam-corpus.sh" "$corpus"
command -v bogofilter >/dev/null || { echo "bogofilter not installed (apt-get install bogofilter)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$repo"
. "$repo/scripts/corpus-mailbox.sh"
go build -o "$work/mailassist" ./cmd/mailassist
"$work/mailassist" spam train --corpus "$corpus" --split "$corpus/split.tsv" --receiving-domains "$RECEIVING" --out "$work/model.bin"

awk -F'\t' -v d="$corpus" 'NR>1 && $3=="train" && $2=="spam" {print d"/"$1}' "$corpus/split.tsv" > "$work/train-spam"
awk -F'\t' -v d="$corpus" 'NR>1 && $3=="train" && $2=="ham" {print d"/"$1}' "$corpus/split.tsv" > "$work/train-ham"
awk -F'\t' -v d="$corpus" 'NR>1 && $3=="test" {print d"/"$1"\t"$2}' "$corpus/split.tsv" > "$work/test-labels"
cut -f1 "$work/test-labels" > "$work/test"
mkdir "$work/bogo"
bogofilter -d "$work/bogo" -s -b < "$work/train-spam"
bogofilter -d "$work/bogo" -n -b < "$work/train-ham"
bogofilter -d "$work/bogo" -T -b < "$work/test" > /dev/null # warm the page cache
for i in $(seq "$runs"); do
  /usr/bin/time -f '%U %S' -o "$work/ma.time.$i" \
    "$work/mailassist" spam eval --corpus "$corpus" --split "$corpus/split.tsv" --receiving-domains "$RECEIVING" --model "$work/model.bin" --json > "$work/ma.json.$i"
  /usr/bin/time -f '%U %S' -o "$work/bogo.time.$i" bogofilter -d "$work/bogo" -T -b < "$work/test" > "$work/bogo.out"
done

python3 - "$work" "$runs" <<'PY'
import json, sys
w, runs = sys.argv[1], int(sys.argv[2])
ma = json.load(open(w + "/ma.json.1"))
label = dict(l.rstrip("\n").split("\t") for l in open(w + "/test-labels"))
scores = []
for line in open(w + "/bogo.out"):
    path, verdict, score = line.split()
    scores.append((float(score), verdict, label[path] == "spam"))
def row(name, called):
    tp = sum(1 for s, v, y in scores if y and called(s, v))
    fp = sum(1 for s, v, y in scores if not y and called(s, v))
    n_spam = sum(1 for _, _, y in scores if y)
    n_ham = len(scores) - n_spam
    print(f"{name:34s} recall {tp/n_spam:.4f}  fp {fp:2d}/{n_ham}")
# AUC with ties counted half
pos = [s for s, _, y in scores if y]; neg = [s for s, _, y in scores if not y]
allv = sorted(scores, key=lambda t: t[0])
rank = {}; i = 0
while i < len(allv):
    j = i
    while j < len(allv) and allv[j][0] == allv[i][0]:
        j += 1
    rank[allv[i][0]] = (i + j + 1) / 2
    i = j
auc = (sum(rank[s] for s in pos) - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
def cpu(f):
    u, s = map(float, open(f).read().split()[-2:])
    return u + s
pairs = []
for i in range(1, runs + 1):
    rate = json.load(open(f"{w}/ma.json.{i}"))["msgs_per_sec"]
    bogo = len(scores) / cpu(f"{w}/bogo.time.{i}")
    pairs.append((rate / bogo, rate, bogo, cpu(f"{w}/ma.time.{i}"), cpu(f"{w}/bogo.time.{i}")))
pairs.sort()
ratio, rate, bogo, ma_cpu, bogo_cpu = pairs[len(pairs) // 2]
print(f"mailassist (threshold {ma['threshold']:.4f})      recall {ma['recall']:.4f}  fp {ma['fp']:2d}/{ma['ham']}  auc {ma['auc']:.6f}")
row("bogofilter default cutoffs (S)", lambda sc, v: v == "S")
row("bogofilter spamicity >= 0.5", lambda sc, v: sc >= 0.5)
print(f"bogofilter auc {auc:.6f}")
print(f"speed, median of {runs} alternating pairs:")
print(f"  mailassist spam eval: msgs_per_sec {rate:.0f} (whole process {ma_cpu:.3f} CPU s, including loading the model and reading the corpus twice)")
print(f"  bogofilter -T -b: {len(scores)} messages in {bogo_cpu:.3f} CPU s = {bogo:.0f} msgs/s ({1000*bogo_cpu/len(scores):.3f} CPU ms/msg)")
print(f"  ratio {ratio:.2f}x (pairs ranged {pairs[0][0]:.2f}x to {pairs[-1][0]:.2f}x)")
PY
