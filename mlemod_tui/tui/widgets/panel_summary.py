"""One line standing in for the runtime and score panels where the terminal is too narrow for
them (below 120 columns): the source and outputs keep the width, and `v` shows the panels."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from mlemod_tui.core.runtime import RuntimeSummary, format_seconds
from mlemod_tui.core.scores import ScoreComparison
from mlemod_tui.tui.widgets.score_panel import VERDICT_STYLES, format_number


class PanelSummary(Static):
    """Today's total time (and the budget), the reference metric and its verdict."""

    def show(
        self,
        summary: RuntimeSummary,
        comparison: ScoreComparison,
        stale: Sequence[int] = (),
    ) -> None:
        line = Text.assemble(("time ", "bold"), format_seconds(summary.total_today))
        if summary.budget is not None:
            style = "bold red" if summary.over_budget else "green"
            line.append(f" of {format_seconds(summary.budget)}", style=style)
        reference, today = comparison.reference, comparison.today
        line.append(" · ")
        if reference is None:
            line.append("no stored metric", style="dim")
        else:
            now = format_number(today.value if today else None, bool(today and today.percent))
            line.append(f"{reference.name} ", style="bold")
            line.append(f"{format_number(reference.value, reference.percent)} → {now} ")
            changed = [i for i in stale if today is not None and i <= today.cell_index]
            verdict = comparison.verdict + (" (stale)" if changed else "")
            line.append(verdict, style=VERDICT_STYLES.get(comparison.verdict, ""))
        line.append(" · v: panels", style="dim")
        self.update(line)
