"""Review a proposal hunk by hunk before anything is applied.

Rules answer at once; otherwise the model's answer streams in live, then becomes a coloured
diff. The person accepts or rejects each hunk (or all), edits the resulting cell, or asks
again with their own instruction (the model is told which hunks they rejected). Proposals come
from the repair flow; the screen dismisses with the decision and the notebook screen has the
flow apply and verify it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.syntax import Syntax
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlemod_tui.assist.proposal import Proposal
from mlemod_tui.assist.proposer import ProposalOutcome
from mlemod_tui.core.patch import Hunk, PatchError, apply_patch
from mlemod_tui.core.support_files import current_text, describe_target, is_support_id
from mlemod_tui.repair_events import Problem
from mlemod_tui.repair_flow import RepairFlow
from mlemod_tui.tui.screens.edit_screen import EditScreen, InstructionScreen
from mlemod_tui.tui.widgets.layout import compact_footer
from mlemod_tui.tui.wording import clause, sentence

STREAM_REFRESH_SECONDS = 0.05


@dataclass
class ReviewAnswer:
    proposal: Proposal
    accepted: set[tuple[str, int]]
    edited: dict[str, str] = field(default_factory=dict)


class ReviewScreen(Screen[ReviewAnswer | None]):
    # Decide, apply, leave first: below 120 columns the footer shows as many as fit.
    BINDINGS = [
        Binding("a", "accept", "Accept hunk", tooltip="accept the highlighted hunk (hunks start undecided)"),
        Binding("x", "reject", "Reject hunk", tooltip="reject the highlighted hunk"),
        Binding("ctrl+s", "apply", "Apply", tooltip="apply the accepted hunks, then re-run the cell"),
        Binding("escape", "cancel", "Cancel", tooltip="leave without applying anything"),
        Binding("A", "accept_all", "Accept all", tooltip="accept every hunk"),
        Binding("X", "reject_all", "Reject all", tooltip="reject every hunk"),
        Binding("e", "edit", "Edit cell", tooltip="edit the cell as the hunks not rejected leave it"),
        Binding("g", "ask_again", "Ask again", tooltip="ask the model again, with your instruction"),
        Binding("m", "ask_model", "Ask model", tooltip="ask the model (when the rules gave no proposal)"),
    ]

    def __init__(self, flow: RepairFlow, problem: Problem) -> None:
        super().__init__()
        assert problem.index is not None  # the notebook screen asks only about a cell
        self.flow = flow
        self.problem = problem
        self.session = flow.session
        self.assistant = flow.assistant
        self.kind = problem.kind
        self.index = problem.index
        self.proposal: Proposal | None = None
        # None: undecided. Hunks start undecided so that nothing is applied by default.
        self.decisions: dict[tuple[str, int], bool | None] = {}
        self.edited: dict[str, str] = {}
        self.reason: str | None = None
        self.hints: tuple[str, ...] = ()
        self._stream: list[str] = []
        self._stream_dirty = False

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="review-title")
        yield Static(id="review-rationale")
        with Horizontal(id="review-body"):
            yield OptionList(id="hunk-list")
            with VerticalScroll(id="hunk-view"):
                yield Static(id="hunk-diff")
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        compact_footer(self, event.size.width)

    def on_mount(self) -> None:
        self._title(f"{self.kind} · cell {self.index} · looking for a proposal…")
        self.set_interval(STREAM_REFRESH_SECONDS, self._paint_stream)
        self.fetch(use_rules=True)

    # -- fetching proposals ----------------------------------------------------------------

    @work(exclusive=True, group="review", exit_on_error=False)
    async def fetch(
        self, use_rules: bool = False, instruction: str | None = None
    ) -> None:
        outcome: ProposalOutcome | None = None
        if use_rules:
            outcome = await self.flow.propose(self.problem, model=False)
            self.hints = outcome.hints
            if outcome.proposal is not None or outcome.unfixable is not None:
                self._show_outcome(outcome)
                return
        if not self.assistant.model_ready:
            where = self.assistant.status.message if self.assistant.status else "no model configured"
            why = (outcome.reason if outcome else None) or "no proposal"
            reason = f"{clause(why)}. The model is not available: {sentence(where)}"
            self._show_outcome(ProposalOutcome(None, reason=reason, hints=self.hints))
            return
        self._stream = []
        backend = self.assistant.backend
        assert backend is not None  # model_ready holds
        self._title(f"{self.kind} · cell {self.index} · asking {backend.model}…")
        outcome = await self.flow.propose(
            self.problem, rules=False, hints=self.hints, instruction=instruction, on_token=self._on_token
        )
        self._show_outcome(outcome)

    def _on_token(self, text: str) -> None:
        self._stream.append(text)
        self._stream_dirty = True

    def _paint_stream(self) -> None:
        if self._stream_dirty and self.proposal is None:
            self._stream_dirty = False
            self.query_one("#hunk-diff", Static).update(Text("".join(self._stream)))
            self.query_one("#hunk-view", VerticalScroll).scroll_end(animate=False)

    def _show_outcome(self, outcome: ProposalOutcome) -> None:
        self.proposal = outcome.proposal
        self.reason = outcome.reason
        self.decisions = {}
        self.edited = {}
        hunks = self.query_one("#hunk-list", OptionList)
        hunks.clear_options()
        if outcome.proposal is None:
            self._title(f"{self.kind} · cell {self.index} · no proposal")
            text = Text(outcome.reason or "no proposal", style="bold yellow")
            if outcome.unfixable is not None and outcome.unfixable.command:
                text.append(f"\n\nTry: {outcome.unfixable.command}", style="bold")
            hints = outcome.hints or self.hints
            if hints:
                # Without a patch, what the rules know is all the help there is: show it.
                text.append("\n\nWhat the offline rules know:", style="bold")
                for hint in hints:
                    text.append(f"\n• {hint}")
            if outcome.answer:
                text.append("\n\nThe model answered:\n\n", style="dim")
                text.append(outcome.answer)
            if self.assistant.model_ready:
                text.append("\n\ng: ask again (with your instruction) · m: ask the model", style="dim")
            self.query_one("#hunk-diff", Static).update(text)
            self.query_one("#review-rationale", Static).update("")
            self.refresh_bindings()
            return
        proposal = outcome.proposal
        rationale = Text(proposal.rationale, style="italic")
        harm = self.flow.harm_of(proposal)
        if harm:  # the static def-use check: said before anything is applied
            rationale.append(f"\n⚠ {harm}", style="bold yellow")
        self.query_one("#review-rationale", Static).update(rationale)
        for key, _hunk in self._hunks():
            self.decisions[key] = None  # undecided: ctrl+s applies only what a/A accepted
        self._proposal_title()
        hunks.add_options([Option(self._hunk_label(key), id=f"{key[0]}::{key[1]}") for key, _ in self._hunks()])
        hunks.highlighted = 0
        hunks.focus()
        self._show_hunk(0)
        self.refresh_bindings()

    # -- hunks -----------------------------------------------------------------------------

    def _hunks(self) -> list[tuple[tuple[str, int], Hunk]]:
        if self.proposal is None:
            return []
        return [
            ((cell.cell_id, i), hunk)
            for cell in self.proposal.patch.cells
            for i, hunk in enumerate(cell.hunks)
        ]

    def _hunk_label(self, key: tuple[str, int]) -> Text:
        where = describe_target(self.session.notebook, key[0])
        hunk = dict(self._hunks())[key]
        mark = {True: ("✓", "green"), False: ("✗", "red"), None: ("?", "yellow")}[self.decisions.get(key)]
        return Text.assemble(
            (mark[0] + " ", mark[1]),
            f"{where} · hunk {key[1] + 1} · ",
            (f"+{len(hunk.added())}", "green"),
            " ",
            (f"−{len(hunk.removed())}", "red"),
        )

    def _current(self) -> int:
        highlighted = self.query_one("#hunk-list", OptionList).highlighted
        return highlighted if highlighted is not None else 0

    def _show_hunk(self, position: int) -> None:
        hunks = self._hunks()
        if not hunks:
            return
        key, hunk = hunks[min(position, len(hunks) - 1)]
        body = "\n".join([hunk.header(), *hunk.lines])
        if key[0] in self.edited:
            body = f"# cell {key[0]} was edited by hand; the edit replaces its hunks\n" + body
        self.query_one("#hunk-diff", Static).update(Syntax(body, "diff", theme="ansi_dark", word_wrap=True))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_hunk(event.option_index)

    def _decide(self, keys: list[tuple[str, int]], accepted: bool) -> None:
        for key in keys:
            self.decisions[key] = accepted
        hunks = self.query_one("#hunk-list", OptionList)
        for position, (key, _hunk) in enumerate(self._hunks()):
            hunks.replace_option_prompt_at_index(position, self._hunk_label(key))
        self._proposal_title()

    def _proposal_title(self) -> None:
        """The header counts the decisions, so it is plain that undecided hunks are not applied."""
        if self.proposal is None:
            return
        proposal = self.proposal
        accepted = sum(decision is True for decision in self.decisions.values())
        undecided = sum(decision is None for decision in self.decisions.values())
        tally = f"{accepted} of {proposal.patch.hunk_count()} hunk(s) accepted"
        if undecided:
            tally += f", {undecided} undecided (a accepts)"
        self._title(f"{proposal.kind} · {self._patched_cells()} · from {proposal.source} · {tally}")

    def _patched_cells(self) -> str:
        """The cells the patch changes (not the cell the request started from, which a
        runtime or score proposal often does not touch), and that cell when it differs."""
        assert self.proposal is not None
        notebook = self.session.notebook
        ids = self.proposal.patch.cell_ids()
        indices = sorted(notebook.index_of(cid) for cid in ids if not is_support_id(cid))
        helpers = [describe_target(notebook, cid) for cid in ids if is_support_id(cid)]
        words = ("cell " if len(indices) == 1 else "cells ") + ", ".join(map(str, indices))
        words = ", ".join(([words] if indices else []) + helpers)
        if indices and self.index not in indices:
            words += f" (asked for cell {self.index})"
        return words

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "reject", "accept_all", "reject_all", "edit", "apply"):
            return self.proposal is not None
        if action in ("ask_again", "ask_model"):
            return self.assistant.model_ready
        return True

    def action_accept(self) -> None:
        self._decide_current(True)

    def action_reject(self) -> None:
        self._decide_current(False)

    def _decide_current(self, accepted: bool) -> None:
        hunks = self._hunks()
        if not hunks:
            return
        position = self._current()
        self._decide([hunks[position][0]], accepted)
        if position + 1 < len(hunks):
            self.query_one("#hunk-list", OptionList).highlighted = position + 1

    def action_accept_all(self) -> None:
        self._decide([key for key, _ in self._hunks()], True)

    def action_reject_all(self) -> None:
        self._decide([key for key, _ in self._hunks()], False)

    def action_edit(self) -> None:
        """Edit the cell as the hunks not rejected would leave it: opening the editor is a
        decision about the whole cell, and starting from the proposal saves retyping it."""
        hunks = self._hunks()
        if self.proposal is None or not hunks:
            return
        cell_id = hunks[self._current()][0][0]
        current = current_text(self.session.notebook, cell_id)
        accepted = {key for key, ok in self.decisions.items() if ok is not False and key[0] == cell_id}
        try:
            text = apply_patch({cell_id: current}, self.proposal.patch, accepted).get(cell_id, current)
        except PatchError as exc:
            self.notify(str(exc), severity="error")
            text = current
        text = self.edited.get(cell_id, text)

        def edited(result: str | None) -> None:
            if result is not None:
                self.edited[cell_id] = result
                self._show_hunk(self._current())
                self.notify(f"Your edit of {describe_target(self.session.notebook, cell_id)} will be applied.")

        self.app.push_screen(EditScreen(text, title=describe_target(self.session.notebook, cell_id)), edited)

    def action_ask_again(self) -> None:
        def asked(instruction: str | None) -> None:
            if instruction is not None:
                if self.proposal is not None:  # the model hears which hunks were rejected
                    rejected = {key for key, ok in self.decisions.items() if ok is False}
                    self.flow.person_rejected(self.proposal, rejected, instruction or None)
                self.proposal = None
                self.fetch(use_rules=False, instruction=instruction or None)

        self.app.push_screen(InstructionScreen(), asked)

    def action_ask_model(self) -> None:
        self.proposal = None
        self.fetch(use_rules=False)

    def action_apply(self) -> None:
        if self.proposal is None:
            return
        accepted = {key for key, ok in self.decisions.items() if ok is True}
        if not accepted and not self.edited:
            self.notify("Nothing accepted: accept a hunk (a) or press Escape to leave.", severity="warning")
            return
        self.dismiss(ReviewAnswer(self.proposal, accepted, dict(self.edited)))

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "review")
        self.dismiss(None)

    def _title(self, text: str) -> None:
        self.query_one("#review-title", Static).update(Text(text, style="bold"))
