"""The assistant the front ends talk to: offline rules always, the model when Ollama serves it.

It knows whether the model is available (checked once, said once) and never blocks running
cells: an unreachable server only means proposals come from the rules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from mlemod_tui.assist.axis_types import AxisTypes
from mlemod_tui.assist.ollama_backend import OllamaBackend, PullProgress, ServerStatus
from mlemod_tui.assist.proposer import (
    ModelProposer,
    ProposalOutcome,
    TokenListener,
    kernel_facts,
    rule_proposals,
    rule_repair,
)
from mlemod_tui.config import Settings
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.model_server import ModelServer


class Assistant:
    """Rules first, then the model; one object per app."""

    def __init__(self, backend: OllamaBackend | None) -> None:
        self.backend = backend
        self.status: ServerStatus | None = None
        # Where model requests go (and how many went): said at start, saved in the provenance.
        self.server = ModelServer(backend.host, backend.model) if backend is not None else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        return cls(
            OllamaBackend(
                settings.ollama_host,
                settings.model,
                request_timeout=settings.request_timeout,
                connect_timeout=settings.connect_timeout,
            )
        )

    @property
    def model_ready(self) -> bool:
        return self.backend is not None and self.status is not None and self.status.ready

    async def check(self) -> ServerStatus | None:
        """Is the server reachable, is the model there? Never raises."""
        if self.backend is None:
            return None
        self.status = await self.backend.status()
        return self.status

    def pull(self) -> AsyncIterator[PullProgress]:
        assert self.backend is not None
        return self.backend.pull()

    async def rules(
        self,
        session: NotebookSession,
        kind: RepairKind,
        index: int,
        *,
        support_files: bool = False,
    ) -> ProposalOutcome:
        """What the rules offer, after asking the live kernel what they need to know (the axes
        of objects indexed with ``.ix``): one silent request, only when a cell needs it.
        ``support_files`` lets a fix land in a helper module beside the notebook."""
        facts = await kernel_facts(session) if kind == RepairKind.ERROR_REPAIR else {}
        return self.offline(session, kind, index, axis_types=facts, support_files=support_files)

    def offline(
        self,
        session: NotebookSession,
        kind: RepairKind,
        index: int,
        *,
        axis_types: AxisTypes | None = None,
        support_files: bool = False,
    ) -> ProposalOutcome:
        """What the rules offer, instantly, from the code alone (and ``axis_types``)."""
        if kind == RepairKind.ERROR_REPAIR:
            return rule_repair(session, index, axis_types, support_files=support_files)
        proposals = rule_proposals(session, kind)
        applied = {change.source for change in session.history.applied}
        fresh = [p for p in proposals if p.source not in applied]
        if fresh:
            return ProposalOutcome(fresh[0])
        return ProposalOutcome(None, reason=f"no offline rule offers a {kind} here")

    async def ask_model(
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
        assert self.backend is not None and self.server is not None
        self.server.requests += 1  # counted before sending: a failed request may still have left
        return await ModelProposer(self.backend).propose(
            session,
            kind,
            index,
            on_token=on_token,
            hints=hints,
            instruction=instruction,
            previous_rejection=previous_rejection,
        )
