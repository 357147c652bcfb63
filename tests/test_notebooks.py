"""Execute the notebooks in notebooks/ end to end, on a small sample of the corpus.

Each notebook has a cell tagged "parameters"; a cell inserted after it swaps the
defaults (whole corpus, 10 folds, the shipped model's directory) for a quick run
that writes its model to a temporary directory. The kernel is this interpreter:
a private kernelspec pointing at ``sys.executable`` is written to a temporary
directory, so a ``python3`` kernelspec elsewhere on the machine (another venv,
~/.local) cannot be picked up instead.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "lawgov-test-python"
SMALL = {"N_DOCS": 24, "FOLDS": 3, "N_JOBS": 2, "SEED": 0}
TIMEOUT = 300  # seconds per cell


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory) -> list[str]:
    spec_dir = tmp_path_factory.mktemp("kernels") / KERNEL
    spec_dir.mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return [str(spec_dir.parent)]


def run(nb: nbformat.NotebookNode, kernel_dirs: list[str]) -> nbformat.NotebookNode:
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=kernel_dirs))
    client = NotebookClient(nb, km=km, timeout=TIMEOUT, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    try:
        return client.execute()
    finally:  # nbclient leaves a kernel manager it was given running
        if km.has_kernel:
            km.shutdown_kernel(now=True)


def with_parameters(name: str, **overrides: object) -> nbformat.NotebookNode:
    """The notebook with a cell after its "parameters" cell setting ``overrides``."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{name}: expected one cell tagged 'parameters', found {len(tagged)}"
    source = "# injected by tests/test_notebooks.py\n" + "".join(f"{k} = {v!r}\n" for k, v in overrides.items())
    defaults = nb.cells[tagged[0]].source
    for key in overrides:
        assert f"\n{key} = " in f"\n{defaults}", f"{name}: the parameters cell defines no {key}"
    nb.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(source))
    return nb


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def text_of(nb: nbformat.NotebookNode) -> str:
    parts = []
    for o in outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif "data" in o:
            parts.append(o["data"].get("text/plain", ""))
    return "".join(parts)


def figures(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for o in outputs(nb))


@pytest.mark.parametrize("name", ["01_corpus.ipynb", "02_train_evaluate.ipynb", "03_error_analysis.ipynb",
                                  "04_profiles.ipynb", "05_teach.ipynb"])
def test_notebooks_are_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{name}: strip the outputs"
    assert "import lawgov_nlp" in "\n".join(c.source for c in code)


def test_kernel_is_this_interpreter(kernel_dirs):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys; print(sys.executable); print(os.getcwd())")])
    lines = text_of(run(nb, kernel_dirs)).splitlines()
    assert Path(lines[0]).resolve() == Path(sys.executable).resolve()
    assert Path(lines[1]).resolve() == NOTEBOOKS.resolve()


def test_corpus_notebook(kernel_dirs):
    nb = run(with_parameters("01_corpus.ipynb", SHOW_DOCS=2, MAX_UNITS=15), kernel_dirs)
    assert figures(nb) >= 3
    html = "".join(o["data"].get("text/html", "") for o in outputs(nb) if "data" in o)
    assert html.count("<h4>") == 2 and "background:" in html  # two coloured documents
    assert "units in" in text_of(nb)  # split sizes printed


def test_train_evaluate_notebook(kernel_dirs, tmp_path):
    from lawgov_nlp import label_units, load_model
    from lawgov_nlp.corpus import load_documents

    out = tmp_path / "model"
    shipped = {p.name: p.read_bytes() for p in (ROOT / "models" / "default").iterdir()}
    nb = run(with_parameters("02_train_evaluate.ipynb", **SMALL, EVAL_FOLDS=3, OUT_DIR=str(out)), kernel_dirs)
    assert figures(nb) >= 2  # confusion matrices, per-label F1
    text = text_of(nb)
    for system in ("lawgov (context)", "usual recipe", "rules"):
        assert system in text
    assert "the stored metrics equal this notebook's cross-validation" in text

    model = load_model(out)
    meta = model.meta
    assert meta["seed"] == 0 and meta["corpus"]["documents"] == SMALL["N_DOCS"]
    assert meta["metrics"]["context"]["mode"] == "3-fold by document"
    trained_on = set(meta["corpus"]["training_docs"])
    assert trained_on <= {d.doc for d in load_documents(ROOT / "corpora")}
    preds = label_units(["二、存在的不足", "部分单位政务公开栏目更新不及时。"], model=model)
    assert len(preds) == 2 and all(p.function for p in preds)
    # The shipped model was not touched.
    assert {p.name: p.read_bytes() for p in (ROOT / "models" / "default").iterdir()} == shipped


def test_error_analysis_notebook(kernel_dirs):
    nb = run(with_parameters("03_error_analysis.ipynb", **SMALL, N_SHOW=4, TOP_K=5, N_BINS=5), kernel_dirs)
    assert figures(nb) >= 3  # error rates, feature blocks, reliability
    text = text_of(nb)
    assert "misclassified" in text and "ECE" in text
    html = "".join(o["data"].get("text/html", "") for o in outputs(nb) if "data" in o)
    assert "predicted" in html and "section:" in html  # misclassified units with their context


def test_teach_notebook(kernel_dirs, tmp_path):
    shipped = {p.name: p.read_bytes() for p in (ROOT / "models" / "default").iterdir()}
    nb = run(with_parameters("05_teach.ipynb", WORK_DIR=str(tmp_path)), kernel_dirs)
    text = text_of(nb)
    assert "stage-2 terms add up to the logit" in text
    assert "corrections applied to to_correct.xlsx" in text and "reviewed (gold)" in text
    assert "trained on my_corpus" in text and "weight 2" in text
    assert "uncertainty" in text and "random" in text and figures(nb) >= 1
    assert (tmp_path / "my_corpus" / "gold" / "chonggu_2024.jsonl").is_file()
    assert {p.name: p.read_bytes() for p in (ROOT / "models" / "default").iterdir()} == shipped


def test_profiles_notebook(kernel_dirs):
    nb = run(with_parameters("04_profiles.ipynb", N_DOCS=12), kernel_dirs)
    assert figures(nb) >= 2  # completeness by kind, candour by year
    text = text_of(nb)
    assert "12 documents profiled" in text and "achievements" in text
