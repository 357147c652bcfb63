from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"
SEED_REPORT = CORPUS / "raw" / "004_2ae3d34c1a1508fa.txt"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def gold_docs():
    from lawgov_nlp.corpus import load_documents

    return load_documents(CORPUS)


@pytest.fixture(scope="session")
def model():
    from lawgov_nlp import load_model

    return load_model()


@pytest.fixture
def lawgov_cmd():
    """The installed console script (not python -m): what a user runs."""
    # next to this interpreter first (a venv that is not activated), then PATH
    beside = Path(sys.executable).parent / "lawgov"
    exe = str(beside) if beside.exists() else shutil.which("lawgov")
    if exe is None:
        pytest.fail("the lawgov console script is not installed (pip install . first)")
    return exe


@pytest.fixture
def clean_env():
    env = dict(os.environ)
    env.pop("LAWGOV_MODEL", None)
    return env
