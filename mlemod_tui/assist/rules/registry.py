"""Every rule, in the order fixes are applied: one list per library module, most used first.

To add a rule, append it to its library's ``RULES`` list; nothing else needs to change.
"""

from __future__ import annotations

from mlemod_tui.assist.rules import (
    boosting_rules,
    ipython_rules,
    keras_rules,
    matplotlib_rules,
    numpy_rules,
    pandas3_rules,
    pandas_apply_rules,
    pandas_groupby_axis_rules,
    pandas_positional_rules,
    pandas_removed_rules,
    pandas_reshape_rules,
    pandas_rules,
    python_rules,
    scipy_rules,
    seaborn_rules,
    sklearn_default_rules,
    sklearn_rules,
    sklearn_scorer_rules,
    tensorflow_rules,
    torch_rules,
)
from mlemod_tui.assist.rules.model import Rule

_MODULES = (
    pandas_rules,
    ipython_rules,
    pandas_apply_rules,
    pandas_groupby_axis_rules,
    pandas_positional_rules,
    pandas_reshape_rules,
    pandas_removed_rules,
    pandas3_rules,
    numpy_rules,
    sklearn_rules,
    sklearn_scorer_rules,
    sklearn_default_rules,
    matplotlib_rules,
    seaborn_rules,
    scipy_rules,
    keras_rules,
    tensorflow_rules,
    torch_rules,
    boosting_rules,
    python_rules,
)

RULES: tuple[Rule, ...] = tuple(rule for module in _MODULES for rule in module.RULES)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

if len(RULES_BY_ID) != len(RULES):  # pragma: no cover - caught by the tests at once
    raise RuntimeError("duplicate rule ids")


def rules_by_library() -> dict[str, list[Rule]]:
    """Rules grouped by library, in registry order."""
    grouped: dict[str, list[Rule]] = {}
    for rule in RULES:
        grouped.setdefault(rule.library, []).append(rule)
    return grouped
