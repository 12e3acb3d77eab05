"""The kernel bar: kernel name and state, Python and library versions, the GPU."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mlemod_tui.core.environment import EnvironmentFacts

STATE_STYLES = {
    "starting": "yellow",
    "idle": "green",
    "busy": "bold cyan",
    "dead": "bold red",
    "shut down": "dim",
    "not started": "dim",
}

ORDER_WORDS = {"top-down": "top-down", "stored": "stored order"}


class KernelBar(Static):
    """One line, refreshed when the kernel changes state or the probe answers."""

    def show(
        self,
        kernel_name: str,
        state: str,
        environment: EnvironmentFacts | None,
        *,
        attached: bool = False,
        order: str = "top-down",
    ) -> None:
        text = Text.assemble(("● ", STATE_STYLES.get(state, "")), (kernel_name, "bold"), " ")
        text.append(state, style=STATE_STYLES.get(state, ""))
        if state == "dead":
            hint = "  (connection lost: attach again)" if attached else "  (press K to restart)"
            text.append(hint, style="red")
        # The order `a` follows stays in view (early in the line, so a narrow terminal keeps it).
        text.append(" · run all: ")
        text.append(ORDER_WORDS.get(order, order), style="bold yellow" if order == "stored" else "")
        if environment is not None:
            text.append(f" · Python {environment.python}")
            for name, version in environment.versions.items():
                text.append(f" · {name} {version or 'not installed'}", style="" if version else "yellow")
            text.append(f" · {environment.gpu_summary()}", style="dim" if not environment.gpus else "green")
        self.update(text)
