"""Quality of `lawgov profile` against a reader: mandated parts and extracted figures.

Reads benchmarks/profile_reader.tsv (what a reader found, by hand), profiles the
same documents from corpora/raw/ with the shipped model, and prints the tables of
benchmarks/PROFILE.md: per part, precision/recall of "present" and of "found at
all" (present or mentioned), exact status agreement; figures matched by their text.

    python benchmarks/profile_quality.py
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import lawgov_nlp
from lawgov_nlp.profile import PARTS, profile_predictions

ROOT = Path(__file__).resolve().parent.parent


def read_tsv(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:]]


def pr(tp: int, fp: int, fn: int) -> tuple[str, str]:
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "–"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "–"
    return p, r


def main() -> int:
    rows = read_tsv(ROOT / "benchmarks" / "profile_reader.tsv")
    profiles = {r["doc"]: profile_predictions(lawgov_nlp.label_file(ROOT / "corpora" / "raw" / f"{r['doc']}.txt"))
                for r in rows}
    print(f"{len(rows)} documents ({sum(r['doc'].startswith('0') for r in rows)} seed reports)\n")
    print("| part | reader present | profile present | P present | R present | P found | R found | status agreement |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    disagreements = []
    for part in PARTS:
        c: Counter[str] = Counter()
        for r in rows:
            gold, got = r[part], profiles[r["doc"]]["parts"][part]["status"]
            for name, g, s in (("present", gold == "present", got == "present"),
                               ("found", gold != "missing", got != "missing")):
                c[f"{name}_tp"] += g and s
                c[f"{name}_fp"] += s and not g
                c[f"{name}_fn"] += g and not s
            c["agree"] += gold == got
            if gold != got:
                disagreements.append(f"{r['doc']} {part}: reader {gold}, profile {got}")
        pp, rp = pr(c["present_tp"], c["present_fp"], c["present_fn"])
        pf, rf = pr(c["found_tp"], c["found_fp"], c["found_fn"])
        n_gold = sum(r[part] == "present" for r in rows)
        n_got = sum(profiles[r["doc"]]["parts"][part]["status"] == "present" for r in rows)
        print(f"| {part} | {n_gold} | {n_got} | {pp} | {rp} | {pf} | {rf} | {c['agree']}/{len(rows)} |")
    print("\nDisagreements:")
    for d in disagreements:
        print(f"- {d}")
    print("\n| document | reader's figures | extracted | matched | precision | recall |")
    print("|---|---:|---:|---:|---:|---:|")
    tot = Counter()
    for r in rows:
        if r["figures"] == "-":
            continue
        gold = Counter(r["figures"].split(";"))
        got = Counter(f["text"] for f in profiles[r["doc"]]["figures"])
        m = sum((gold & got).values())
        tot.update({"gold": sum(gold.values()), "got": sum(got.values()), "match": m})
        p, rc = pr(m, sum(got.values()) - m, sum(gold.values()) - m)
        print(f"| {r['doc']} | {sum(gold.values())} | {sum(got.values())} | {m} | {p} | {rc} |")
    p, rc = pr(tot["match"], tot["got"] - tot["match"], tot["gold"] - tot["match"])
    print(f"| **all** | {tot['gold']} | {tot['got']} | {tot['match']} | {p} | {rc} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
