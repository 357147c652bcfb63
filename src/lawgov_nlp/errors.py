"""The exception family of lawgov_nlp.

Library code raises these with a message that says what was expected and
what arrived; only the CLI turns them into one line on stderr and an exit code.
"""
from __future__ import annotations


class LawgovError(Exception):
    """Base class of every error lawgov_nlp raises on purpose."""


class InputError(LawgovError):
    """An input file or stream cannot be read as a report or as units."""


class OutputError(LawgovError):
    """The output cannot be written (a full disk, a file-size limit, a vanished directory)."""


class CorpusError(LawgovError):
    """A corpus record is invalid (the message names file and line)."""


class ModelError(LawgovError):
    """A model directory is missing, corrupt, untrusted or incompatible."""


class LawgovWarning(UserWarning):
    """Something works but deserves attention (e.g. a library version mismatch)."""
