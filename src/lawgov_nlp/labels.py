"""The label sets defined by ANNOTATION.md."""
from __future__ import annotations

FUNCTIONS: tuple[str, ...] = ("achievement", "problem", "cause", "plan", "other")
TOPICS: tuple[str, ...] = ("disclosure", "enforcement", "reconsideration")
# Document kinds (GUIDELINE-NOTES rule 42).
KINDS: tuple[str, ...] = ("annual_report", "duty_report", "plan", "notice", "rectification", "disclosure_report",
                          "sector_report", "interpretation", "commentary", "news", "other")
