"""The rule engine's data: a rule, what it found in a cell, and errors no patch can fix.

A rule is declarative data plus a transformer factory, so adding one is a few lines in the
library's module (``pandas_rules.py`` and friends) and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mlemod_tui.assist.rules.context import RuleContext
    from mlemod_tui.assist.rules.cst_tools import RuleTransformer

Kind = Literal["crash", "silent-score-change", "warning-only", "runtime"]
Purpose = Literal["error-repair", "score-calibration", "runtime-reduction"]

PURPOSE_OF_KIND: dict[str, Purpose] = {
    "crash": "error-repair",
    "warning-only": "error-repair",
    "silent-score-change": "score-calibration",
    "runtime": "runtime-reduction",
}

TransformerFactory = Callable[["RuleContext"], "RuleTransformer"]
TextFixer = Callable[[str], tuple[str, list[int]]]


@dataclass(frozen=True)
class Crash:
    """How a crash names this erosion: exception class names and a regex on the message.

    Match a stable fragment, not the whole line (install paths, timestamps and the order of
    sets in scikit-learn messages vary between runs and releases).
    """

    types: tuple[str, ...]
    pattern: str

    def matches(self, ename: str, evalue: str) -> re.Match[str] | None:
        short = ename.rsplit(".", 1)[-1]
        if short not in self.types:
            return None
        return re.search(self.pattern, evalue or "")


@dataclass(frozen=True, eq=False)  # identity: rules are hashed often (prefilter caches)
class Rule:
    """One known erosion: how to see it, how to fix it, and how to say what happened.

    ``triggers`` are regexes searched in the raw cell text before anything is parsed: a cell
    none of them matches costs no parse. ``transformer`` both detects (records hits) and
    fixes (returns rewritten nodes); a rule that needs judgement records hits without
    rewriting and gives a ``hint``. ``crash_only`` rules cannot be seen in code alone (they
    depend on the data) and run only when a crash traceback matched ``crash``.
    ``needs_code`` marks a broad crash pattern (a bare ``KeyError``) that only counts when the
    cell's code shows the pattern too.
    """

    id: str
    library: str
    changed_in: str
    kind: Kind
    summary: str
    replacement: str
    triggers: tuple[str, ...] = ()
    transformer: TransformerFactory | None = None
    crash: Crash | None = None
    hint: str | None = None
    crash_only: bool = False
    needs_code: bool = False
    text_fix: TextFixer | None = None
    purpose_override: Purpose | None = None
    trigger_re: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        extra = tuple(getattr(self.transformer, "keyword_triggers", ()))
        if self.triggers and extra:
            object.__setattr__(self, "triggers", self.triggers + extra)
        if self.triggers and self.trigger_re is None:
            object.__setattr__(
                self, "trigger_re", re.compile("|".join(self.triggers), re.MULTILINE)
            )

    @property
    def purpose(self) -> Purpose:
        return self.purpose_override or PURPOSE_OF_KIND[self.kind]

    @property
    def fixable(self) -> bool:
        return self.transformer is not None or self.text_fix is not None

    def triggered(self, text: str) -> bool:
        return self.trigger_re is not None and self.trigger_re.search(text) is not None

    @property
    def explanation(self) -> str:
        """``summary (pandas 1.0, deprecated 0.20). Modern: ...``: one level of parentheses, and
        no version where none applies (a runtime proposal is not an erosion)."""
        version = self.changed_in.strip(" -")
        version = re.sub(r"\s*\(([^()]*)\)", r", \1", version)
        where = f" ({self.library} {version})" if version else ""
        return f"{self.summary}{where}. Modern: {self.replacement}"


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one cell: where, why, and the cell as this rule alone fixes it."""

    rule_id: str
    library: str
    kind: Kind
    purpose: Purpose
    lines: tuple[int, ...]
    message: str
    explanation: str
    new_source: str | None
    hint: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "library": self.library,
            "kind": self.kind,
            "purpose": self.purpose,
            "lines": list(self.lines),
            "message": self.message,
            "explanation": self.explanation,
            "new_source": self.new_source,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class CellFindings:
    """The findings of one code cell, and the cell with every fixable finding applied."""

    index: int
    cell_id: str
    source: str
    findings: tuple[Finding, ...]
    fixed_source: str | None
    applied: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "cell_id": self.cell_id,
            "findings": [f.to_dict() for f in self.findings],
            "fixed_source": self.fixed_source,
            "applied": list(self.applied),
        }


UnfixableCategory = Literal["missing-file", "missing-module", "network"]


@dataclass(frozen=True)
class Unfixable:
    """An error no code patch can fix; ``message`` says so plainly, ``command`` may help."""

    category: UnfixableCategory
    message: str
    detail: str | None = None
    command: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "message": self.message,
            "detail": self.detail,
            "command": self.command,
        }
