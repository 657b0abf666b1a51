#!/usr/bin/env bash
# Online evaluation the way the TREC spam track measured filters, for
# mailassist and bogofilter on the same stream:
#
#   scripts/online-bogofilter.sh [CORPUS_DIR] [all|errors]
#
# 1. lays out the corpus (scripts/spam-corpus.sh) unless CORPUS_DIR has one;
# 2. writes the order: every message sorted by its Date header (TREC's
#    chronological order; a message without a parseable date keeps its
#    place by path), one corpus-relative path a line;
# 3. runs `mailassist spam eval --online --order FILE --feedback MODE` from
#    an untrained model;
# 4. runs bogofilter 1.2.5 from an empty database the same way: for each
#    message in order, classify it (-T, its spamicity is the score), then
#    register its true label (-s or -n) — every message with feedback all,
#    only misclassified ones (spamicity >= 0.5 for ham, < 0.5 for spam,
#    and exactly 0.5, which is bogofilter knowing nothing yet) with
#    feedback errors;
# 5. prints both: messages, fp, fn at each filter's own cutoff (mailassist:
#    its threshold; bogofilter: spamicity >= 0.5), and (1-ROCA)% of the
#    scores in order.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-${TMPDIR:-/tmp}/mailassist-spam-corpus}
mode=${2:-all}
[ -f "$corpus/split.tsv" ] || bash "$repo/scripts/spam-corpus.sh" "$corpus"
command -v bogofilter >/dev/null || { echo "bogofilter not installed (apt-get install bogofilter)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
. "$repo/scripts/corpus-mailbox.sh"
go build -o "$work/mailassist" ./cmd/mailassist

python3 - "$corpus" > "$work/order" <<'PY'
import email.utils, os, sys
d = sys.argv[1]
rows = []
for label in ("ham", "spam"):
    for fn in sorted(os.listdir(os.path.join(d, label))):
        p = f"{label}/{fn}"
        date = None
        with open(os.path.join(d, p), "rb") as f:
            for line in f:
                if line in (b"\n", b"\r\n"):
                    break
                if line[:5].lower() == b"date:":
                    try:
                        date = email.utils.parsedate_to_datetime(line[5:].decode("latin-1").strip()).timestamp()
                    except Exception:
                        pass
                    break
        rows.append((date if date is not None else float("inf"), p))
for _, p in sorted(rows):
    print(p)
PY

"$work/mailassist" spam eval --online --corpus "$corpus" --order "$work/order" --feedback "$mode" \
  --receiving-domains "$RECEIVING" --json > "$work/ma.json"

mkdir "$work/bogo"
python3 - "$corpus" "$work/order" "$work/bogo" "$mode" > "$work/bogo.json" <<'PY'
import json, subprocess, sys
d, order, db, mode = sys.argv[1:5]
scores, labels, fp, fn = [], [], 0, 0
for p in open(order):
    p = p.strip()
    spam = p.startswith("spam/")
    out = subprocess.run(["bogofilter", "-d", db, "-T", "-I", f"{d}/{p}"], capture_output=True, text=True).stdout.split()
    s = float(out[-1]) if out else 0.5  # an empty database has no word list yet: unsure
    scores.append(s); labels.append(spam)
    wrong = (s >= 0.5) != spam
    fp += wrong and not spam
    fn += wrong and spam
    # A score of exactly 0.5 is bogofilter knowing nothing (no database, or
    # one class only): a mistake whatever the label. Without this, train on
    # error never starts: the first messages are spam at 0.5, "right", and
    # no spam is ever learnt.
    if mode == "all" or wrong or s == 0.5:
        subprocess.run(["bogofilter", "-d", db, "-s" if spam else "-n", "-I", f"{d}/{p}"], check=True)
# AUC with ties counted half
idx = sorted(range(len(scores)), key=lambda i: scores[i])
rank = [0.0] * len(scores); i = 0
while i < len(idx):
    j = i
    while j < len(idx) and scores[idx[j]] == scores[idx[i]]:
        j += 1
    for k in range(i, j):
        rank[idx[k]] = (i + j + 1) / 2
    i = j
npos = sum(labels); nneg = len(labels) - npos
auc = (sum(r for r, y in zip(rank, labels) if y) - npos * (npos + 1) / 2) / (npos * nneg)
print(json.dumps({"messages": len(scores), "fp": fp, "fn": fn, "one_minus_roca_pct": 100 * (1 - auc)}))
PY

python3 - "$work/ma.json" "$work/bogo.json" "$mode" <<'PY'
import json, sys
ma, bo = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print(f"online, feedback {sys.argv[3]}, {ma['messages']} messages in date order")
print(f"  mailassist  fp {ma['fp']:4d}  fn {ma['fn']:4d}  (1-ROCA)% {ma['one_minus_roca_pct']:.4f}")
print(f"  bogofilter  fp {bo['fp']:4d}  fn {bo['fn']:4d}  (1-ROCA)% {bo['one_minus_roca_pct']:.4f}")
r = ma['one_minus_roca_pct'] / bo['one_minus_roca_pct'] if bo['one_minus_roca_pct'] else float('inf')
print(f"  ratio mailassist/bogofilter (1-ROCA)%: {r:.2f}")
PY
