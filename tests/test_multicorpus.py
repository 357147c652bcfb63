"""Training and evaluating on several corpus directories."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from lawgov_nlp.errors import InputError, ModelError
from lawgov_nlp.multicorpus import cross_validate_corpora, expand, load_corpora, parse_weights, union

# small documents of distinct groups, from the shipped corpus
PICK = ("r000", "r001", "p000", "q001")


def make_corpus(root, src, docs, rename=None):
    rename = rename or {}
    for sub in ("raw", "gold"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    rows = []
    for d in docs:
        new = rename.get(d, d)
        shutil.copy(src / "raw" / f"{d}.txt", root / "raw" / f"{new}.txt")
        lines = (src / "gold" / f"{d}.jsonl").read_text(encoding="utf-8").splitlines()
        (root / "gold" / f"{new}.jsonl").write_text(
            "".join(json.dumps(dict(json.loads(l), doc=new), ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
        rows.append(f"{new}\tg\t\n")
    (root / "sources.tsv").write_text("doc\tgroup\tsource\n" + "".join(rows), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def two(tmp_path_factory, corpus_dir):
    base = tmp_path_factory.mktemp("corpora")
    a = make_corpus(base / "alpha", corpus_dir, PICK[:3])
    b = make_corpus(base / "beta", corpus_dir, (PICK[3], "r002"), rename={"r002": "r000"})  # clashes with alpha's r000
    return a, b


def test_clashing_ids_are_prefixed_and_weights_repeat(two):
    a, b = two
    corpora = load_corpora([a, b], {"beta": 2})
    ids = [d.doc for d in union(corpora)]
    assert len(ids) == len(set(ids)) == 5
    assert "alpha:r000" in ids and "beta:r000" in ids and "r001" in ids
    assert all(r["doc"] == d.doc for d in union(corpora) for r in d.records)
    expanded = expand(union(corpora), {d.doc: 2 for d in corpora[1].docs})
    assert len(expanded) == 7 and "q001#2" in {d.doc for d in expanded}


def test_bad_weights_are_refused(two):
    names = ["alpha", "beta"]
    with pytest.raises(InputError, match="whole number"):
        parse_weights(["beta=1.5"], names)
    with pytest.raises(InputError, match="no corpus named 'gamma'"):
        parse_weights(["gamma=2"], names)
    with pytest.raises(InputError, match="NAME=N"):
        parse_weights(["beta"], names)


def test_not_gold_documents_are_left_out_with_a_warning(two, tmp_path, corpus_dir):
    c = make_corpus(tmp_path / "partial", corpus_dir, PICK[:2])
    f = c / "gold" / "r001.jsonl"
    lines = [json.loads(l) for l in f.read_text(encoding="utf-8").splitlines()]
    lines[-1]["gold"] = False
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    with pytest.warns(UserWarning, match="r001"):
        (loaded,) = load_corpora([c])
    assert [d.doc for d in loaded.docs] == ["r000"] and loaded.skipped == ("r001",)


def test_train_meta_and_per_corpus_lodo(two, tmp_path):
    from lawgov_nlp import load_model
    from lawgov_nlp.train import train

    a, b = two
    labeller = train([a, b], tmp_path / "m", eval_folds=None, weights={"beta": 2})
    meta = load_model(tmp_path / "m").meta
    assert [c["name"] for c in meta["corpora"]] == ["alpha", "beta"]
    assert meta["corpora"][1]["weight"] == 2 and len(meta["corpora"][0]["hash"]) == 64
    assert meta["corpus"]["documents"] == 5 and "beta:r000" in meta["corpus"]["training_docs"]
    assert meta["corpus"]["repeated_units"] == sum(len(d.records) for d in load_corpora([b])[0].docs)
    assert labeller.label_units  # usable
    result = cross_validate_corpora(load_corpora([a, b]), folds=2, context=False)
    assert set(result["per_corpus"]) == {"alpha", "beta"}
    assert sum(r["units"] for r in result["per_corpus"].values()) == result["units"]


def test_models_of_another_label_set_or_feature_version_are_refused(tmp_path):
    from lawgov_nlp.api import default_model_path
    from lawgov_nlp.pipeline import Labeller

    for key, value, match in (("labels", {"function": ["a", "b"], "topics": ["disclosure"]}, "labels are a, b"),
                              ("features_version", 99, "features version 99")):
        d = tmp_path / key
        shutil.copytree(default_model_path(), d)
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
        meta[key] = value
        (d / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        with pytest.raises(ModelError, match=match):
            Labeller.load(d)


def test_cli_train_info_evaluate_several_corpora(two, tmp_path, lawgov_cmd, clean_env):
    a, b = two
    out = tmp_path / "mine"
    r = subprocess.run([lawgov_cmd, "train", str(a), str(b), "-o", str(out), "--eval-folds", "none",
                        "--weight", "beta=2"], capture_output=True, text=True, env=clean_env)
    assert r.returncode == 0, r.stderr
    info = subprocess.run([lawgov_cmd, "info", "--model", str(out)], capture_output=True, text=True, env=clean_env)
    assert "from     alpha: 3 documents" in info.stdout and "weight 2" in info.stdout
    r = subprocess.run([lawgov_cmd, "evaluate", str(a), str(b), "--mode", "folds", "--folds", "2", "--no-context"],
                       capture_output=True, text=True, env=clean_env)
    assert r.returncode == 0, r.stderr
    assert "per corpus:" in r.stdout and "alpha" in r.stdout and "beta" in r.stdout
    r = subprocess.run([lawgov_cmd, "train", str(a), "-o", str(tmp_path / "x"), "--weight", "gamma=2"],
                       capture_output=True, text=True, env=clean_env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "gamma" in r.stderr
