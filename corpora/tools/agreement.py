#!/usr/bin/env python3
"""Inter-annotator agreement between the first pass and the blind second pass.

Reads corpora/annotation/pass1/*.tsv and pass2/*.tsv (the raw, unadjudicated
labels) and prints Cohen's kappa for the function label and for each topic
(present/absent), with raw agreement. Run from the repository root:
    python corpora/tools/agreement.py
"""
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

ROOT = Path("corpora/annotation")
TOPICS = ("disclosure", "enforcement", "reconsideration")


def read(path):
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            i, f, t = line.split("\t")[:3]
            out[int(i)] = (f.strip(), set() if t.strip() == "-" else {x.strip() for x in t.split(",")})
    return out


a, b, docs = [], [], 0
for p2 in sorted((ROOT / "pass2").glob("*.tsv")):
    first, second = read(ROOT / "pass1" / p2.name), read(p2)
    docs += 1
    for i in sorted(second):
        a.append(first[i])
        b.append(second[i])
total = sum(1 for p in (ROOT / "pass1").glob("*.tsv") for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
print(f"double-annotated: {len(a)} units in {docs} documents ({len(a) / total:.1%} of {total} units)")
fa, fb = [x[0] for x in a], [x[0] for x in b]
print(f"function: kappa {cohen_kappa_score(fa, fb):.3f}, raw agreement {sum(x == y for x, y in zip(fa, fb)) / len(a):.3f}")
for t in TOPICS:
    ta, tb = [t in x[1] for x in a], [t in x[1] for x in b]
    print(f"topic {t}: kappa {cohen_kappa_score(ta, tb):.3f}, raw agreement {sum(x == y for x, y in zip(ta, tb)) / len(a):.3f}, "
          f"positives {sum(ta)} / {sum(tb)}")
print(f"units with any disagreement: {sum(x != y for x, y in zip(a, b))}")
