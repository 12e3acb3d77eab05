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

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.config import load_settings
from mlemod_tui.core.execution import RunResult
from mlemod_tui.core.kernel import choose_kernel
from mlemod_tui.core.notebook import Notebook, load_notebook
from mlemod_tui.core.order import RunOrder
from mlemod_tui.core.runtime import stored_timings
from mlemod_tui.core.scores import metric_json
from mlemod_tui.core.session import NotebookSession, ScoreOptions
from mlemod_tui.errors import MlemodError
from mlemod_tui.progress import ProgressReporter, strip_ansi, wants_colour
from mlemod_tui.repair_loop import AcceptPolicy, LoopStep, repair_until_reproducible
from mlemod_tui.report import report_data, write_report

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
TICK_SECONDS = 0.2


@dataclass(frozen=True)
class RunOptions:
    notebook: Path
    kernel: str | None = None
    existing: Path | None = None
    cell_timeout: float | None = None
    output: Path | None = None
    quiet: bool = False
    json: bool = False
    accept: AcceptPolicy = "none"
    max_attempts: int = 5
    report: Path | None = None
    budget: float | None = None
    score: ScoreOptions = ScoreOptions()
    ollama_host: str | None = None
    model: str | None = None
    order: RunOrder = "top-down"  # "stored": the original execution counts' order (issue #6)


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
    resolve_output(notebook, options.output)  # refuse the original before a kernel starts
    human = stderr if options.json else stdout
    reporter = ProgressReporter(notebook, human, quiet=options.quiet)
    state: dict[str, Any] = {}
    try:
        exit_code = asyncio.run(_run(notebook, options, reporter, state, stderr))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Ctrl+C arrives as KeyboardInterrupt; SIGTERM cancels the main task, so asyncio.run
        # re-raises CancelledError: both are an interrupted run, not a crash.
        exit_code = EXIT_INTERRUPTED
    reporter.finish()
    result: RunResult | None = state.get("result")
    saved: Path | None = state.get("saved")
    if exit_code == EXIT_INTERRUPTED and result is not None:
        result.interrupted = True
    loop_result = state.get("loop")
    if loop_result is not None and options.accept != "none":
        verdict = "reproducible" if loop_result.reproducible else "not reproducible"
        because = f" ({loop_result.stopped_because})" if loop_result.stopped_because else ""
        human.write(f"{verdict}{because}\n")
    _print_outcome(
        human,
        result,
        saved,
        state.get("save_error"),
        colour=wants_colour(human),
        report=state.get("report"),
    )
    if options.json:
        json.dump(_json_report(notebook, state, exit_code), stdout, indent=2)
        stdout.write("\n")
    return exit_code


async def _run(
    notebook: Notebook,
    options: RunOptions,
    reporter: ProgressReporter,
    state: dict[str, Any],
    notices: TextIO,
) -> int:
    kernel_name = choose_kernel(options.kernel, notebook.kernel_name())
    state["kernel"] = kernel_name
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)  # SIGTERM: same as Ctrl+C
    session = NotebookSession(
        notebook,
        kernel_name=kernel_name,
        output_path=resolve_output(notebook, options.output),
        cell_timeout=options.cell_timeout,
        budget=options.budget,
        score_options=options.score,
        existing=options.existing,
        order=options.order,
    )
    session.subscribe(reporter.handle)
    state["session"] = session
    ticker = asyncio.create_task(_tick(reporter))
    try:
        assistant = await _assistant(options, reporter.stream, notices)
        session.model_server = assistant.server
        await session.start()
        state["started"] = True
        with contextlib.suppress(MlemodError):
            await session.probe_environment()
        try:
            outcome = await repair_until_reproducible(
                session,
                accept=options.accept,
                max_attempts=options.max_attempts,
                assistant=assistant,
                on_step=lambda step: _print_step(reporter, step),
            )
        except asyncio.CancelledError:
            state["result"] = session.overall_result(interrupted=True)
            raise
        # The final picture covers every code cell, not just the last re-run's tail.
        state["result"] = session.overall_result(interrupted=outcome.run.interrupted)
        state["loop"] = outcome
        if options.accept == "none":
            return EXIT_OK if outcome.run.succeeded else EXIT_FAILED
        return EXIT_OK if outcome.reproducible else EXIT_FAILED
    finally:
        ticker.cancel()
        await asyncio.shield(session.stop())
        if state.get("started"):  # a kernel that never started ran nothing worth saving
            _save(session, state)
            _write_report(options, session, state)


async def _assistant(options: RunOptions, stream: TextIO, notices: TextIO) -> Assistant:
    """Rules always; with ``--accept all`` also the model, when Ollama serves it (if not,
    that is said once and the rules carry on alone). A model server off this machine is said
    once on stderr, even with --quiet or --json: the notebook's code will be sent there."""
    if options.accept != "all":
        return Assistant(None)
    settings = load_settings({"ollama_host": options.ollama_host, "model": options.model})
    assistant = Assistant.from_settings(settings)
    notice = assistant.server.notice() if assistant.server else None
    if notice:
        notices.write(f"mlemod-tui: note: {notice}\n")
        notices.flush()
    status = await assistant.check()
    if status is not None and not status.ready:
        stream.write(f"{status.message}; repairing with offline rules only\n")
        stream.flush()
    return assistant


def _print_step(reporter: ProgressReporter, step: LoopStep) -> None:
    what = f"applied {step.source}" if step.applied else f"no change ({step.note})"
    reporter.say(f"↻ attempt {step.attempt}: {step.problem} → {what}")


def _write_report(options: RunOptions, session: NotebookSession, state: dict[str, Any]) -> None:
    loop_result = state.get("loop")
    if options.report is None or loop_result is None:
        return
    try:
        state["report"] = write_report(
            options.report, report_data(session, loop_result, state.get("saved"))
        )
    except MlemodError as exc:
        state["save_error"] = str(exc)


async def _tick(reporter: ProgressReporter) -> None:
    """Keep the bar's elapsed time moving while a long cell runs."""
    while True:
        await asyncio.sleep(TICK_SECONDS)
        reporter.tick()


def _save(session: NotebookSession, state: dict[str, Any]) -> None:
    try:
        state["saved"] = session.save()
    except MlemodError as exc:
        state["save_error"] = str(exc)


def _print_outcome(
    stream: TextIO,
    result: RunResult | None,
    saved: Path | None,
    save_error: str | None,
    *,
    colour: bool,
    report: Path | None = None,
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
    if report is not None:
        stream.write(f"report {report}\n")
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
    loop_result = state.get("loop")
    if loop_result is not None:
        report["reproducible"] = loop_result.reproducible
        report["steps"] = [step.to_json() for step in loop_result.steps]
    session: NotebookSession | None = state.get("session")
    if session is not None and state.get("started"):
        report["metrics"] = [metric_json(c) for c in session.every_score_comparison()]
        report["noise"] = session.noise.to_json() if session.noise else None
        report["model_server"] = session.model_server.to_json() if session.model_server else None
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
