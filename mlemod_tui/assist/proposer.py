"""Where a proposal comes from: the offline rules first, then the model.

Rules answer instantly and explain themselves; the model gets the hard cases, with the rules'
hints in its prompt. The model's answer is streamed to a callback (the review screen shows it
live) and turned into a patch, or into a clear reason why it could not be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlemod_tui.assist.axis_types import AxisTypes, ix_receivers, read_axis_types
from mlemod_tui.assist.context import (
    PromptContext,
    build_repair_context,
    build_runtime_context,
    build_score_context,
)
from mlemod_tui.assist.ollama_backend import OllamaBackend, num_ctx_for
from mlemod_tui.assist.prompts import messages_for
from mlemod_tui.assist.proposal import (
    Proposal,
    import_preamble,
    proposals_for_kind,
    repair_proposal_from_rules,
)
from mlemod_tui.assist.replies import parse_reply
from mlemod_tui.assist.rules import Unfixable, classify_error
from mlemod_tui.assist.tracebacks import cell_frames, failing_line, file_frames
from mlemod_tui.assist.upstream import upstream_silent_change
from mlemod_tui.core.notebook import source_text
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.core.support_files import (
    current_text,
    is_support_id,
    sibling_modules,
    support_id,
)
from mlemod_tui.errors import MlemodError

TokenListener = Callable[[str], None]


@dataclass(frozen=True)
class ProposalOutcome:
    """What asking for a proposal gave: a proposal, or why not (and the model's raw text)."""

    proposal: Proposal | None
    reason: str | None = None
    answer: str = ""
    unfixable: Unfixable | None = None
    hints: tuple[str, ...] = ()
    prompt_tokens: int = 0


def rule_repair(
    session: NotebookSession,
    index: int,
    axis_types: AxisTypes | None = None,
    *,
    support_files: bool = False,
) -> ProposalOutcome:
    """Offline answer for the crashed cell ``index``: a rule fix, an unfixable verdict, or
    hints for the model. ``axis_types`` is what the kernel said about indexed objects;
    ``support_files`` lets a fix land in a helper module beside the notebook."""
    run = session.runner.runs.get(index)
    if run is None or run.error is None:
        return ProposalOutcome(None, reason=f"cell {index} has no error to repair")
    error = run.error
    unfixable = classify_error(error.ename, error.evalue, error.traceback)
    if unfixable is not None:
        return ProposalOutcome(None, reason=unfixable.message, unfixable=unfixable)
    notebook = session.notebook
    cells = {notebook.cells[i].id: source_text(notebook.cells[i]) for i in notebook.code_cell_indices()}
    preamble = import_preamble(list(cells.values()))
    hints: list[str] = []
    proposal = fallback = None
    for site, text, line in _crash_sites(session, index, error.traceback, support_files):
        proposal, found = repair_proposal_from_rules(
            site,
            text,
            error.ename,
            error.evalue,
            preamble="" if is_support_id(site) else preamble,
            notebook=cells,
            line=line,
            axis_types=axis_types,
            siblings=sibling_modules(notebook, site) if is_support_id(site) else None,
        )
        hints += [hint for hint in found if hint not in hints]
        if proposal is not None and site in proposal.patch.cell_ids():
            break
        # A rule the crash names changed other cells but not this site: the erosion itself
        # may sit deeper (the helper module the traceback goes on into).
        fallback = fallback or proposal
        proposal = None
    proposal = proposal or fallback or upstream_silent_change(notebook, index, preamble)
    if proposal is not None:
        reason = None
    elif hints:
        names = ", ".join(dict.fromkeys(hint.split(":", 1)[0] for hint in hints))
        reason = f"no offline rule fixes this error safely; {names} recognises it (see the hint)"
    else:
        reason = "no offline rule matches this error"
    return ProposalOutcome(proposal, reason=reason, hints=tuple(hints))


def _crash_sites(
    session: NotebookSession, index: int, traceback: list[str], support_files: bool
) -> list[tuple[str, str, int | None]]:
    """Where to look for the erosion, in turn (id, source, line): the crashed cell at its
    failing line, then the cells whose functions the traceback passes through, then (when
    allowed) the notebook's own helper modules it passes through, deepest first."""
    notebook = session.notebook
    crashed = notebook.cells[index]
    sites: list[tuple[str, str, int | None]] = [
        (crashed.id, source_text(crashed), failing_line(traceback))
    ]
    by_count = {
        run.execution_count: run.index
        for run in session.runner.runs.values()
        if run.execution_count is not None
    }
    for count, line in reversed(cell_frames(traceback)[1:]):
        site = by_count.get(count) if count is not None else None
        if site is not None:
            cell = notebook.cells[site]
            sites.append((cell.id, source_text(cell), line))
    if support_files:
        for path, file_line in reversed(file_frames(traceback)):
            file_id = support_id(notebook, path)
            if file_id is None:
                continue
            try:
                sites.append((file_id, current_text(notebook, file_id), file_line))
            except KeyError:
                continue
    unique: dict[tuple[str, int | None], tuple[str, str, int | None]] = {}
    for where in sites:
        unique.setdefault((where[0], where[2]), where)
    return list(unique.values())


async def kernel_facts(session: NotebookSession) -> AxisTypes:
    """What the rules may ask the live kernel after a crash (silently; nothing on failure)."""
    notebook = session.notebook
    receivers = ix_receivers([source_text(notebook.cells[i]) for i in notebook.code_cell_indices()])
    if not receivers or not await session.kernel.is_alive():
        return {}
    try:
        return await read_axis_types(session.kernel, receivers)
    except MlemodError:
        return {}


def rule_proposals(session: NotebookSession, kind: RepairKind) -> list[Proposal]:
    """Static rule proposals for score-calibration or runtime-reduction over every code cell."""
    notebook = session.notebook
    sources = {notebook.cells[i].id: source_text(notebook.cells[i]) for i in notebook.code_cell_indices()}
    return proposals_for_kind(sources, kind, preamble=import_preamble(list(sources.values())))


class ModelProposer:
    """Asks a model served by Ollama for a proposal of one kind about one cell."""

    def __init__(self, backend: OllamaBackend) -> None:
        self.backend = backend

    async def propose(
        self,
        session: NotebookSession,
        kind: RepairKind,
        index: int,
        *,
        on_token: TokenListener | None = None,
        hints: tuple[str, ...] = (),
        instruction: str | None = None,
        previous_rejection: str | None = None,
    ) -> ProposalOutcome:
        context = await self._context(session, kind, index, hints)
        cell = session.notebook.cells[index]
        messages = messages_for(
            context,
            cell_id=cell.id,
            instruction=instruction,
            previous_rejection=previous_rejection,
        )
        prompt_tokens = context.tokens()
        parts: list[str] = []
        async for chunk in self.backend.stream_chat(messages, num_ctx=num_ctx_for(messages)):
            if chunk.text:
                parts.append(chunk.text)
                if on_token is not None:
                    on_token(chunk.text)
        answer = "".join(parts)
        sources = {c.id: source_text(c) for c in session.notebook.cells if c.cell_type == "code"}
        parsed = parse_reply(answer, target_cell_id=cell.id, sources=sources)
        if parsed.patch is None:
            return ProposalOutcome(
                None, reason=parsed.error, answer=answer, prompt_tokens=prompt_tokens
            )
        proposal = Proposal(kind, cell.id, parsed.patch, parsed.rationale, self.backend.model)
        return ProposalOutcome(proposal, answer=answer, prompt_tokens=prompt_tokens)

    async def _context(
        self, session: NotebookSession, kind: RepairKind, index: int, hints: tuple[str, ...]
    ) -> PromptContext:
        environment = session.environment
        versions = dict(environment.versions) if environment else {}
        python = environment.python if environment else "unknown"
        notebook = session.notebook
        if kind == RepairKind.ERROR_REPAIR:
            run = session.runner.runs[index]
            assert run.error is not None
            kernel = session.kernel if session.kernel.state == "idle" else None
            return await build_repair_context(
                notebook, index, run.error, kernel=kernel, versions=versions, python=python, hints=hints
            )
        if kind == RepairKind.RUNTIME_REDUCTION:
            return build_runtime_context(
                notebook,
                today=session.today_seconds(),
                stored=session.stored_seconds,
                budget=session.budget,
                versions=versions,
                python=python,
            )
        comparison = session.score_comparison()
        assert comparison.reference is not None
        return build_score_context(
            notebook,
            reference=comparison.reference,
            today=comparison.today,
            tolerance=comparison.tolerance,
            changed_defaults=hints,
            versions=versions,
            python=python,
        )
