"""Running one rule over a parsed cell, cheaply.

A libcst transformer rebuilds every node it passes, so a rule visits only the top-level
statements whose own text matches its trigger tokens (or that a transformer asks for), and
line numbers come from the standard ``ast`` positions of statements; libcst's
PositionProvider runs only for a hit inside a statement spanning several lines.
"""

from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from mlemod_tui.assist.rules.context import RuleContext
from mlemod_tui.assist.rules.cst_tools import Hit, RuleTransformer, add_imports
from mlemod_tui.assist.rules.model import Rule

logger = logging.getLogger(__name__)


@dataclass
class Parsed:
    """A parsed cell; each top-level statement's text, first and last line (1-based) are
    worked out on first use (a cell whose rules need neither never pays for them)."""

    module: cst.Module
    code: str
    _texts: list[str] | None = None
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)
    _inner: dict[int, dict[cst.CSTNode, int]] = field(default_factory=dict)
    _index: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, module: cst.Module, code: str | None = None) -> Parsed:
        return cls(module, module.code if code is None else code)

    @property
    def texts(self) -> list[str]:
        if self._texts is None:
            self._split()
        assert self._texts is not None
        return self._texts

    def _split(self) -> None:
        spans = _statement_spans(self.code, len(self.module.body))
        if spans is None:  # ast and libcst disagree (should not happen): resolve positions once
            positions = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(
                PositionProvider
            )
            spans = [(positions[s].start.line, positions[s].end.line) for s in self.module.body]
        lines = self.code.splitlines(keepends=True)
        self._texts = ["".join(lines[start - 1 : end]) for start, end in spans]
        self._starts = [start for start, _ in spans]
        self._ends = [end for _, end in spans]
        self._index = {id(stmt): i for i, stmt in enumerate(self.module.body)}

    def statement_of(self, node: cst.CSTNode | None) -> int | None:
        if self._texts is None:
            self._split()
        return self._index.get(id(node)) if node is not None else None

    def line_of(self, hit: Hit) -> int | None:
        """The 1-based line of a hit's (original) node."""
        index = self.statement_of(hit.statement)
        if index is None:
            return None
        if self._starts[index] == self._ends[index] or hit.node is hit.statement:
            return self._starts[index]
        if index not in self._inner:
            stmt = self.module.body[index]
            alone = cst.Module(body=[stmt], header=[], footer=[])
            positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
            base = self._starts[index] - positions[stmt].start.line
            self._inner[index] = {n: base + p.start.line for n, p in positions.items()}
        return self._inner[index].get(hit.node)


def _statement_spans(code: str, count: int) -> list[tuple[int, int]] | None:
    """(first, last) line of each top-level statement as libcst groups them."""
    try:
        body = ast.parse(code).body
    except (SyntaxError, ValueError, RecursionError):
        return None
    spans: list[tuple[int, int]] = []
    for node in body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        last = node.end_lineno or node.lineno
        if spans and first == spans[-1][1]:  # ``a = 1; b = 2``: one libcst statement line
            spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
        else:
            spans.append((first, last))
    return spans if len(spans) == count else None


@dataclass
class Visit:
    """What one rule found in a cell, and the cell as it rewrote it."""

    hits: list[Hit]
    module: cst.Module
    changed: bool

    def lines(self, parsed: Parsed) -> list[int]:
        found = (parsed.line_of(hit) for hit in self.hits)
        return [line for line in found if line is not None]

    @property
    def notes(self) -> list[str]:
        return [hit.note for hit in self.hits if hit.note]


def visit(rule: Rule, parsed: Parsed, ctx: RuleContext) -> Visit | None:
    """Run ``rule`` over the statements it may concern (or the whole cell if it must)."""
    assert rule.transformer is not None
    try:
        transformer = rule.transformer(ctx)
        if transformer.whole_module or rule.trigger_re is None:
            new = parsed.module.visit(transformer)
        else:
            new = _visit_statements(rule.trigger_re, parsed, transformer)
        if transformer.changed:
            new = add_imports(new, transformer.imports)
    except Exception:  # one faulty rule must not take the scan of a notebook down with it
        logger.warning("rule %s failed on a cell; skipped", rule.id, exc_info=True)
        return None
    return Visit(
        transformer.hits, new if transformer.changed else parsed.module, transformer.changed
    )


def _visit_statements(
    trigger: re.Pattern[str], parsed: Parsed, transformer: RuleTransformer
) -> cst.Module:
    extra = transformer.extra_statements
    body: list[cst.BaseStatement] = []
    touched = False
    for stmt, text in zip(parsed.module.body, parsed.texts, strict=True):
        if not (trigger.search(text) or (extra is not None and extra.search(text))):
            body.append(stmt)
            continue
        new = stmt.visit(transformer)
        if isinstance(new, cst.FlattenSentinel):
            body.extend(new.nodes)
            touched = True
        elif isinstance(new, cst.RemovalSentinel):
            touched = True
        else:
            body.append(new)
            touched = touched or new is not stmt
    return parsed.module.with_changes(body=body) if touched else parsed.module
