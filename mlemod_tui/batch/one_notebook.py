"""One notebook, headless, as a structured result: the batch's only way into the repair flow.

``run_one`` calls the public single-notebook entry (`headless.run_command`, what
``mlemod-tui run --json --report`` does) and returns its JSON and report data, so a batch
result is by construction the single-notebook result. ``python -m
mlemod_tui.batch.one_notebook SPEC OUT`` runs it in a process of its own: the worker's task
can then time it out, interrupt it, and lose nothing but that notebook when its kernel dies.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from mlemod_tui.core.runtime import parse_duration
from mlemod_tui.core.session import ScoreOptions
from mlemod_tui.headless import RunOptions, run_command
from mlemod_tui.repair_loop import AcceptPolicy


@dataclass(frozen=True)
class NotebookSettings:
    """The per-notebook options of a batch: what ``run`` takes, as plain data for a worker."""

    accept: AcceptPolicy = "none"
    max_attempts: int = 12
    cell_timeout: float | None = None
    kernel: str | None = None
    budget: str | None = None
    tolerance: float = 0.10
    ollama_host: str | None = None
    model: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NotebookSettings:
        return cls(**data)

    def run_options(self, notebook: Path, output: Path) -> RunOptions:
        return RunOptions(
            notebook=notebook,
            kernel=self.kernel,
            cell_timeout=self.cell_timeout,
            output=output,
            quiet=True,
            json=True,
            accept=self.accept,
            max_attempts=self.max_attempts,
            budget=parse_duration(self.budget) if self.budget else None,
            score=ScoreOptions(tolerance=self.tolerance),
            ollama_host=self.ollama_host,
            model=self.model,
        )


@dataclass
class OneRun:
    """What ``run`` printed as JSON, its report data, its exit code and what it said."""

    exit_code: int
    run: dict[str, Any]
    report: dict[str, Any] | None
    messages: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_one(options: RunOptions) -> OneRun:
    """Run one notebook exactly as ``mlemod-tui run --json --report`` would; never prints."""
    with tempfile.TemporaryDirectory(prefix="mlemod-one-") as scratch:
        report = Path(scratch) / "report.json"  # JSON whatever the caller asked: we read it
        options = replace(options, json=True, quiet=True, report=report)
        out, err = io.StringIO(), io.StringIO()
        exit_code = run_command(options, stdout=out, stderr=err)
        try:
            data = json.loads(out.getvalue())
        except ValueError:
            data = {"exit_code": exit_code, "verdict": err.getvalue().strip()[-500:]}
        report_data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return OneRun(exit_code, data, report_data, err.getvalue()[-2000:])


def die_with_parent() -> None:
    """Linux: SIGTERM when the worker that started us dies (a killed or lost Dask worker), so
    this run stops its kernel instead of running on, orphaned. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import os
    import signal

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent was already gone before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    """``SPEC OUT``: SPEC holds notebook, output and settings; OUT gets the OneRun as JSON."""
    die_with_parent()
    spec_path, out_path = (sys.argv[1:] if argv is None else argv)[:2]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    settings = NotebookSettings.from_json(spec["settings"])
    notebook = Path(spec["notebook"])
    options = settings.run_options(notebook, Path(spec["output"]))
    outcome = run_one(options)
    Path(out_path).write_text(json.dumps(outcome.to_json()), encoding="utf-8")
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
