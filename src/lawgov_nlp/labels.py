"""The label sets defined by ANNOTATION.md."""
from __future__ import annotations

FUNCTIONS: tuple[str, ...] = ("achievement", "problem", "cause", "plan", "other")
TOPICS: tuple[str, ...] = ("disclosure", "enforcement", "reconsideration")
