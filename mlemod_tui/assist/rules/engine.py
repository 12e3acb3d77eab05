"""Run the rules over a cell or a notebook: scan, fix, and match a crash to its cause.

Cheap first: one combined regex over every rule's trigger tokens decides whether a cell is
parsed at all, so a clean 1,000-cell notebook costs a regex pass, not 1,000 libcst parses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import libcst as cst

from mlemod_tui.assist.rules.context import CrashInfo, RuleContext, collect_imports, star_imports
from mlemod_tui.assist.rules.model import CellFindings, Finding, Rule
from mlemod_tui.assist.rules.prefilter import candidates, triggered
from mlemod_tui.assist.rules.registry import RULES, RULES_BY_ID
from mlemod_tui.assist.rules.source import Masked, mask_magics
from mlemod_tui.assist.rules.walk import Parsed, visit


def make_context(
    source: str,
    *,
    preamble: str = "",
    notebook_imports: dict[str, str] | None = None,
    notebook_text: str = "",
) -> RuleContext:
    """The context for one cell: its imports, the notebook's (or a preamble's), its text."""
    imports = dict(notebook_imports or {})
    if preamble:
        imports.update(collect_imports([preamble]))
    text = notebook_text or (preamble + "\n" + source)
    return RuleContext(
        cell_imports=collect_imports([source]),
        notebook_imports=imports,
        notebook_text=text,
        source=source,
        star_modules=star_imports([text, source]),
    )


def _selected(rule_ids: Iterable[str] | None, *, include_runtime: bool) -> tuple[Rule, ...]:
    if rule_ids is None:
        return RULES if include_runtime else _DEFAULT_RULES
    wanted = set(rule_ids)
    unknown = wanted - RULES_BY_ID.keys()
    if unknown:
        raise KeyError(f"unknown rule id(s): {', '.join(sorted(unknown))}")
    return tuple(rule for rule in RULES if rule.id in wanted)


_DEFAULT_RULES = tuple(rule for rule in RULES if rule.kind != "runtime")


@lru_cache(maxsize=64)
def _static(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The rules that can see an erosion in code alone (crash-only ones need the crash)."""
    return tuple(rule for rule in rules if not rule.crash_only)


def _parse(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


def _text_fixes(
    masked: Masked, rules: Sequence[Rule]
) -> tuple[str, list[tuple[Rule, list[int], str]]]:
    """Text-level fixes of Python 2 syntax (before parsing: such cells do not parse), in order."""
    text = masked.text
    done: list[tuple[Rule, list[int], str]] = []
    for rule in rules:
        if rule.text_fix is None:
            continue
        alone, lines = rule.text_fix(masked.text)
        if not lines:
            continue
        text, _ = rule.text_fix(text)
        done.append((rule, lines, masked.restore(alone)))
    return text, done


def _finding(
    rule: Rule, lines: Iterable[int], new_source: str | None, notes: Iterable[str] = ()
) -> Finding:
    hints = [n for n in dict.fromkeys(notes) if n]
    if rule.hint:
        hints.append(rule.hint)
    return Finding(
        rule_id=rule.id,
        library=rule.library,
        kind=rule.kind,
        purpose=rule.purpose,
        lines=tuple(sorted(set(lines))),
        message=rule.summary,
        explanation=rule.explanation,
        new_source=new_source,
        hint=" ".join(hints) or None,
    )


def scan_source(
    source: str,
    rule_ids: Iterable[str] | None = None,
    *,
    preamble: str = "",
    context: RuleContext | None = None,
    include_runtime: bool = False,
) -> list[Finding]:
    """What the rules find in one cell, each with the cell as that rule alone would fix it.

    ``preamble`` is earlier code (usually the notebook's imports) that says what names mean.
    Runtime-reduction rules are proposals for a budget, not erosions: only on request.
    """
    rules = candidates(source, _static(_selected(rule_ids, include_runtime=include_runtime)))
    if not rules:
        return []
    return _scan(source, rules, context or make_context(source, preamble=preamble)).findings


@dataclass
class _Scanned:
    findings: list[Finding]
    fixed: str | None = None  # the cell with every chained rule's fix, one after another
    applied: list[str] = field(default_factory=list)


def _scan(
    source: str,
    rules: Sequence[Rule],
    ctx: RuleContext,
    chain: Callable[[Rule], bool] | None = None,
) -> _Scanned:
    """Each rule on the original cell (independent findings); the rules ``chain`` accepts are
    also applied one after another, reusing the first rewrite instead of parsing again."""
    masked = mask_magics(source)
    if masked is None:
        return _Scanned([])
    text, done = _text_fixes(masked, rules)
    result = _Scanned([_finding(rule, lines, new) for rule, lines, new in done])
    result.applied = [rule.id for rule, _, _ in done if chain is not None and chain(rule)]
    module = _parse(text)
    if module is None:
        if result.applied:
            result.fixed = masked.restore(text)
        return result
    parsed = chained = Parsed.of(module, text)
    for rule in rules:
        if rule.transformer is None:
            continue
        found = visit(rule, parsed, ctx)
        if found is None or not found.hits:
            continue
        code = found.module.code if found.changed else None
        new_source = masked.restore(code) if code is not None else None
        if new_source == source:
            new_source = None
        result.findings.append(_finding(rule, found.lines(parsed), new_source, found.notes))
        if new_source is None or chain is None or not chain(rule):
            continue
        if chained is parsed:  # nothing applied yet: this rewrite is the first link
            chained = Parsed.of(found.module, code)
        else:
            step = visit(rule, chained, ctx)
            if step is None or not step.changed:
                continue
            chained = Parsed.of(step.module)
        result.applied.append(rule.id)
    result.findings.sort(key=lambda f: (f.lines[:1] or (0,), _ORDER[f.rule_id]))
    if result.applied:
        result.fixed = masked.restore(chained.code if chained is not parsed else text)
    return result


_ORDER = {rule.id: i for i, rule in enumerate(RULES)}


def apply_rules(
    source: str,
    rule_ids: Iterable[str] | None = None,
    *,
    preamble: str = "",
    context: RuleContext | None = None,
) -> tuple[str, list[str]]:
    """The cell with the rules' fixes applied one after another, and the ids that changed it.

    With no ``rule_ids``: every fixable erosion rule (runtime reductions only when named).
    """
    rules = [
        r
        for r in _selected(rule_ids, include_runtime=rule_ids is not None)
        if r.fixable and (not r.crash_only or (context is not None and context.crash))
    ]
    rules = candidates(source, tuple(rules)) if rules else []
    if not rules:
        return source, []
    masked = mask_magics(source)
    if masked is None:
        return source, []
    ctx = context or make_context(source, preamble=preamble)
    text, done = _text_fixes(masked, rules)
    applied = [rule.id for rule, _, _ in done]
    module = _parse(text)
    if module is None:
        return (masked.restore(text) if applied else source), applied
    parsed = Parsed.of(module, text)
    for rule in rules:
        if rule.transformer is None or not triggered(rule, parsed.code):
            continue
        found = visit(rule, parsed, ctx)
        if found is not None and found.changed:
            parsed = Parsed.of(found.module)
            applied.append(rule.id)
    return (masked.restore(parsed.code) if applied else source), applied


def match_crash(
    source: str,
    ename: str,
    evalue: str,
    *,
    preamble: str = "",
    context: RuleContext | None = None,
    line: int | None = None,
) -> list[Finding]:
    """The rules a crash's exception names, best first: those that can point at the cell's code.

    A rule whose code pattern is not in this cell still comes back, without lines or a fix:
    the erosion may sit in an earlier cell, and its explanation still helps. ``line`` is the
    cell's line the traceback points at (1-based), for rules that fix only there.
    """
    matched = [r for r in RULES if r.crash is not None and r.crash.matches(ename, evalue)]
    if not matched:
        return []
    ctx = context or make_context(source, preamble=preamble)
    lines = source.splitlines()
    line_text = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    ctx = replace(ctx, crash=CrashInfo(ename, evalue, line_text))
    masked = mask_magics(source)
    with_code: list[Finding] = []
    without: list[Finding] = []
    parsed = None
    if masked is not None:
        text, done = _text_fixes(masked, matched)
        with_code += [_finding(rule, lines, new) for rule, lines, new in done]
        module = _parse(text)
        parsed = Parsed.of(module, text) if module is not None else None
    seen = {f.rule_id for f in with_code}
    for rule in matched:
        if rule.id in seen:
            continue
        found = visit(rule, parsed, ctx) if parsed is not None and rule.transformer else None
        if found is None or not found.hits:
            if not rule.needs_code:
                without.append(_finding(rule, (), None))
            continue
        assert masked is not None and parsed is not None
        new_source = masked.restore(found.module.code) if found.changed else None
        with_code.append(_finding(rule, found.lines(parsed), new_source, found.notes))
    return with_code + without


def scan_notebook(
    notebook: Any,
    rule_ids: Iterable[str] | None = None,
    *,
    include_warnings: bool = True,
    include_runtime: bool = False,
) -> list[CellFindings]:
    """Findings per code cell (only cells with findings), with each cell fully fixed.

    ``notebook`` is a core ``Notebook`` or an nbformat node. Every cell's imports count for
    every other cell: notebooks import once at the top and are often run out of order.
    """
    from mlemod_tui.core.notebook import source_text

    cells = list(notebook.cells)
    sources = [
        (i, cell, source_text(cell))
        for i, cell in enumerate(cells)
        if cell.get("cell_type") == "code"
    ]
    imports = collect_imports(src for _, _, src in sources)
    notebook_text = "\n".join(src for _, _, src in sources)
    stars = star_imports([notebook_text])
    ids = tuple(rule_ids) if rule_ids is not None else None
    result: list[CellFindings] = []
    static = _static(_selected(ids, include_runtime=include_runtime))

    def wanted(rule: Rule) -> bool:
        return include_warnings or rule.kind != "warning-only"

    for index, cell, source in sources:
        rules = candidates(source, static)
        if not rules:
            continue  # most cells: one regex pass, nothing else
        ctx = RuleContext(
            cell_imports=collect_imports([source]),
            notebook_imports=imports,
            notebook_text=notebook_text,
            source=source,
            star_modules=stars,
        )
        scanned = _scan(source, rules, ctx, chain=wanted)
        findings = [f for f in scanned.findings if wanted(RULES_BY_ID[f.rule_id])]
        if not findings:
            continue
        fixed, applied = scanned.fixed, scanned.applied
        result.append(
            CellFindings(
                index=index,
                cell_id=str(cell.get("id") or f"cell-{index}"),
                source=source,
                findings=tuple(findings),
                fixed_source=fixed,
                applied=tuple(applied),
            )
        )
    return result
