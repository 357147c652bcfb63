#!/usr/bin/env python3
"""Inter-annotator agreement between the first pass and the blind second pass.

Reads corpora/annotation/pass1/*.tsv and pass2/*.tsv (the raw, unadjudicated
labels) and prints Cohen's kappa for the function label and for each topic
(present/absent) and for each function one-vs-rest, with raw agreement, for the
first 113 documents, the 342 pages added later and all; then the agreement on
document kinds (doc_kinds.tsv vs annotation/kinds_pass2.tsv). Run from the
repository root:
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


def cohort(doc):
    return "pages2 (342 pages added in the second round)" if doc.startswith("n") else "first 113 documents"


def report(name, a, b, docs, total):
    print(f"== {name}: {len(a)} units in {docs} documents double-annotated ({len(a) / total:.1%} of {total} units)")
    fa, fb = [x[0] for x in a], [x[0] for x in b]
    print(f"function: kappa {cohen_kappa_score(fa, fb):.3f}, raw agreement {sum(x == y for x, y in zip(fa, fb)) / len(a):.3f}")
    for lab in sorted(set(fa) | set(fb)):
        la, lb = [x == lab for x in fa], [x == lab for x in fb]
        print(f"  function {lab} (one vs rest): kappa {cohen_kappa_score(la, lb):.3f}, units {sum(la)} / {sum(lb)}")
    for t in TOPICS:
        ta, tb = [t in x[1] for x in a], [t in x[1] for x in b]
        print(f"topic {t}: kappa {cohen_kappa_score(ta, tb):.3f}, raw agreement {sum(x == y for x, y in zip(ta, tb)) / len(a):.3f}, "
              f"positives {sum(ta)} / {sum(tb)}")
    print(f"units with any disagreement: {sum(x != y for x, y in zip(a, b))}")


pairs = {}
for p2 in sorted((ROOT / "pass2").glob("*.tsv")):
    first, second = read(ROOT / "pass1" / p2.name), read(p2)
    c = pairs.setdefault(cohort(p2.stem), ([], [], [0]))
    c[2][0] += 1
    for i in sorted(second):
        c[0].append(first[i])
        c[1].append(second[i])
totals = {}
for p in (ROOT / "pass1").glob("*.tsv"):
    n = sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    totals[cohort(p.stem)] = totals.get(cohort(p.stem), 0) + n
for name in sorted(pairs):
    a, b, docs = pairs[name]
    report(name, a, b, docs[0], totals[name])
all_a = [x for name in sorted(pairs) for x in pairs[name][0]]
all_b = [x for name in sorted(pairs) for x in pairs[name][1]]
report("all", all_a, all_b, sum(pairs[n][2][0] for n in pairs), sum(totals.values()))

# document kinds: first pass (corpora/doc_kinds.tsv, no kind was corrected) vs the blind second pass
kinds2 = ROOT / "kinds_pass2.tsv"
if kinds2.is_file():
    def kinds(path):
        return dict(line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
    k1, k2 = kinds(ROOT.parent / "doc_kinds.tsv"), kinds(kinds2)
    ka, kb = [k1[d] for d in sorted(k2)], [k2[d] for d in sorted(k2)]
    print(f"== document kind: {len(ka)} documents double-annotated, kappa {cohen_kappa_score(ka, kb):.3f}, "
          f"raw agreement {sum(x == y for x, y in zip(ka, kb)) / len(ka):.3f}")
