"""Offline erosion rules: known API removals and changed defaults, found and fixed without a
model -- instantly, offline, deterministically, and with an explanation for each.

Public API (the review flow consumes it):

* :func:`scan_source` / :func:`scan_notebook` -- what the rules find, with proposed fixes
* :func:`apply_rules` -- a cell with fixes applied, and the ids that changed it
* :func:`match_crash` -- the rules a crash's exception points to
* :func:`classify_error` -- errors no code patch can fix (missing data, module, network)
* :data:`RULES`, :func:`rules_by_library` -- the registry
"""

from __future__ import annotations

from mlemod_tui.assist.rules.engine import (
    apply_rules,
    match_crash,
    scan_notebook,
    scan_source,
)
from mlemod_tui.assist.rules.model import CellFindings, Crash, Finding, Rule, Unfixable
from mlemod_tui.assist.rules.registry import RULES, RULES_BY_ID, rules_by_library
from mlemod_tui.assist.rules.unfixable import classify_error

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "CellFindings",
    "Crash",
    "Finding",
    "Rule",
    "Unfixable",
    "apply_rules",
    "classify_error",
    "match_crash",
    "rules_by_library",
    "scan_notebook",
    "scan_source",
]
