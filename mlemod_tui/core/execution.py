"""Run a notebook's cells on a kernel and keep one record per code cell.

The runner is the single place that decides what a cell's status is and writes today's
outputs and timings into the notebook. Front ends (TUI, headless CLI) subscribe to its events.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from nbformat import NotebookNode

from mlemod_tui.core.kernel import (
    ErrorRaised,
    ExecutionFinished,
    ExecutionStarted,
    KernelEvent,
    KernelSession,
)
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.outputs import OutputCollector

CellStatus = Literal["pending", "running", "ok", "error", "timeout", "died", "skipped", "interrupted"]
FAILED_STATUSES = frozenset({"error", "timeout", "died", "interrupted"})


@dataclass(frozen=True)
class CellError:
    ename: str
    evalue: str
    traceback: list[str]


@dataclass
class CellRun:
    """Today's record of one code cell."""

    index: int
    cell_id: str
    status: CellStatus = "pending"
    seconds: float | None = None
    execution_count: int | None = None
    outputs: list[NotebookNode] = field(default_factory=list)
    error: CellError | None = None
    started_at: datetime | None = None
    source: str | None = None  # the code that ran (None: not run today); see stale_indices

    def describes(self, source: str) -> bool:
        """Whether this record is about ``source``: a patch, undo or redo since the run
        makes its status, outputs and time those of other code."""
        return self.source is None or self.source == source

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "cell_id": self.cell_id,
            "status": self.status,
            "seconds": None if self.seconds is None else round(self.seconds, 4),
            "execution_count": self.execution_count,
            "error": None
            if self.error is None
            else {"ename": self.error.ename, "evalue": self.error.evalue},
        }


# --------------------------------------------------------------------------- runner events


@dataclass(frozen=True)
class CellStarted:
    index: int
    cell_id: str


@dataclass(frozen=True)
class CellOutput:
    """One live output event of a running cell (stream text, rich output, error, clear)."""

    index: int
    cell_id: str
    event: KernelEvent


@dataclass(frozen=True)
class CellFinished:
    run: CellRun


@dataclass(frozen=True)
class KernelDied:
    index: int
    message: str


@dataclass(frozen=True)
class RunFinished:
    result: RunResult


RunEvent = CellStarted | CellOutput | CellFinished | KernelDied | RunFinished
EventListener = Callable[[RunEvent], None]


@dataclass
class RunResult:
    """The outcome of one run request (all, from, to, or one cell)."""

    runs: list[CellRun]
    interrupted: bool = False

    @property
    def first_failure(self) -> CellRun | None:
        return next((run for run in self.runs if run.failed), None)

    @property
    def succeeded(self) -> bool:
        return not self.interrupted and self.first_failure is None

    @property
    def seconds(self) -> float:
        return sum(run.seconds or 0.0 for run in self.runs)

    def verdict(self) -> str:
        """One line a person reads at the end of a run."""
        ran = [run for run in self.runs if run.status not in ("pending", "skipped")]
        failure = self.first_failure
        if self.interrupted:
            finished = sum(run.status == "ok" for run in self.runs)
            return f"interrupted after {finished} of {len(self.runs)} code cells ran ({self.seconds:.1f} s)"
        if failure is None:
            return f"all {len(self.runs)} code cells ran ({self.seconds:.1f} s)"
        what = {
            "error": f"failed with {failure.error.ename if failure.error else 'an error'}",
            "timeout": "timed out",
            "died": "killed the kernel",
            "interrupted": "was interrupted",
        }[failure.status]
        return (
            f"cell {failure.index} {what}; {len(ran) - 1} of {len(self.runs)} code cells "
            f"ran before it ({self.seconds:.1f} s)"
        )

    def to_json(self) -> dict[str, Any]:
        failure = self.first_failure
        return {
            "succeeded": self.succeeded,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 4),
            "first_failure": None if failure is None else failure.index,
            "cells": [run.to_json() for run in self.runs],
        }


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


class NotebookRunner:
    """Runs cells of one notebook on one kernel, in order, stopping at the first failure."""

    def __init__(
        self,
        notebook: Notebook,
        kernel: KernelSession,
        *,
        cell_timeout: float | None = None,
        on_event: EventListener | None = None,
    ) -> None:
        self.notebook = notebook
        self.kernel = kernel
        self.cell_timeout = cell_timeout
        self._listeners: list[EventListener] = [on_event] if on_event else []
        self.runs: dict[int, CellRun] = {
            i: CellRun(i, notebook.cells[i].id) for i in notebook.code_cell_indices()
        }
        self._interrupt_requested = False

    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: RunEvent) -> None:
        for listener in self._listeners:
            listener(event)

    # -- commands ------------------------------------------------------------------------

    async def run_all(self) -> RunResult:
        return await self.run_cells(self.notebook.code_cell_indices())

    async def run_from(self, index: int) -> RunResult:
        return await self.run_cells(i for i in self.notebook.code_cell_indices() if i >= index)

    async def run_to(self, index: int) -> RunResult:
        return await self.run_cells(i for i in self.notebook.code_cell_indices() if i <= index)

    async def run_cell(self, index: int) -> RunResult:
        return await self.run_cells([index])

    def stale_indices(self) -> list[int]:
        """Cells whose source changed since they ran today, in notebook order."""
        return sorted(
            index
            for index, run in self.runs.items()
            if not run.describes(source_text(self.notebook.cells[index]))
        )

    async def interrupt(self) -> None:
        """Interrupt the running cell; the run stops after it."""
        self._interrupt_requested = True
        await self.kernel.interrupt()

    async def run_cells(self, indices: Iterable[int]) -> RunResult:
        """Run ``indices`` (code cells) in order; after a failure the rest are skipped."""
        order = [i for i in indices if i in self.runs]
        self.kernel.ensure_usable()  # before any cell is marked skipped
        self._interrupt_requested = False
        result = RunResult([self.runs[i] for i in order])
        stopped = False
        try:
            for index in order:
                if stopped:
                    self._mark_skipped(index)
                    continue
                run = await self._run_one(index)
                stopped = run.failed
        except asyncio.CancelledError:
            result.interrupted = True
            for index in order:
                if self.runs[index].status in ("pending", "running"):
                    self._mark_skipped(index)
            raise
        finally:
            result.runs = [self.runs[i] for i in order]
            result.interrupted = result.interrupted or self._interrupt_requested
            self._emit(RunFinished(result))
        return result

    # -- internals -----------------------------------------------------------------------

    def _mark_skipped(self, index: int) -> None:
        """Not run today because an earlier cell failed: its stored outputs are cleared so a
        saved notebook never mixes today's outputs with the original's."""
        run = CellRun(index, self.runs[index].cell_id, status="skipped")
        self.runs[index] = run
        cell = self.notebook.cells[index]
        cell.outputs = []
        cell.execution_count = None
        self._emit(CellFinished(run))

    async def _run_one(self, index: int) -> CellRun:
        cell = self.notebook.cells[index]
        run = CellRun(index, cell.id, status="running", source=source_text(cell))
        self.runs[index] = run
        self._emit(CellStarted(index, cell.id))
        collector = OutputCollector()
        finished: ExecutionFinished | None = None
        try:
            async for event in self.kernel.execute(source_text(cell), timeout=self.cell_timeout):
                if isinstance(event, ExecutionFinished):
                    finished = event
                elif isinstance(event, ExecutionStarted):
                    run.started_at = event.started_at
                else:
                    collector.add(event)
                    if isinstance(event, ErrorRaised):
                        run.error = CellError(event.ename, event.evalue, list(event.traceback))
                    self._emit(CellOutput(index, cell.id, event))
        finally:
            run.outputs = collector.outputs()
            if finished is not None:
                self._record(run, cell, finished)
            elif run.status == "running":
                run.status = "interrupted"  # cancelled by the caller mid-cell
            self._store(cell, run, finished)
        self._emit(CellFinished(run))
        return run

    def _record(self, run: CellRun, cell: NotebookNode, finished: ExecutionFinished) -> None:
        run.seconds = finished.seconds
        run.execution_count = finished.execution_count
        if finished.status == "died":
            run.status = "died"
            message = self.kernel.death_message()
            run.error = CellError("DeadKernelError", message, [message])
            self._emit(KernelDied(run.index, message))
        elif finished.status == "timeout":
            run.status = "timeout"
            limit = f"{self.cell_timeout:g} s" if self.cell_timeout else "its time limit"
            message = f"cell exceeded {limit} and was interrupted"
            run.error = CellError("CellTimeoutError", message, run.error.traceback if run.error else [])
        elif finished.status == "ok":
            run.status = "ok"
        elif finished.status == "aborted":
            # ipykernel drops requests queued behind a failed or interrupted one: the cell
            # never ran, which a generic "the kernel reported an error" would hide.
            run.status = "error"
            run.error = CellError(
                "ExecutionAborted",
                "the kernel did not run this cell: it was queued behind a failed or interrupted one",
                [],
            )
        elif "raises-exception" in cell.get("metadata", {}).get("tags", []):
            run.status = "ok"  # the author marked this error as expected (nbclient's convention)
        elif self._interrupt_requested and run.error and run.error.ename == "KeyboardInterrupt":
            run.status = "interrupted"
        else:
            run.status = "error"
            if run.error is None:
                run.error = printed_error(run.outputs) or CellError(
                    "Error", "the kernel reported an error", []
                )

    def _store(self, cell: NotebookNode, run: CellRun, finished: ExecutionFinished | None) -> None:
        """Write today's outputs, execution count and Jupyter-style timings into the cell."""
        cell.outputs = run.outputs
        cell.execution_count = run.execution_count
        if finished is None or finished.started_at is None:
            return
        timing = {
            "iopub.status.busy": _timestamp(finished.started_at),
            "iopub.execute_input": _timestamp(finished.input_at),
            "shell.execute_reply": _timestamp(finished.reply_at),
            "iopub.status.idle": _timestamp(finished.finished_at),
        }
        cell.metadata["execution"] = {k: v for k, v in timing.items() if v is not None}


_PRINTED_ERROR = re.compile(r"^(?P<ename>[A-Z]\w*(?:Error|Exception)): (?P<evalue>.+)$")


def printed_error(outputs: list[NotebookNode]) -> CellError | None:
    """The error IPython printed instead of raising (``UsageError: Line magic function
    `%watermark` not found.`` comes as text, with no error message): named as it was printed,
    so the repair rules can match it."""
    for output in reversed(outputs):
        if output.get("output_type") != "stream":
            continue
        lines = [line for line in str(output.get("text", "")).splitlines() if line.strip()]
        found = _PRINTED_ERROR.match(lines[-1]) if lines else None
        if found is not None:
            return CellError(found["ename"], found["evalue"], lines[-5:])
    return None
