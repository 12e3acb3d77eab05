"""Erosion families: which library's change a patch repaired, for the report's totals.

A rule patch's source is ``rule:ID[,ID...]``; each rule names its library (pandas, sklearn,
numpy, …). Anything else (a model's patch) is its own family.
"""

from __future__ import annotations

from collections.abc import Iterable

from mlemod_tui.assist.rules import RULES_BY_ID


def families_of(sources: Iterable[str]) -> list[str]:
    """The families of applied patches' sources, each once, in the order first seen."""
    found: list[str] = []
    for source in sources:
        if source.startswith("rule:"):
            names = [
                RULES_BY_ID[rule_id].library if rule_id in RULES_BY_ID else "other rules"
                for rule_id in source.removeprefix("rule:").split(",")
            ]
        else:
            names = ["model"]
        found.extend(name for name in names if name not in found)
    return found
