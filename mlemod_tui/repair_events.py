"""What the repair flow tells the front ends: the problem it works on, and typed events.

The TUI renders these; the headless loop prints and journals them. Neither decides what they
mean: the flow (:mod:`mlemod_tui.repair_flow`) does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlemod_tui.assist.proposer import ProposalOutcome
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.history import AppliedPatch
from mlemod_tui.core.repair_kind import RepairKind


@dataclass(frozen=True)
class Problem:
    """What stands between the notebook and a reproducible run, and the cell to ask about
    (None: the run was interrupted, there is no cell to repair)."""

    kind: RepairKind
    index: int | None
    description: str


@dataclass(frozen=True)
class Verdict:
    """Whether the notebook got further with a patch, and why (or why not)."""

    kept: bool
    reason: str
    result: RunResult


@dataclass(frozen=True)
class ProposalReady:
    problem: Problem
    outcome: ProposalOutcome  # a proposal, or why there is none


@dataclass(frozen=True)
class PatchRefused:
    """Not applied: the static check found it removes a name a later cell uses."""

    problem: Problem
    change: AppliedPatch
    reason: str


@dataclass(frozen=True)
class PatchApplied:
    problem: Problem
    change: AppliedPatch


@dataclass(frozen=True)
class PatchVerified:
    """The re-run after the patch got further: it stays."""

    problem: Problem
    change: AppliedPatch
    verdict: Verdict


@dataclass(frozen=True)
class PatchNotVerified:
    """The re-run after the patch did not get further (unattended, it is rolled back next;
    in the TUI the person decides, one key undoes it)."""

    problem: Problem
    change: AppliedPatch
    verdict: Verdict


@dataclass(frozen=True)
class PatchRolledBack:
    problem: Problem
    change: AppliedPatch
    reason: str


@dataclass(frozen=True)
class CleanRunFinished:
    """A fresh kernel ran the whole notebook in the session's order: the verdict that counts."""

    result: RunResult


FlowEvent = (
    ProposalReady
    | PatchRefused
    | PatchApplied
    | PatchVerified
    | PatchNotVerified
    | PatchRolledBack
    | CleanRunFinished
)
FlowListener = Callable[[FlowEvent], None]
