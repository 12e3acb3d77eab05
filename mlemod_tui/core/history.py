"""Applied patches, undo and redo: every change restores to the exact previous source.

An AppliedPatch keeps the before and after source of every cell it touched, so undo is a plain
restore (no reverse diff that could fail to apply) and the journal can replay it verbatim.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlemod_tui.core.notebook import Notebook
from mlemod_tui.core.patch import Patch, PatchError, apply_patch, diff_sources
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.support_files import current_text, set_text


@dataclass(frozen=True)
class AppliedPatch:
    """One accepted change, as it was applied."""

    id: str
    kind: RepairKind
    source: str  # model name or rule:<id>
    rationale: str
    cell_ids: tuple[str, ...]
    diff: str  # the accepted hunks (or the user's edit) as a unified diff
    before: dict[str, str]
    after: dict[str, str]
    hunks_accepted: int
    hunks_rejected: int
    applied_at: str
    restores: str = ""  # the id of the approximation whose faithful cells this puts back

    @property
    def approximation(self) -> bool:
        """A runtime reduction: what it leaves is not the author's computation."""
        return RepairKind(self.kind).approximates and not self.restores

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["cell_ids"] = list(self.cell_ids)
        # Recorded (not only derived) so a reader of the journal or provenance sees it.
        data["approximation"] = self.approximation
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppliedPatch:
        return cls(
            id=str(data["id"]),
            kind=RepairKind(str(data["kind"])),
            source=str(data["source"]),
            rationale=str(data.get("rationale", "")),
            cell_ids=tuple(data["cell_ids"]),
            diff=str(data.get("diff", "")),
            before=dict(data["before"]),
            after=dict(data["after"]),
            hunks_accepted=int(data.get("hunks_accepted", 0)),
            hunks_rejected=int(data.get("hunks_rejected", 0)),
            applied_at=str(data.get("applied_at", "")),
            restores=str(data.get("restores", "")),
        )

    def provenance(self) -> dict[str, Any]:
        """What ``metadata.mlemod`` records: everything but the full before/after sources."""
        data = self.to_json()
        del data["before"], data["after"]
        return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_applied(
    notebook: Notebook,
    patch: Patch,
    *,
    kind: RepairKind | str,
    source: str,
    rationale: str,
    accepted: Collection[tuple[str, int]] | None = None,
    edited: Mapping[str, str] | None = None,
) -> AppliedPatch:
    """Compute (without applying) what accepting these hunks, or these edited cells, does.

    ``edited`` maps cell ids to the text the user wrote in the editor; it wins over hunks.
    Raises PatchError when the accepted hunks do not apply or nothing would change.
    """
    try:
        current = {cell_id: current_text(notebook, cell_id) for cell_id in patch.cell_ids()}
        for cell_id in edited or {}:
            current.setdefault(cell_id, current_text(notebook, cell_id))
    except KeyError as exc:
        raise PatchError(f"the patch names {exc.args[0]}, which is not in this notebook") from None
    after = apply_patch(current, patch, accepted) if accepted is None or accepted else {}
    after = {**current, **after, **(edited or {})}
    changed = {cid: text for cid, text in after.items() if text != current[cid]}
    if not changed:
        raise PatchError("nothing to apply: no accepted hunk changes a cell")
    total = patch.hunk_count()
    taken = total if accepted is None else len(accepted)
    diff = "".join(diff_sources(cid, current[cid], changed[cid]).to_diff() for cid in changed)
    return AppliedPatch(
        id=uuid.uuid4().hex[:12],
        kind=RepairKind(kind),
        source=source,
        rationale=rationale,
        cell_ids=tuple(changed),
        diff=diff,
        before={cid: current[cid] for cid in changed},
        after=changed,
        hunks_accepted=taken,
        hunks_rejected=max(total - taken, 0),
        applied_at=_now(),
    )


def approximations_in_force(applied: list[AppliedPatch]) -> list[AppliedPatch]:
    """The applied runtime reductions that no later applied patch has restored."""
    restored = {change.restores for change in applied if change.restores}
    return [change for change in applied if change.approximation and change.id not in restored]


def build_restoration(notebook: Notebook, change: AppliedPatch) -> AppliedPatch | None:
    """A patch putting back the cells an approximation changed, as the author wrote them;
    None when a later change rewrote those cells (the approximation is no longer there as
    it was applied, and restoring it would undo that change too)."""
    try:
        current = {cell_id: current_text(notebook, cell_id) for cell_id in change.cell_ids}
    except KeyError:
        return None
    if current != change.after:
        return None
    diff = "".join(
        diff_sources(cid, change.after[cid], change.before[cid]).to_diff() for cid in change.cell_ids
    )
    return AppliedPatch(
        id=uuid.uuid4().hex[:12],
        kind=change.kind,
        source=f"restore:{change.source}",
        rationale="the faithful cells back for a final run: a runtime reduction is an approximation",
        cell_ids=change.cell_ids,
        diff=diff,
        before=dict(change.after),
        after=dict(change.before),
        hunks_accepted=0,
        hunks_rejected=0,
        applied_at=_now(),
        restores=change.id,
    )


@dataclass
class PatchHistory:
    """The applied patches in order, and the undone ones waiting for redo."""

    applied: list[AppliedPatch] = field(default_factory=list)
    undone: list[AppliedPatch] = field(default_factory=list)

    def apply(self, notebook: Notebook, change: AppliedPatch) -> None:
        _set_sources(notebook, change.after)
        self.applied.append(change)
        self.undone.clear()

    def undo(self, notebook: Notebook) -> AppliedPatch | None:
        if not self.applied:
            return None
        change = self.applied.pop()
        _set_sources(notebook, change.before)
        self.undone.append(change)
        return change

    def redo(self, notebook: Notebook) -> AppliedPatch | None:
        if not self.undone:
            return None
        change = self.undone.pop()
        _set_sources(notebook, change.after)
        self.applied.append(change)
        return change


def _set_sources(notebook: Notebook, sources: Mapping[str, str]) -> None:
    for cell_id, text in sources.items():
        set_text(notebook, cell_id, text)
