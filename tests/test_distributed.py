"""Labelling a corpus with Dask (a local cluster, 2 worker processes) and with
datasets.Dataset.map gives exactly the local results."""
from __future__ import annotations

import pytest

import lawgov_nlp
from lawgov_nlp.api import batch_features, label_batch, label_records
from tests.conftest import CORPUS

DOCS = [{"doc": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted((CORPUS / "raw").glob("p0*.txt"))[:12]]


@pytest.fixture(scope="module")
def local(model):
    return label_records(DOCS)


def test_dask_local_cluster_matches_local_run(local):
    dask = pytest.importorskip("dask.bag")
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)  # a loaded machine starts them slowly
        assert len(client.scheduler_info()["workers"]) == 2
        bag = dask.from_sequence(DOCS, npartitions=4).map_partitions(label_records)
        rows = bag.compute()
    assert rows == local


def test_datasets_map_matches_local_run(local):
    import datasets

    ds = datasets.Dataset.from_list(DOCS)
    out = ds.map(label_batch, batched=True, batch_size=5, remove_columns=ds.column_names, num_proc=2,
                 features=batch_features())
    assert [(r["doc"], r["idx"], r["function"], r["topics"]) for r in out] == \
        [(r["doc"], r["idx"], r["function"], r["topics"]) for r in local]
    assert len(out) == sum(len(lawgov_nlp.label_text(d["text"])) for d in DOCS)
