from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from lawgov_nlp.corpus import (
    document_split, group_folds, leave_one_document_out, load_dataset, load_documents, load_records,
)
from lawgov_nlp.errors import CorpusError
from lawgov_nlp.labels import FUNCTIONS, TOPICS


def test_shipped_corpus_is_complete_and_valid(gold_docs, corpus_dir):
    # load_documents validated every record; check coverage of every document and unit
    raw = sorted(p.stem for p in (corpus_dir / "raw").glob("*.txt"))
    assert [d.doc for d in gold_docs] == raw and len(raw) >= 440
    assert sum(len(d.records) for d in gold_docs) >= 7000
    for d in gold_docs:
        assert len(d.units()) == len(d.records)
        assert all(r["gold"] is True for r in d.records)


def test_every_document_has_a_kind_and_the_fresh_split_is_fixed(gold_docs, corpus_dir):
    from lawgov_nlp.corpus import fresh_split, split_ids
    from lawgov_nlp.labels import KINDS

    assert all(d.kind in KINDS for d in gold_docs)
    held = split_ids(corpus_dir, "fresh")
    rest, fresh = fresh_split(gold_docs, corpus_dir)
    assert len(held) == len(fresh) == 80 and not {d.doc for d in rest} & held
    # drawn from the pages added in the second round only (ids n000-n341)
    assert all(d.startswith("n") for d in held)


def test_every_label_occurs(gold_docs):
    functions = Counter(f for d in gold_docs for f in d.functions)
    topics = Counter(t for d in gold_docs for ts in d.topics for t in ts)
    assert set(functions) == set(FUNCTIONS) and set(topics) == set(TOPICS)


def test_records_carry_group(corpus_dir):
    recs = load_records(corpus_dir)
    assert {"doc", "idx", "text", "start", "end", "function", "topics", "group"} <= set(recs[0])


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / "c"
    (root / "raw").mkdir(parents=True)
    (root / "gold").mkdir()
    text = "一、主要成效\n全年公开信息12条。明年将继续。"
    (root / "raw" / "a.txt").write_text(text, encoding="utf-8")
    recs = [
        {"doc": "a", "idx": 0, "text": "一、主要成效", "start": 0, "end": 6, "function": "achievement", "topics": []},
        {"doc": "a", "idx": 1, "text": "全年公开信息12条。", "start": 7, "end": 17, "function": "achievement", "topics": ["disclosure"]},
        {"doc": "a", "idx": 2, "text": "明年将继续。", "start": 17, "end": 23, "function": "plan", "topics": []},
    ]
    return root, recs


def _write(root: Path, recs: list) -> Path:
    f = root / "gold" / "a.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return f


def test_tiny_corpus_loads(tiny):
    root, recs = tiny
    _write(root, recs)
    (doc,) = load_documents(root)
    assert doc.functions == ["achievement", "achievement", "plan"]


@pytest.mark.parametrize("mutate,message", [
    (lambda r: r[1].update(function="success"), r"a\.jsonl:2: unknown function label 'success'"),
    (lambda r: r[1].update(topics=["education"]), r"a\.jsonl:2: bad topics"),
    (lambda r: r[1].update(text="全年公开信息13条。"), r"a\.jsonl:2: text does not match raw\[7:17\]"),
    (lambda r: r[2].update(idx=1), r"a\.jsonl:3: duplicate idx 1, expected 2"),
    (lambda r: r[2].update(idx=5), r"a\.jsonl:3: non-contiguous idx 5, expected 2"),
    (lambda r: r[0].update(text=" "), r"a\.jsonl:1: empty text"),
    (lambda r: r[0].pop("end"), r"a\.jsonl:1: missing field\(s\) end"),
    (lambda r: r[2].update(end=999), r"a\.jsonl:3: offsets 17\.\.999 outside"),
])
def test_bad_records_are_rejected_with_file_and_line(tiny, mutate, message):
    root, recs = tiny
    mutate(recs)
    _write(root, recs)
    with pytest.raises(CorpusError, match=message):
        load_documents(root)


def test_malformed_json_is_rejected(tiny):
    root, recs = tiny
    f = _write(root, recs)
    f.write_text(f.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.jsonl:4: not valid JSON"):
        load_documents(root)


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not a corpus directory"):
        load_documents(tmp_path)


def test_splits_keep_documents_whole(gold_docs):
    train, test = document_split(gold_docs, test_size=0.2, seed=3)
    assert not {d.doc for d in train} & {d.doc for d in test}
    assert len(train) + len(test) == len(gold_docs)
    assert document_split(gold_docs, seed=3)[1] == test  # seeded: reproducible
    folds = list(group_folds(gold_docs, 5))
    seen = [d.doc for _, te in folds for d in te]
    assert sorted(seen) == sorted(d.doc for d in gold_docs)
    n = 0
    for train_docs, held in leave_one_document_out(gold_docs[:4]):
        assert held not in train_docs and len(train_docs) == 3
        n += 1
    assert n == 4


def test_dataset_dict_has_document_level_splits(corpus_dir):
    ds = load_dataset(corpus_dir, test_size=0.2, seed=0)
    assert set(ds) == {"train", "test"}
    assert not set(ds["train"]["doc"]) & set(ds["test"]["doc"])
    assert ds["train"].num_rows + ds["test"].num_rows >= 2300
