"""The notebook screen's keys, most needed first (below 120 columns the footer shows as many
as fit, from the left), and the words that describe them as they act now."""

from __future__ import annotations

from textual.binding import Binding

from mlemod_tui.core.repair_kind import RepairKind

NOTEBOOK_BINDINGS = [
    # Most needed first: below 120 columns the footer shows as many as fit, from the left.
    Binding("r", "run_cell", "Run cell", tooltip="run the selected cell"),
    Binding("a", "run_all", "Run all", tooltip="run every code cell (in the run order shown on the kernel bar)"),
    Binding("e", "propose_repair", "Repair", tooltip="propose an error repair for the selected failed cell"),
    Binding("i", "interrupt", "Interrupt", tooltip="interrupt the running cell"),
    Binding("u", "undo", "Undo", tooltip="undo the last applied patch (exact previous source)"),
    Binding("s", "save", "Save", tooltip="save the notebook atomically to the output path"),
    Binding("question_mark,f1", "help", "Help", key_display="?", tooltip="this list of keys"),
    Binding("q", "quit", "Quit", tooltip="quit (asks when there is unsaved work)"),
    Binding("t", "run_to", "To here", tooltip="run from the top down to the selected cell"),
    Binding("f", "run_from", "From here", tooltip="run the selected cell and all after it"),
    Binding("K", "restart_kernel", "Restart", tooltip="restart the kernel (asks first)"),
    Binding("o", "toggle_outputs", "Outputs", tooltip="show or hide the cell's outputs"),
    Binding("n", "next_failure", "Next fail", tooltip="jump to the next failing cell", show=False),
    Binding("p", "previous_failure", "Prev fail", tooltip="jump to the previous failing cell", show=False),
    Binding("b", "propose_runtime", "Speed up", tooltip="propose a runtime reduction (budget)", show=False),
    Binding("c", "propose_score", "Calibrate", tooltip="propose a score calibration toward the reference", show=False),
    Binding("O", "toggle_order", "Order", tooltip="run all in the stored execution order or top-down", show=False),
    Binding("U", "redo", "Redo", tooltip="redo the last undone patch", show=False),
    Binding(
        "R",
        "clean_run",
        "Clean run",
        tooltip="restart the kernel and run every cell in the run order: the run a fresh kernel gives",
        show=False,
    ),
    Binding(
        "F",
        "restore_faithful",
        "Faithful",
        tooltip="put back the author's cells that runtime reductions approximated, then a clean run",
        show=False,
    ),
    Binding(
        "v",
        "toggle_panels",
        "Panels",
        tooltip="show or hide the runtime and score panels (below 120 columns they take the cell list's place)",
        show=False,
    ),
]
# The key that asks for a proposal of each kind (said after a run that needs one).
PROPOSAL_KEYS = {
    RepairKind.ERROR_REPAIR: "e",
    RepairKind.RUNTIME_REDUCTION: "b",
    RepairKind.SCORE_CALIBRATION: "c",
}
RUN_ALL_TOOLTIPS = {
    "top-down": "run every code cell from the top (O switches the order)",
    "stored": "run every code cell in the stored execution order (O switches the order)",
}
