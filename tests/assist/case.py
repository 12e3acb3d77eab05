"""One rule test case (old code -> fixed code) and a sandbox that runs snippets in-process.

Running in-process keeps ~150 cases fast (one import of pandas and scikit-learn); the
sandbox puts back what snippets change globally: warning filters, matplotlib rcParams and
figures, pandas display options, numpy print options.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Case:
    """``old`` raises ``error`` (or warns ``warns``) today; ``fixed`` is what the rule makes of it.

    ``fixed`` None: the rule only explains (no patch). ``check`` is an expression that is
    true after the fixed code runs and false after the old code runs (silent changes).
    ``setup`` runs first and is the preamble whose imports the rule may rely on.
    """

    rule: str
    old: str
    fixed: str | None
    setup: str = ""
    error: tuple[str, str] | None = None
    warns: tuple[str, str] | None = None
    check: str | None = None
    syntax_only: bool = False
    name: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}{'-' + self.name if self.name else ''}"

    def param(self) -> Any:
        marks = [pytest.mark.syntax_only] if self.syntax_only else []
        return pytest.param(self, id=self.id, marks=marks)


@dataclass
class Outcome:
    namespace: dict[str, Any]
    error: BaseException | None
    warnings: list[warnings.WarningMessage]


def run_snippet(setup: str, code: str) -> Outcome:
    """Run ``setup`` then ``code`` in a fresh namespace; report the exception and warnings."""
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    namespace: dict[str, Any] = {"__name__": "__rule_case__"}
    colwidth = pd.get_option("display.max_colwidth")
    error: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context(), np.printoptions():
        warnings.simplefilter("always")
        try:
            exec(compile(setup, "<setup>", "exec"), namespace)
            caught.clear()
            exec(compile(code, "<cell>", "exec"), namespace)
        except Exception as exc:  # the case says which one it expects
            error = exc
        finally:
            plt.close("all")
            pd.set_option("display.max_colwidth", colwidth)
    return Outcome(namespace, error, list(caught))


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else ""
