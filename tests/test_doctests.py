"""Docstring examples of the installed package run as tests."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import lawgov_nlp

MODULES = sorted(m.name for m in pkgutil.iter_modules(lawgov_nlp.__path__, "lawgov_nlp.") if m.name != "lawgov_nlp.__main__")


@pytest.mark.parametrize("name", ["lawgov_nlp", *MODULES])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
