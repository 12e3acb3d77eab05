"""`mlemod-tui run`: run a notebook top to bottom with no UI, save the executed copy, report.

Exit codes: 0 every cell ran; 1 a cell failed, timed out or the kernel died; 2 bad usage or
input; 130 interrupted (the kernel is shut down and partial results are saved).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from mlemod_tui.core.execution import NotebookRunner, RunResult
from mlemod_tui.core.kernel import KernelSession, choose_kernel
from mlemod_tui.core.notebook import Notebook, load_notebook
from mlemod_tui.core.runtime import stored_timings
from mlemod_tui.errors import MlemodError
from mlemod_tui.progress import ProgressReporter, strip_ansi, wants_colour

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
TICK_SECONDS = 0.2


@dataclass(frozen=True)
class RunOptions:
    notebook: Path
    kernel: str | None = None
    cell_timeout: float | None = None
    output: Path | None = None
    quiet: bool = False
    json: bool = False


def resolve_output(notebook: Notebook, output: Path | None, *, in_place: bool = False) -> Path:
    """Where results are saved; refuses the original unless ``in_place`` says so."""
    target = notebook.path if in_place else (output or notebook.default_output_path())
    if not in_place and target.resolve() == notebook.path.resolve():
        raise MlemodError(
            f"{target}: refusing to overwrite the original notebook; choose another --output"
        )
    return target


def run_command(
    options: RunOptions, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the whole notebook; print progress, the failing traceback and a verdict.

    Streams default to ``sys.stdout``/``sys.stderr`` as they are at call time (not at import
    time), so redirections made after import are honoured.
    """
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    notebook = load_notebook(options.notebook)  # MlemodError -> exit 2 in cli
    output = resolve_output(notebook, options.output)
    human = stderr if options.json else stdout
    reporter = ProgressReporter(notebook, human, quiet=options.quiet)
    state: dict[str, Any] = {}
    try:
        exit_code = asyncio.run(_run(notebook, options, reporter, state))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Ctrl+C arrives as KeyboardInterrupt; SIGTERM cancels the main task, so asyncio.run
        # re-raises CancelledError: both are an interrupted run, not a crash.
        exit_code = EXIT_INTERRUPTED
    reporter.finish()
    result: RunResult | None = state.get("result")
    saved: Path | None = state.get("saved")
    if exit_code == EXIT_INTERRUPTED and result is not None:
        result.interrupted = True
    _print_outcome(human, result, saved, state.get("save_error"), colour=wants_colour(human))
    if options.json:
        json.dump(_json_report(notebook, state, exit_code), stdout, indent=2)
        stdout.write("\n")
    return exit_code


async def _run(
    notebook: Notebook, options: RunOptions, reporter: ProgressReporter, state: dict[str, Any]
) -> int:
    kernel_name = choose_kernel(options.kernel, notebook.kernel_name())
    state["kernel"] = kernel_name
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)  # SIGTERM: same as Ctrl+C
    ticker = asyncio.create_task(_tick(reporter))
    try:
        async with KernelSession(kernel_name, cwd=notebook.folder) as kernel:
            state["started"] = True
            runner = NotebookRunner(
                notebook, kernel, cell_timeout=options.cell_timeout, on_event=reporter.handle
            )
            try:
                result = await runner.run_all()
            except asyncio.CancelledError:
                state["result"] = RunResult(
                    [runner.runs[i] for i in notebook.code_cell_indices()], interrupted=True
                )
                raise
            state["result"] = result
            return EXIT_OK if result.succeeded else EXIT_FAILED
    finally:
        ticker.cancel()
        if state.get("started"):  # a kernel that never started ran nothing worth saving
            _save(notebook, resolve_output(notebook, options.output), state)


async def _tick(reporter: ProgressReporter) -> None:
    """Keep the bar's elapsed time moving while a long cell runs."""
    while True:
        await asyncio.sleep(TICK_SECONDS)
        reporter.tick()


def _save(notebook: Notebook, output: Path, state: dict[str, Any]) -> None:
    try:
        state["saved"] = notebook.save(output)
    except MlemodError as exc:
        state["save_error"] = str(exc)


def _print_outcome(
    stream: TextIO,
    result: RunResult | None,
    saved: Path | None,
    save_error: str | None,
    *,
    colour: bool,
) -> None:
    if result is not None:
        failure = result.first_failure
        if failure is not None and failure.error is not None and failure.error.traceback:
            text = "\n".join(failure.error.traceback)
            stream.write(f"\n── cell {failure.index} ──\n")
            stream.write((text if colour else strip_ansi(text)) + "\n")
        stream.write(result.verdict() + "\n")
    if saved is not None:
        stream.write(f"saved {saved}\n")
    if save_error:
        stream.write(f"error: {save_error}\n")
    stream.flush()


def _json_report(notebook: Notebook, state: dict[str, Any], exit_code: int) -> dict[str, Any]:
    result: RunResult | None = state.get("result")
    stored = stored_timings(notebook.original.cells)
    report: dict[str, Any] = {
        "notebook": str(notebook.path),
        "output": str(state["saved"]) if state.get("saved") else None,
        "kernel": state.get("kernel"),
        "exit_code": exit_code,
        "verdict": result.verdict() if result else None,
    }
    if result is not None:
        report.update(result.to_json())
        for cell in report["cells"]:
            cell["stored_seconds"] = stored.get(cell["index"])
        failure = result.first_failure
        if failure is not None and failure.error is not None:
            report["error"] = {
                "cell": failure.index,
                "ename": failure.error.ename,
                "evalue": failure.error.evalue,
                "traceback": strip_ansi("\n".join(failure.error.traceback)),
            }
    return report
