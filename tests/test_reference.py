"""The labeller reproduces, to 1e-9, the outputs stored before it worked on whole batches as arrays.

tests/data/reference_scores.npz was written by tests/reference_scores.py with
the unit-by-unit code of the shipped model (see its docstring): the same
segmentation, the same unrounded probabilities of both heads with and without
context and of the document kind, on every unit of the corpus.
"""
from __future__ import annotations

import numpy as np
import pytest

from tests import reference_scores as ref

REF = np.load(ref.OUT)


@pytest.fixture(scope="module")
def now(model):
    from lawgov_nlp.api import default_model_path

    if str(REF["model_sha256"]) != ref.model_hash(default_model_path()):
        pytest.fail("the shipped model changed since tests/data/reference_scores.npz was written: "
                    "regenerate it with `python tests/reference_scores.py` (see its docstring)")
    names, groups = ref.corpus_groups()
    return groups, ref.scores(model, groups)


def test_segmentation_is_unchanged(now):
    groups, _ = now
    units = [u for g in groups for u in g]
    assert [len(g) for g in groups] == REF["doc_units"].tolist()
    assert [u.start for u in units] == REF["start"].tolist()
    assert [u.end for u in units] == REF["end"].tolist()
    assert [u.heading_level for u in units] == REF["level"].tolist()
    assert [u.chrome for u in units] == REF["chrome"].tolist()


@pytest.mark.parametrize("key", ["function", "topics", "function_iso", "topics_iso", "kind"])
def test_scores_match_stored_outputs(now, key):
    _, scores = now
    assert scores[key].shape == REF[key].shape
    np.testing.assert_allclose(scores[key], REF[key], rtol=0, atol=1e-9)
    if key.startswith("function") or key == "kind":
        assert (scores[key].argmax(axis=1) == REF[key].argmax(axis=1)).all()
    else:
        assert ((scores[key] >= 0.5) == (REF[key] >= 0.5)).all()


@pytest.mark.parametrize("batch_units", [1, 300])
def test_scores_do_not_depend_on_the_batch(model, batch_units):
    # A unit's scores are the same, bit for bit, whether its document is labelled
    # alone (small products: numpy) or with others (large ones: scipy.sparse), so
    # a rounded score in the output never depends on the batch.
    names, groups = ref.corpus_groups()
    picked = groups[::23]
    alone = ref.scores(model, picked, batch_units=batch_units)
    together = ref.scores(model, picked, batch_units=10 ** 6)
    for key in alone:
        assert np.array_equal(alone[key], together[key]), key
