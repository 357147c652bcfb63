from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from lawgov_nlp import persist
from lawgov_nlp.errors import LawgovWarning, ModelError
from lawgov_nlp.pipeline import Labeller
from lawgov_nlp.train import fit


@pytest.fixture(scope="module")
def small(gold_docs):
    """A labeller trained on 30 documents, and 10 documents it has not seen."""
    # decode=True: the sequence decoder (not in the shipped design) must compile and load too
    return fit(gold_docs[:30], decode=True), [u for d in gold_docs[30:40] for u in d.units()]


def test_saved_model_predicts_exactly_as_the_estimators(small, tmp_path):
    labeller, unseen = small
    labeller.save(tmp_path / "m")
    loaded = Labeller.load(tmp_path / "m")
    assert labeller.kind_head is not None and loaded.kind_head is not None  # every corpus document has a kind
    K = labeller.kind_proba(unseen)
    np.testing.assert_allclose(K, loaded.kind_proba(unseen), rtol=0, atol=1e-9)
    assert labeller.heads["context"]["function"].decode and loaded.heads["context"]["function"].decode
    for mode in ("context", "isolated"):
        for head in ("function", "topics"):
            kinds = K if mode == "context" else None
            a = labeller.heads[mode][head].predict_proba(unseen, kind_proba=kinds)
            b = loaded.heads[mode][head].predict_proba(unseen, kind_proba=kinds)
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-9, err_msg=f"{mode}/{head}")
    assert [p.function for p in loaded.label_units(unseen)] == [p.function for p in labeller.label_units(unseen)]


def test_meta_records_provenance(small, tmp_path):
    labeller, _ = small
    labeller.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == persist.FORMAT
    assert len(meta["corpus"]["hash"]) == 64 and meta["corpus"]["documents"] == 30
    assert {"scikit-learn", "numpy", "jieba", "python"} <= set(meta["versions"])
    assert meta["labels"]["function"][0] == "achievement" and meta["seed"] == 0
    assert meta["tokenizer"]["userdict_sha256"] == persist.userdict_hash()


def test_model_files_hold_no_pickles(small, tmp_path):
    labeller, _ = small
    labeller.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "arrays.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_missing_model_dir(tmp_path):
    with pytest.raises(ModelError, match="model directory not found"):
        Labeller.load(tmp_path / "nope")


def test_not_a_model_dir(tmp_path):
    with pytest.raises(ModelError, match="not a lawgov model directory"):
        Labeller.load(tmp_path)


def test_corrupt_and_incompatible_models(small, tmp_path):
    labeller, _ = small
    m = labeller.save(tmp_path / "m")
    bad = tmp_path / "bad"
    shutil.copytree(m, bad)
    (bad / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="corrupt model file"):
        Labeller.load(bad)
    shutil.rmtree(bad)
    shutil.copytree(m, bad)
    (bad / "vocab.json").unlink()
    with pytest.raises(ModelError, match="missing vocab.json"):
        Labeller.load(bad)
    meta = json.loads((m / "meta.json").read_text(encoding="utf-8"))
    (m / "meta.json").write_text(json.dumps(dict(meta, format=1)), encoding="utf-8")
    with pytest.raises(ModelError, match="format 1 is not supported"):
        Labeller.load(m)
    (m / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="corrupt model metadata"):
        Labeller.load(m)


def test_unknown_feature_input_is_refused(small, tmp_path):
    labeller, _ = small
    m = labeller.save(tmp_path / "m")
    meta = json.loads((m / "meta.json").read_text(encoding="utf-8"))
    meta["heads"]["function"]["blocks"][0]["input"] = "os.system"
    (m / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="unknown feature input 'os.system'"):
        Labeller.load(m)


def test_tokenizer_change_is_warned(small, tmp_path):
    labeller, _ = small
    m = labeller.save(tmp_path / "m")
    meta = json.loads((m / "meta.json").read_text(encoding="utf-8"))
    meta["tokenizer"]["userdict_sha256"] = "0" * 64
    (m / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(LawgovWarning, match="user dictionary changed"):
        Labeller.load(m)
