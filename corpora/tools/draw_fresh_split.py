#!/usr/bin/env python3
"""Draw the fresh test split: 80 of the 342 pages of shared/pages2, seeded, stratified by kind.

Drawn once, before any model work on the enlarged corpus, from the page list
alone (ids and kinds of shared/pages2/sources.tsv; no unit was read). Each kind
gets its share of the 80 by largest remainder, then its documents are drawn
with random.Random(SEED). Writes corpora/splits/fresh.txt (one doc id a line).
Run from the repository root:  python corpora/tools/draw_fresh_split.py [PAGES2_SOURCES]
"""
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 20261201
SIZE = 80

src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/pages2/sources.tsv")
rows = [line.split("\t") for line in src.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
by_kind = defaultdict(list)
for r in rows:
    by_kind[r[1]].append(r[0])
total = sum(len(v) for v in by_kind.values())
quota = {k: SIZE * len(v) / total for k, v in by_kind.items()}
alloc = {k: int(q) for k, q in quota.items()}
for k in sorted(quota, key=lambda k: (-(quota[k] - alloc[k]), k))[: SIZE - sum(alloc.values())]:
    alloc[k] += 1
rng = random.Random(SEED)
chosen = []
for k in sorted(by_kind):
    chosen += rng.sample(sorted(by_kind[k]), alloc[k])
out = Path("corpora/splits/fresh.txt")
out.parent.mkdir(exist_ok=True)
out.write_text("".join(d + "\n" for d in sorted(chosen)), encoding="utf-8")
print(f"{len(chosen)} documents -> {out}:", ", ".join(f"{k} {alloc[k]}/{len(by_kind[k])}" for k in sorted(by_kind)))
