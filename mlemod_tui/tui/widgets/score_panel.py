"""Score: the notebook's own stored metric against today's, with the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from mlemod_tui.core.noise import NoiseCheck
from mlemod_tui.core.scores import ScoreComparison, describe_metric, differing

VERDICT_STYLES = {
    "within": "bold green",
    "drifted": "bold red",
    "not produced yet": "yellow",
    "no reference": "dim",
}


def format_number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.4g}%" if percent else f"{value:.4g}"


class ScorePanel(Static):
    """Reference, today, difference, tolerance, verdict."""

    def show(
        self,
        comparison: ScoreComparison,
        every: Sequence[ScoreComparison] = (),
        noise: NoiseCheck | None = None,
        stale: Sequence[int] = (),
    ) -> None:
        """``every``: all stored metrics against today's; the panel says how many are within
        tolerance and names the ones that are not (the reference is one of them). ``stale``:
        cells whose source changed since they ran; one at or before the cell that printed
        today's score makes that score another code's."""
        reference, today = comparison.reference, comparison.today
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        if reference is None:
            table.add_row("metric", Text("none found in the stored outputs", style="dim"))
            table.add_row("", Text("(--metric NAME or --target VALUE)", style="dim"))
        else:
            where = f"cell {reference.cell_index}" if reference.cell_index >= 0 else "--target"
            direction = "lower is better" if reference.lower_is_better else "higher is better"
            table.add_row("metric", f"{reference.name} ({where}, {direction})")
            table.add_row("reference", format_number(reference.value, reference.percent))
            table.add_row("today", format_number(today.value if today else None, bool(today and today.percent)))
            if today is not None and comparison.difference is not None:
                sign = "-" if comparison.difference < 0 else "+"
                relative = f" ({sign}{comparison.relative:.1%})" if comparison.relative is not None else ""
                table.add_row("difference", f"{comparison.difference:+.4g}{relative}")
        table.add_row("tolerance", f"±{comparison.tolerance:.0%}")
        verdict = comparison.verdict
        changed = [i for i in stale if today is not None and i <= today.cell_index]
        shown = f"{verdict} (stale)" if changed else verdict
        table.add_row("verdict", Text(shown, style=VERDICT_STYLES.get(verdict, "")))
        if changed:
            cells = ", ".join(map(str, changed))
            note = f"from a run of different code: cell {cells} changed since; re-run"
            table.add_row("note", Text(note, style="yellow"))
        if len(every) > 1 and any(c.today is not None for c in every):  # once something ran
            off = differing(every)
            style = "green" if not off else "yellow"
            table.add_row("stored", Text(f"{len(every) - len(off)} of {len(every)} metrics within", style=style))
            for other in off[:3]:
                table.add_row("", Text(describe_metric(other), style="yellow"))
            if len(off) > 3:
                table.add_row("", Text(f"… {len(off) - 3} more in the report", style="dim"))
        if noise is not None:
            table.add_row("noise", Text(noise.describe(), style="green" if noise.within else "yellow"))
        self.update(table)
