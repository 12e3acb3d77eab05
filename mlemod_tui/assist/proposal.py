"""A proposal: what to change (a patch over cells), why, of which kind, and from where.

Proposals come from offline erosion rules or from a model; either way they are reviewed hunk by
hunk before anything is applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from mlemod_tui.assist.rules import Finding, apply_rules, match_crash, scan_source
from mlemod_tui.core.patch import Patch, diff_sources

ProposalKind = Literal["error-repair", "runtime-reduction", "score-calibration"]


@dataclass(frozen=True)
class Proposal:
    """A reviewable change. ``source`` is the model's name or ``rule:<id>[,<id>…]``."""

    kind: ProposalKind
    cell_id: str
    patch: Patch
    rationale: str
    source: str


def _kind_of(finding: Finding) -> ProposalKind:
    return finding.purpose  # the rules' purposes are exactly our proposal kinds


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
    cell_id: str, source: str, findings: list[Finding], kind: ProposalKind, *, preamble: str = ""
) -> Proposal | None:
    """One proposal combining the fixable findings of ``kind`` on one cell, applied in turn."""
    fixable = [f for f in findings if f.new_source is not None and _kind_of(f) == kind]
    if not fixable:
        return None
    new_source, applied = apply_rules(source, [f.rule_id for f in fixable], preamble=preamble)
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
    cell_id: str, source: str, ename: str, evalue: str, *, preamble: str = ""
) -> tuple[Proposal | None, list[str]]:
    """Rules that match this crash, as a proposal, plus hints for a model's prompt.

    Hints carry the explanations of matching rules that have no automatic fix (a removed
    dataset, a graph-mode API) or whose code is in another cell.
    """
    findings = match_crash(source, ename, evalue, preamble=preamble)
    static = [f for f in scan_source(source, preamble=preamble) if f.new_source is not None]
    seen = {f.rule_id for f in findings}
    findings += [f for f in static if f.rule_id not in seen and _kind_of(f) == "error-repair"]
    proposal = rule_proposal(cell_id, source, findings, "error-repair", preamble=preamble)
    hints = [f.hint or f.explanation for f in findings if f.new_source is None]
    return proposal, hints


def proposals_for_kind(
    sources: Mapping[str, str], kind: ProposalKind, *, preamble: str = ""
) -> list[Proposal]:
    """Static rule proposals of one kind (score-calibration, runtime-reduction) over cells."""
    proposals = []
    runtime = kind == "runtime-reduction"
    for cell_id, source in sources.items():
        findings = scan_source(source, preamble=preamble, include_runtime=runtime)
        proposal = rule_proposal(cell_id, source, findings, kind, preamble=preamble)
        if proposal is not None:
            proposals.append(proposal)
    return proposals
