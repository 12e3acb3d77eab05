"""``mlemod-tui batch PATH...``: every notebook through the headless repair flow, one report.

Exit codes: 0 every notebook reproducible; 1 at least one is not; 2 bad usage or input;
130 interrupted (what finished is recorded and reported; no kernel is left running).
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from mlemod_tui.batch.discover import find_notebooks
from mlemod_tui.batch.engine import BatchConfig, BatchOutcome, BatchRun
from mlemod_tui.batch.one_notebook import NotebookSettings
from mlemod_tui.batch.predictions import predict
from mlemod_tui.batch.progress import BatchProgress
from mlemod_tui.batch.report import report_data, write_batch_report
from mlemod_tui.batch.store import default_store

EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


@dataclass(frozen=True)
class BatchOptions:
    paths: list[Path]
    settings: NotebookSettings = NotebookSettings()
    jobs: int = 2
    scheduler: str | None = None
    timeout: float | None = 1800.0
    report: Path | None = None
    store: Path | None = None
    resume: bool = True
    quiet: bool = False


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops a batch the way Ctrl+C does


def batch_command(options: BatchOptions, stdout: TextIO | None = None) -> int:
    stdout = sys.stdout if stdout is None else stdout
    notebooks = find_notebooks(options.paths)  # MlemodError -> exit 2 in the CLI
    store = options.store or default_store(notebooks)
    config = BatchConfig(
        settings=options.settings,
        jobs=options.jobs,
        scheduler=options.scheduler,
        timeout=options.timeout,
        store=store,
        resume=options.resume,
    )
    progress = BatchProgress(stdout, len(notebooks), quiet=options.quiet)
    where = options.scheduler or f"{options.jobs} local worker{'s' if options.jobs != 1 else ''}"
    if not options.quiet:
        stdout.write(f"{len(notebooks)} notebooks on {where}; results in {store}\n")
        stdout.flush()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    run = BatchRun(notebooks, config, progress.handle)
    try:
        outcome = run.run()
    except KeyboardInterrupt:  # a second Ctrl+C, or one before the cluster was up
        outcome = BatchOutcome(interrupted=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.finish()
    predictions = {str(path): predict(path) for path in notebooks}
    data = report_data(outcome.results, predictions, seconds=outcome.seconds, interrupted=outcome.interrupted)
    if not options.quiet:
        totals = ", ".join(f"{count} {status}" for status, count in data["by_status"].items())
        stdout.write(f"{len(outcome.results)} of {len(notebooks)} notebooks: {totals or 'none ran'}\n")
    if options.report is not None:
        written = write_batch_report(options.report, data)
        if not options.quiet:
            stdout.write(f"report {written}\n")
    stdout.flush()
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if all(r.status == "reproducible" for r in outcome.results) else EXIT_FAILED
