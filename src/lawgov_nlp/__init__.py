"""lawgov_nlp: label the units of Chinese law-based government reports by function and topic.

>>> import lawgov_nlp
>>> lawgov_nlp.FUNCTIONS
('achievement', 'problem', 'cause', 'plan', 'other')

Importing the package is cheap: scikit-learn, jieba and datasets load on the
first call that needs them.
"""
from __future__ import annotations

from typing import Any

from .errors import CorpusError, InputError, LawgovError, LawgovWarning, ModelError
from .labels import FUNCTIONS, TOPICS
from .records import Document, Prediction, Unit

__version__ = "0.1.0"

__all__ = [
    "FUNCTIONS", "TOPICS", "Document", "Unit", "Prediction",
    "LawgovError", "InputError", "CorpusError", "ModelError", "LawgovWarning",
    "load_model", "label_text", "label_units", "label_file", "profile_report", "__version__",
]


def load_model(path: Any = None) -> Any:
    """Load a model directory, or the shipped model (see :func:`lawgov_nlp.api.load_model`)."""
    from .api import load_model as _load

    return _load(path)


def label_text(text: str, **kwargs: Any) -> list[Prediction]:
    """Segment and label a report string (see :func:`lawgov_nlp.api.label_text`)."""
    from .api import label_text as _f

    return _f(text, **kwargs)


def label_units(units: Any, **kwargs: Any) -> list[Prediction]:
    """Label pre-segmented units of one document (see :func:`lawgov_nlp.api.label_units`)."""
    from .api import label_units as _f

    return _f(units, **kwargs)


def label_file(path: Any, **kwargs: Any) -> list[Prediction]:
    """Read and label one report file (see :func:`lawgov_nlp.api.label_file`)."""
    from .api import label_file as _f

    return _f(path, **kwargs)


def profile_report(source: Any, **kwargs: Any) -> dict[str, Any]:
    """Profile one report: path, Document or its labelled units (see :func:`lawgov_nlp.profiles.profile_report`)."""
    from .profiles import profile_report as _f

    return _f(source, **kwargs)
