#!/usr/bin/env python3
"""Build corpora/gold/<doc>.jsonl from the annotation passes.

gold = first pass (annotation/pass1/<doc>.tsv), with the adjudicated and
rule-review corrections of annotation/corrections.tsv applied on top.
Offsets come from the reference segmentation (lawgov_nlp.segment.iter_spans,
identical to shared/tools/split_units.py). Run from the repository root.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, "src")
from lawgov_nlp.segment import iter_spans  # noqa: E402

root = Path("corpora")


def read_tsv(path):
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        i, f, t = line.split("\t")[:3]
        out[int(i)] = (f.strip(), [] if t.strip() == "-" else [x.strip() for x in t.split(",")])
    return out


corrections = {}
corr_file = root / "annotation" / "corrections.tsv"
if corr_file.exists():
    for line in corr_file.read_text(encoding="utf-8").splitlines()[1:]:
        if not line.strip():
            continue
        doc, idx, f, t = line.split("\t")[:4]
        corrections[(doc, int(idx))] = (f.strip(), [] if t.strip() == "-" else [x.strip() for x in t.split(",")])

(root / "gold").mkdir(exist_ok=True)
n = applied = 0
for raw_file in sorted((root / "raw").glob("*.txt")):
    doc = raw_file.stem
    with raw_file.open(encoding="utf-8", newline="") as fh:
        text = fh.read()
    labels = read_tsv(root / "annotation" / "pass1" / f"{doc}.tsv")
    spans = list(iter_spans(text))
    assert sorted(labels) == list(range(len(spans))), doc
    with (root / "gold" / f"{doc}.jsonl").open("w", encoding="utf-8") as out:
        for idx, (s, e) in enumerate(spans):
            f, t = labels[idx]
            if (doc, idx) in corrections:
                f, t = corrections[(doc, idx)]
                applied += 1
            order = ("disclosure", "enforcement", "reconsideration")
            rec = {"doc": doc, "idx": idx, "text": text[s:e], "start": s, "end": e,
                   "function": f, "topics": [x for x in order if x in t], "gold": True}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
print(f"{n} units written, {applied} corrections applied")
