"""Runtime: the running cell's elapsed time, per-cell bars (today beside the original), the
total, the budget and a projection of what is left."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from mlemod_tui.core.runtime import RuntimeSummary, format_seconds

BAR_WIDTH = 12
MAX_BARS = 12


def _bar(seconds: float, longest: float, style: str) -> Text:
    filled = 0 if longest <= 0 else round(BAR_WIDTH * min(seconds / longest, 1.0))
    if seconds > 0 and filled == 0:
        filled = 1
    return Text("█" * filled + "·" * (BAR_WIDTH - filled), style=style)


class RuntimePanel(Static):
    """Renders a RuntimeSummary plus per-cell times; the screen feeds it."""

    def show(
        self,
        summary: RuntimeSummary,
        today: dict[int, float],
        stored: dict[int, float],
        running: tuple[int, float] | None,
        stale: Sequence[int] = (),
    ) -> None:
        """``stale``: cells whose source changed since they were timed."""
        lines: list[Text | Table] = []
        if running is not None:
            index, elapsed = running
            lines.append(Text.assemble(("running ", "bold cyan"), f"[{index}] {format_seconds(elapsed)}"))
        total = Text.assemble(("total today ", "bold"), format_seconds(summary.total_today))
        original_total = sum(stored.get(i, 0.0) for i in today)
        if original_total:
            total.append(f"  (original {format_seconds(original_total)})", style="dim")
        lines.append(total)
        if summary.ratio is not None:
            lines.append(Text(f"today / original ×{summary.ratio:.2f}", style="dim"))
        lines.append(self._budget_line(summary))
        lines.append(self._projection_line(summary))
        lines.append(self._bars(today, stored))
        timed = [i for i in stale if i in today]
        if timed:
            cells = ", ".join(f"[{i}]" for i in timed)
            lines.append(Text(f"{cells} timed on different code (changed since; re-run)", style="yellow"))
        if summary.slowest:
            slow = ", ".join(f"[{i}] {format_seconds(s)}" for i, s in summary.slowest)
            lines.append(Text.assemble(("slowest ", "bold"), slow))
        self.update(Group(*lines))

    @staticmethod
    def _budget_line(summary: RuntimeSummary) -> Text:
        if summary.budget is None:
            return Text.assemble(("budget ", "bold"), ("none (--budget 30m)", "dim"))
        used = summary.total_today / summary.budget if summary.budget else 0.0
        style = "bold red" if summary.over_budget else "green"
        return Text.assemble(
            ("budget ", "bold"), f"{format_seconds(summary.budget)} ", (f"{used:.0%} used", style)
        )

    @staticmethod
    def _projection_line(summary: RuntimeSummary) -> Text:
        if summary.projected_remaining is None:
            return Text.assemble(("projection ", "bold"), ("unknown", "dim"))
        text = Text.assemble(
            ("projection ", "bold"),
            f"+{format_seconds(summary.projected_remaining)} → {format_seconds(summary.projected_total)}",
        )
        if summary.budget is not None and summary.over_budget:
            text.append("  over budget", style="bold red")
        return text

    @staticmethod
    def _bars(today: dict[int, float], stored: dict[int, float]) -> Table:
        table = Table.grid(padding=(0, 1))
        table.add_column(justify="right")
        table.add_column()
        table.add_column(justify="right")
        indices = sorted(set(today) | set(stored))
        longest = max([*today.values(), *stored.values(), 0.0])
        shown = sorted(indices, key=lambda i: max(today.get(i, 0), stored.get(i, 0)), reverse=True)
        for index in sorted(shown[:MAX_BARS]):
            if index in today:
                table.add_row(f"[{index}]", _bar(today[index], longest, "cyan"), format_seconds(today[index]))
            if index in stored:
                table.add_row(
                    "orig" if index in today else f"[{index}]",
                    _bar(stored[index], longest, "dim"),
                    Text(format_seconds(stored[index]), style="dim"),
                )
        return table
