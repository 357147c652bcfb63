"""The built wheel ships the trained model."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_the_model(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    (wheel,) = tmp_path.glob("lawgov_nlp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("meta.json", "vocab.json", "arrays.npz"):
        assert f"lawgov_nlp/models/default/{f}" in names
        shipped = (ROOT / "models" / "default" / f).read_bytes()
        assert zipfile.ZipFile(wheel).read(f"lawgov_nlp/models/default/{f}") == shipped
    assert "lawgov_nlp/data/userdict.txt" in names
