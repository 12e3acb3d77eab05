"""A proposal: what to change (a patch over cells), why, of which kind, and from where.

Proposals come from offline erosion rules or from a model; either way they are reviewed hunk by
hunk before anything is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from mlemod_tui.assist.rules import RULES_BY_ID, Finding, apply_rules, match_crash, scan_source
from mlemod_tui.assist.rules.context import CrashInfo, RuleContext
from mlemod_tui.assist.rules.engine import make_context
from mlemod_tui.core.patch import Patch, diff_sources
from mlemod_tui.core.repair_kind import RepairKind


@dataclass(frozen=True)
class Proposal:
    """A reviewable change. ``source`` is the model's name or ``rule:<id>[,<id>…]``."""

    kind: RepairKind
    cell_id: str
    patch: Patch
    rationale: str
    source: str


def _kind_of(finding: Finding) -> RepairKind:
    return RepairKind(finding.purpose)  # the rules' purposes are the repair kinds' values


def import_preamble(sources: list[str]) -> str:
    """Every import line of the notebook: tells the rules what ``pd`` or ``np`` mean in a
    cell that does not import them itself."""
    lines = [
        line
        for source in sources
        for line in source.splitlines()
        if line.lstrip().startswith(("import ", "from ")) and not line.startswith((" ", "\t"))
    ]
    return "\n".join(lines)


def rule_proposal(
    cell_id: str,
    source: str,
    findings: list[Finding],
    kind: RepairKind,
    *,
    preamble: str = "",
    context: RuleContext | None = None,
) -> Proposal | None:
    """One proposal combining the fixable findings of ``kind`` on one cell, applied in turn."""
    fixable = [f for f in findings if f.new_source is not None and _kind_of(f) == kind]
    if not fixable:
        return None
    ids = [f.rule_id for f in fixable]
    new_source, applied = apply_rules(source, ids, preamble=preamble, context=context)
    if not applied or new_source == source:
        # A crash-only rule applies through match_crash's own rewrite.
        new_source = fixable[0].new_source or source
        applied = [fixable[0].rule_id]
    if new_source == source:
        return None
    patch = Patch((diff_sources(cell_id, source, new_source),))
    used = [f for f in fixable if f.rule_id in applied] or fixable[:1]
    rationale = "\n".join(f"{f.rule_id}: {f.explanation}" for f in used)
    return Proposal(kind, cell_id, patch, rationale, "rule:" + ",".join(f.rule_id for f in used))


def repair_proposal_from_rules(
    cell_id: str,
    source: str,
    ename: str,
    evalue: str,
    *,
    preamble: str = "",
    notebook: Mapping[str, str] | None = None,
    line: int | None = None,
    axis_types: Mapping[str, tuple[str | None, str | None]] | None = None,
    siblings: Mapping[str, str] | None = None,
) -> tuple[Proposal | None, list[str]]:
    """Rules that match this crash, as a proposal, plus hints for a model's prompt.

    ``line`` is the cell's line the traceback points at. The crash names the erosion; its
    site may be elsewhere in ``notebook`` (every code cell,
    by id, in order): the keyword in a dict built two cells up, the uses of a name whose import
    the fix renames. So the rules the crash named are applied to every other cell too, and the
    proposal patches every cell they change. Hints carry the explanations of matching rules
    that have no automatic fix (a removed dataset, a graph-mode API). ``axis_types`` is what
    the kernel said about the objects the cells index (``.ix`` needs it). ``siblings`` are
    more sources (the other modules of a helper package) the same fix extends to.
    """
    notebook = notebook or {}
    whole = "\n".join(notebook.values())

    def context_for(text: str) -> RuleContext:
        ctx = make_context(text, preamble=preamble, notebook_text=whole)
        return replace(ctx, axis_types=dict(axis_types or {}))

    ctx = context_for(source)
    findings = match_crash(source, ename, evalue, context=ctx, line=line)
    static = [f for f in scan_source(source, context=ctx) if f.new_source is not None]
    seen = {f.rule_id for f in findings}
    findings += [f for f in static if f.rule_id not in seen and _kind_of(f) == RepairKind.ERROR_REPAIR]
    # The crash-only fixes need the crash to rewrite anything when applied with the others.
    lines = source.splitlines()
    failing = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
    crashed = replace(ctx, crash=CrashInfo(ename, evalue, failing))
    proposal = rule_proposal(cell_id, source, findings, RepairKind.ERROR_REPAIR, context=crashed)
    named = [f.rule_id for f in findings if _kind_of(f) == RepairKind.ERROR_REPAIR]
    elsewhere = _same_fix_elsewhere(named, cell_id, {**notebook, **(siblings or {})}, context_for)
    if elsewhere:
        proposal = _with_cells(proposal, elsewhere, findings)
    used = set(proposal.source.removeprefix("rule:").split(",")) if proposal else set()
    # Each hint names its rule: the prompt and the person both see who recognised the crash.
    hints = [
        f"{f.rule_id}: {f.hint or f.explanation}"
        for f in findings
        if f.new_source is None and f.rule_id not in used
    ]
    return proposal, hints


def _same_fix_elsewhere(
    rule_ids: list[str],
    crashed: str,
    notebook: Mapping[str, str],
    context_for: Callable[[str], RuleContext],
) -> dict[str, tuple[str, str, list[str]]]:
    """Cell id -> (old, new, rule ids) for the other cells the named rules change."""
    fixable = [rid for rid in dict.fromkeys(rule_ids) if RULES_BY_ID[rid].fixable]
    if not fixable:
        return {}
    changed: dict[str, tuple[str, str, list[str]]] = {}
    for other_id, other in notebook.items():
        if other_id == crashed:
            continue
        new, applied = apply_rules(other, fixable, context=context_for(other))
        if applied and new != other:
            changed[other_id] = (other, new, applied)
    return changed


def _with_cells(
    proposal: Proposal | None,
    elsewhere: Mapping[str, tuple[str, str, list[str]]],
    findings: list[Finding],
) -> Proposal:
    """``proposal`` (or none) extended by the same rules' changes to other cells."""
    diffs = list(proposal.patch.cells) if proposal is not None else []
    diffs += [diff_sources(cid, old, new) for cid, (old, new, _) in elsewhere.items()]
    ids = list(proposal.source.removeprefix("rule:").split(",")) if proposal else []
    ids += [rid for _, _, applied in elsewhere.values() for rid in applied]
    ids = list(dict.fromkeys(ids))
    by_id = {f.rule_id: f for f in findings}
    rationale = "\n".join(
        f"{rid}: {by_id[rid].explanation if rid in by_id else RULES_BY_ID[rid].explanation}"
        for rid in ids
    )
    others = len(elsewhere)
    rationale += f"\n(the same fix in {others} other cell{'s' if others != 1 else ''})"
    first = proposal.cell_id if proposal is not None else next(iter(elsewhere))
    return Proposal(
        RepairKind.ERROR_REPAIR,
        first,
        Patch(tuple(diffs)),
        rationale,
        "rule:" + ",".join(ids),
    )


def proposals_for_kind(
    sources: Mapping[str, str], kind: RepairKind, *, preamble: str = ""
) -> list[Proposal]:
    """Static rule proposals of one kind (score-calibration, runtime-reduction) over cells."""
    proposals = []
    runtime = kind == RepairKind.RUNTIME_REDUCTION
    for cell_id, source in sources.items():
        findings = scan_source(source, preamble=preamble, include_runtime=runtime)
        proposal = rule_proposal(cell_id, source, findings, kind, preamble=preamble)
        if proposal is not None:
            proposals.append(proposal)
    return proposals
