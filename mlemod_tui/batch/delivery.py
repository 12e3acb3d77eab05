"""What the client does with a task's output: the result row and the files beside the original.

The modernized notebook goes where ``run`` puts it (``NAME.modernized.ipynb``); patched helper
modules go into ``NAME.modernized-files/`` beside it, never over the author's helpers (copy
them over to use the modernized notebook with them).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from mlemod_tui.batch.families import families_of
from mlemod_tui.batch.payload import NotebookJob
from mlemod_tui.batch.result import NotebookResult, Status, applied_sources, classify
from mlemod_tui.batch.task import TaskOutput
from mlemod_tui.core.notebook import write_atomic


def modernized_path(original: Path) -> Path:
    return original.with_name(f"{original.stem}.modernized.ipynb")


def helpers_folder(original: Path) -> Path:
    return original.with_name(f"{original.stem}.modernized-files")


def to_result(job: NotebookJob, output: TaskOutput, accept: str, key: str) -> NotebookResult:
    """The row for this notebook; the files are not written yet (see ``deliver``)."""
    name = str(job.source)
    if output.one is None:
        status: Status = "failed"
        if output.stopped is not None:
            status = "timeout" if output.stopped == "timeout" else "interrupted"
        detail = output.log.strip().splitlines()[-1] if output.log.strip() else "the run wrote no result"
        return NotebookResult(name, status, detail, worker=output.worker, wall_seconds=output.wall_seconds, key=key)
    run, report = output.one.run, output.one.report
    classified, detail = classify(run, report, accept)
    status = classified
    if output.stopped == "timeout":
        status, detail = "timeout", f"stopped after the batch's --timeout ({detail})"
    elif output.stopped == "interrupted":
        status = "interrupted"
    error = run.get("error") or {}
    sources = applied_sources(run)
    runtime = (report or {}).get("runtime") or {}
    return NotebookResult(
        notebook=name,
        status=status,
        detail=detail,
        failed_cell=error.get("cell"),
        error=f"{error.get('ename')}: {error.get('evalue')}" if error else None,
        seconds=runtime.get("today_seconds", run.get("seconds")),
        stored_seconds=runtime.get("original_seconds"),
        wall_seconds=output.wall_seconds,
        patches=sources,
        families=families_of(sources),
        exit_code=output.one.exit_code,
        worker=output.worker,
        key=key,
    )


def deliver(job: NotebookJob, output: TaskOutput, result: NotebookResult) -> None:
    """Write the modernized notebook and the patched helpers beside the original."""
    if output.modernized is not None:
        target = modernized_path(job.source)
        write_atomic(target, output.modernized.decode("utf-8"))
        result.output = str(target)
    own_folder = PurePosixPath(job.notebook).parent
    for name, data in sorted(output.helpers.items()):
        path = PurePosixPath(name)
        inside = path.relative_to(own_folder) if path.is_relative_to(own_folder) else "_parent" / path
        target = helpers_folder(job.source) / Path(*inside.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data.decode("utf-8"))
        result.helpers.append(str(target))
