"""How many real, eroded public notebooks do the offline rules make reproducible?

For every notebook of ``corpus/manifest.json`` (or ``--only ID ...``) this runs, each in its own
fresh copy of the notebook and its support files:

1. **before**: ``mlemod-tui run NB --json --quiet`` (no repairs): which cell fails first today,
   and so which cells ran before any fix (a top-down run stops at the first failure);
2. **scan**: ``mlemod-tui scan NB --json``: the first cell it predicts to crash;
3. **repair**: ``mlemod-tui run NB --accept rules --json --quiet``, which saves
   ``NB.modernized.ipynb``;
4. **fresh**: ``mlemod-tui run NB.modernized.ipynb --json --quiet`` in a new copy, with no
   repairs: the judge. The repair run's own verdict is not trusted (it has seen the notebook
   change under it); only a clean re-run of the saved notebook counts.

A notebook is reproducible *strictly* when every code cell of the fresh run ran and every
metric the manifest stored (extracted from the author's outputs by the project's own score
extraction) reappears in the same cell, same name, same occurrence, within rtol 1e-3; *within
the tool's tolerance* when the same holds at the CLI's default ``--tolerance`` (10%). A
*regression* is a cell that ran before the fix and fails after it, or a metric that matched
before and no longer does.

Every CLI call is a subprocess with a wall-clock limit (``--timeout``, default 300 s) and runs
with no network where ``unshare -n`` is allowed (root), so a notebook that quietly downloads
its data cannot pass here and fail offline.

Usage: python benchmarks/bench_corpus.py [--only ID ...] [--jobs 2] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import nbformat

from mlemod_tui.core.scores import DEFAULT_TOLERANCE, Score, compare_scores, notebook_scores

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(CORPUS))
import restore as corpus_restore  # noqa: E402  (corpus/restore.py: standard library only)

STRICT_RTOL = 1e-3
DEFAULT_TIMEOUT = 300.0
KILL_GRACE_SECONDS = 15.0


# --------------------------------------------------------------------------- running the CLI


@dataclass
class CliRun:
    """One ``mlemod-tui`` subprocess: its exit status, parsed ``--json`` report, time taken."""

    rc: int | None
    report: dict[str, Any] | None
    seconds: float
    timed_out: bool
    stderr_tail: str = ""

    @property
    def first_failure(self) -> int | None:
        """The notebook index of the first failed code cell (None: none failed or no report)."""
        return None if self.report is None else self.report.get("first_failure")

    def cell_status(self) -> dict[int, str]:
        """Notebook cell index -> status (ok, error, timeout, died, pending ...)."""
        cells = (self.report or {}).get("cells") or []
        return {cell["index"]: cell["status"] for cell in cells}

    def error(self) -> dict[str, Any] | None:
        """The first failure's cell, exception name and message, or None."""
        return None if self.report is None else self.report.get("error")


def offline_available() -> bool:
    """``unshare -n`` works here (root, or user namespaces): cells then see no network."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True)
    return probe.returncode == 0


def cli_command(args: Sequence[str], *, offline: bool) -> list[str]:
    """The ``mlemod-tui`` command line, run by this interpreter, optionally without network.

    In a new network namespace only loopback is brought up: the kernel's ZMQ sockets need it.
    """
    command = [sys.executable, "-m", "mlemod_tui", *args]
    if not offline:
        return command
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *command]


def run_cli(args: Sequence[str], *, cwd: Path, timeout: float, offline: bool) -> CliRun:
    """Run the CLI with a wall-clock limit; on expiry SIGTERM (the CLI then shuts its kernel
    down and saves what it has), then SIGKILL to the whole process group."""
    env = dict(os.environ, MPLBACKEND="agg", PYTHONWARNINGS="ignore::DeprecationWarning")
    env.pop("MLEMOD_OLLAMA_HOST", None)
    started = time.monotonic()
    process = subprocess.Popen(
        cli_command(args, offline=offline),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _signal_group(process, signal.SIGTERM)
        try:
            stdout, stderr = process.communicate(timeout=KILL_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    try:
        report = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    return CliRun(process.returncode, report, seconds, timed_out, stderr[-2000:])


def _signal_group(process: subprocess.Popen[str], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------- staging


def restored_folder(entry: Mapping[str, Any], mirrors: Path, *, clone: bool = True) -> Path:
    """``corpus/notebooks/<id>/``, restored first when it is missing or from another commit
    (from the mirrors; from GitHub too when ``clone``)."""
    _, failures = corpus_restore.restore([dict(entry)], mirrors=mirrors, network=clone)
    if failures:
        raise RuntimeError(failures[0])
    return corpus_restore.DEFAULT_DEST / entry["id"]


def stage(source: Path, target: Path) -> None:
    """A private copy of the restored files: runs write files, and no run may see another's."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.modernized.ipynb", ".mlemod"))


# --------------------------------------------------------------------------- judging


def stored_metrics(cells: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The metrics a notebook's outputs show, as the manifest stores them: cell, name, the
    occurrence of that name in that cell, value (as printed) and whether it was a percentage."""
    seen: dict[tuple[int, str], int] = defaultdict(int)
    metrics = []
    for score in notebook_scores(cells):
        key = (score.cell_index, score.name)
        metrics.append(
            {
                "cell": score.cell_index,
                "name": score.name,
                "occurrence": seen[key],
                "value": score.value,
                "percent": score.percent,
                "text": score.text[:120],
            }
        )
        seen[key] += 1
    return metrics


def _as_score(metric: Mapping[str, Any]) -> Score:
    return Score(
        name=metric["name"],
        value=float(metric["value"]),
        percent=bool(metric.get("percent")),
        cell_index=int(metric["cell"]),
        cell_id=None,
        text=metric.get("text", ""),
        lower_is_better=False,
    )


def compare_metrics(
    stored: Sequence[Mapping[str, Any]],
    today_cells: Sequence[Mapping[str, Any]],
    ran: set[int],
    tolerance: float,
) -> list[dict[str, Any]]:
    """One row per stored metric: today's value (same cell, name, occurrence; only from a cell
    that ran today) and whether it is within ``tolerance`` (relative)."""
    today: dict[tuple[int, str, int], Score] = {}
    seen: dict[tuple[int, str], int] = defaultdict(int)
    for score in notebook_scores(today_cells):
        key = (score.cell_index, score.name)
        today[(score.cell_index, score.name, seen[key])] = score
        seen[key] += 1
    rows = []
    for metric in stored:
        reference = _as_score(metric)
        now = today.get((reference.cell_index, reference.name, int(metric.get("occurrence", 0))))
        if now is not None and now.cell_index not in ran:
            now = None
        comparison = compare_scores(reference, now, tolerance)
        rows.append(
            {
                "cell": reference.cell_index,
                "name": reference.name,
                "stored": reference.value,
                "today": None if now is None else now.value,
                "relative": comparison.relative,
                "within": comparison.verdict == "within",
            }
        )
    return rows


def _read_cells(path: Path | None) -> list[Any]:
    if path is None or not path.exists():
        return []
    try:
        return list(nbformat.read(path, as_version=4).cells)
    except Exception:  # an unreadable save counts as no outputs at all
        return []


def first_line(text: str | None) -> str:
    """The first non-empty line of an exception message, shortened for grouping."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:160]
    return ""


_ABSOLUTE_PATH = re.compile(r"\(?(?:/[^\s/()'\"]+)+/(?:site-packages|dist-packages)/([^\s()'\"]+)\)?")
_STAGED_PATH = re.compile(r"/\S*?/corpus-[a-z0-9-]+-[a-z0-9_]+/(?:before|repair|fresh)/")
_LIBRARY_FRAME = re.compile(r"(?:site|dist)-packages/([A-Za-z_][A-Za-z0-9_]*)")


def normalize_message(text: str) -> str:
    """One failure's message as a grouping key: no install prefix, no temporary folder."""
    text = _ABSOLUTE_PATH.sub(lambda m: f"(site-packages/{m.group(1)})", text)
    return _STAGED_PATH.sub("", text)


_FRAME_FILE = re.compile(r"^\s*File \(?([^\s:()]+\.py)", re.MULTILINE)


def raising_library(traceback: str | None) -> str:
    """Where the failure came from, by the first frame past the cell that is not IPython's
    own: an installed library (``pandas``, ``sklearn`` ...), a helper module shipped beside
    the notebook (``helper module preamble.py``), or else the notebook's own code (a call
    with a removed keyword fails at the call site, before any library frame)."""
    for path in _FRAME_FILE.findall(strip_ansi(traceback or "")):
        library = _LIBRARY_FRAME.search(path)
        if library is not None:
            if library.group(1) in ("IPython", "ipykernel"):
                continue
            return library.group(1)
        if _STAGED_PATH.search(path) or not path.startswith("/"):
            return f"helper module {Path(path).name}"
    return "notebook code"


def strip_ansi(text: str) -> str:
    """Tracebacks from the kernel may carry colour codes."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def describe_error(run: CliRun) -> str:
    """``ename: first line of the message`` of a run's first failure, or how it ended."""
    if run.timed_out:
        return "timeout (whole run)"
    error = run.error()
    if error is None:
        failure = run.first_failure
        status = run.cell_status().get(failure) if failure is not None else None
        if status == "timeout":
            return "cell timeout"
        if status == "died":
            return "kernel died"
        if run.report is None:
            return f"no JSON report (exit {run.rc}): {first_line(run.stderr_tail[-300:])}"
        return f"cell {status}" if status else "interrupted"
    return normalize_message(f"{error.get('ename')}: {first_line(error.get('evalue'))}")


def scan_first_crash(report: Mapping[str, Any] | None) -> int | None:
    """The first cell the scan predicts to crash: where it says the crash surfaces (the caller
    of an eroded function, the importer of an eroded helper module), else the first cell with
    a rule finding of kind ``crash``."""
    if not report:
        return None
    predicted = [
        crash["cell"]
        for notebook in report.get("notebooks", [])
        for crash in notebook.get("predicted_crashes", [])
    ]
    if predicted or any("predicted_crashes" in nb for nb in report.get("notebooks", [])):
        return min(predicted) if predicted else None
    cells = [
        cell["index"]
        for notebook in report.get("notebooks", [])
        for cell in notebook.get("cells", [])
        if any(finding.get("kind") == "crash" for finding in cell.get("findings", []))
    ]
    return min(cells) if cells else None


# --------------------------------------------------------------------------- one notebook


@dataclass
class Options:
    timeout: float = DEFAULT_TIMEOUT
    cell_timeout: float | None = None
    max_attempts: int | None = None
    offline: bool = True
    mirrors: Path = corpus_restore.DEFAULT_MIRRORS
    clone: bool = True
    reuse_baseline: bool = False
    keep: Path | None = None


@dataclass
class Outcome:
    """Everything measured for one notebook; ``to_json`` is what --out writes."""

    id: str
    before: dict[str, Any] = field(default_factory=dict)
    scan: dict[str, Any] = field(default_factory=dict)
    repair: dict[str, Any] = field(default_factory=dict)
    fresh: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    strict: bool = False
    loose: bool = False
    cause: str | None = None
    loose_cause: str | None = None
    regressions: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _run_args(notebook: Path, options: Options, *extra: str) -> list[str]:
    args = ["run", str(notebook), "--json", "--quiet", *extra]
    if options.cell_timeout:
        args += ["--cell-timeout", str(options.cell_timeout)]
    return args


def _before(entry: Mapping[str, Any], source: Path, work: Path, options: Options) -> dict[str, Any]:
    """The plain run of the original (or the manifest's record of it with --reuse-baseline)."""
    if options.reuse_baseline:
        error = entry.get("first_error")
        return {
            "first_failure": None if error is None else error["cell"],
            "error": None if error is None else f"{error['ename']}: {error['message']}",
            "seconds": entry.get("runtime_seconds"),
            "from_manifest": True,
            "metrics": [],
        }
    folder = work / "before"
    stage(source, folder)
    notebook = folder / entry["path"]
    output = notebook.with_name("before.ipynb")
    run = run_cli(
        _run_args(notebook, options, "--output", str(output)),
        cwd=notebook.parent, timeout=options.timeout, offline=options.offline,
    )
    ran = {index for index, status in run.cell_status().items() if status == "ok"}
    metrics = compare_metrics(entry.get("stored_metrics", []), _read_cells(output), ran, STRICT_RTOL)
    return {
        "first_failure": run.first_failure,
        "error": None if run.first_failure is None and not run.timed_out else describe_error(run),
        "ok_cells": sorted(ran),
        "seconds": round(run.seconds, 1),
        "timed_out": run.timed_out,
        "metrics": metrics,
    }


def _scan(notebook: Path, options: Options) -> dict[str, Any]:
    run = run_cli(
        ["scan", str(notebook), "--json", "--no-diff"],
        cwd=notebook.parent, timeout=options.timeout, offline=options.offline,
    )
    return {"first_crash": scan_first_crash(run.report), "exit": run.rc}


def bench_entry(entry: Mapping[str, Any], options: Options) -> Outcome:
    """before → scan → repair → fresh re-run, each in its own copy; then the verdicts."""
    outcome = Outcome(entry["id"])
    work = Path(tempfile.mkdtemp(prefix=f"corpus-{entry['id']}-"))
    try:
        source = restored_folder(entry, options.mirrors, clone=options.clone)
        outcome.before = _before(entry, source, work, options)

        repaired = work / "repair"
        stage(source, repaired)
        notebook = repaired / entry["path"]
        outcome.scan = _scan(notebook, options)
        extra = ["--accept", "rules"]
        if options.max_attempts is not None:
            extra += ["--max-attempts", str(options.max_attempts)]
        repair = run_cli(
            [*_run_args(notebook, options, *extra)],
            cwd=notebook.parent, timeout=options.timeout, offline=options.offline,
        )
        modernized = notebook.with_name(f"{notebook.stem}.modernized.ipynb")
        steps = (repair.report or {}).get("steps") or []
        outcome.repair = {
            "tool_says_reproducible": bool((repair.report or {}).get("reproducible")),
            "exit": repair.rc,
            "seconds": round(repair.seconds, 1),
            "timed_out": repair.timed_out,
            "applied": [step.get("source") for step in steps if step.get("applied")],
            "steps": [
                {k: step.get(k) for k in ("problem", "kind", "source", "applied", "note")}
                for step in steps
            ],
            "stopped": describe_error(repair) if repair.first_failure is not None else None,
            "saved": modernized.exists(),
        }
        if not modernized.exists():
            outcome.cause = "timeout (repair run)" if repair.timed_out else "no modernized notebook saved"
            outcome.loose_cause = outcome.cause
            return outcome

        fresh_folder = work / "fresh"
        stage(source, fresh_folder)
        fresh_notebook = (fresh_folder / entry["path"]).with_name(modernized.name)
        shutil.copy2(modernized, fresh_notebook)
        # The tool's output is the modernized notebook and the helper modules it patched in
        # place (``file:<path>`` in metadata.mlemod): the judge gets both, as a user has them.
        outcome.repair["support_files"] = _carry_support_files(
            modernized, notebook.parent, fresh_notebook.parent
        )
        fresh_output = fresh_notebook.with_name("fresh.ipynb")
        fresh = run_cli(
            [*_run_args(fresh_notebook, options, "--output", str(fresh_output))],
            cwd=fresh_notebook.parent, timeout=options.timeout, offline=options.offline,
        )
        _judge(entry, outcome, fresh, _read_cells(fresh_output))
        if options.keep is not None:
            keep = options.keep / entry["id"]
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(modernized, keep / modernized.name)
            if fresh_output.exists():
                shutil.copy2(fresh_output, keep / "fresh.ipynb")
    except Exception as exc:  # one broken entry must not stop the corpus
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.cause = outcome.loose_cause = f"benchmark error: {type(exc).__name__}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return outcome


def _carry_support_files(modernized: Path, source: Path, target: Path) -> list[str]:
    """Copy the helper files the repair patched (``file:`` ids) from ``source`` to ``target``."""
    metadata = json.loads(modernized.read_text(encoding="utf-8")).get("metadata", {})
    patches = (metadata.get("mlemod") or {}).get("patches") or []
    carried = []
    for cell_id in dict.fromkeys(cid for patch in patches for cid in patch.get("cell_ids", [])):
        if not cell_id.startswith("file:"):
            continue
        relative = cell_id.removeprefix("file:")
        if (source / relative).is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, target / relative)
            carried.append(relative)
    return carried


def _judge(entry: Mapping[str, Any], outcome: Outcome, fresh: CliRun, cells: list[Any]) -> None:
    """Strict and loose verdicts, the cause of a miss, and regressions, from the fresh run."""
    statuses = fresh.cell_status()
    ran = {index for index, status in statuses.items() if status == "ok"}
    all_ran = bool(statuses) and not fresh.timed_out and fresh.first_failure is None and (
        len(ran) == len(statuses)
    )
    stored = entry.get("stored_metrics", [])
    strict_rows = compare_metrics(stored, cells, ran, STRICT_RTOL)
    loose_rows = compare_metrics(stored, cells, ran, DEFAULT_TOLERANCE)
    outcome.metrics = strict_rows
    error = fresh.error() or {}
    outcome.fresh = {
        "first_failure": fresh.first_failure,
        "error": None if all_ran else describe_error(fresh),
        "library": None if all_ran or not error else raising_library(error.get("traceback")),
        "traceback_tail": None if all_ran else normalize_message(
            (error.get("traceback") or fresh.stderr_tail)[-1500:]
        ),
        "seconds": round(fresh.seconds, 1),
        "cells_ok": len(ran),
        "cells": len(statuses),
    }
    outcome.strict = all_ran and all(row["within"] for row in strict_rows)
    outcome.loose = all_ran and all(row["within"] for row in loose_rows)
    if not all_ran:
        outcome.cause = outcome.loose_cause = describe_error(fresh)
    else:
        outcome.cause = _metric_cause(strict_rows)
        outcome.loose_cause = _metric_cause(loose_rows)

    before_failure = outcome.before.get("first_failure")
    failure = fresh.first_failure
    if failure is not None and (before_failure is None or failure < before_failure):
        outcome.regressions.append(
            f"cell {failure} ran before the fix and now fails: {describe_error(fresh)}"
        )
    # A metric that matched before the fix and is now beyond the tool's tolerance is a
    # regression; one that only left the strict band may be run-to-run noise of an unseeded
    # cell, so it is listed apart.
    # (No metrics before: nothing to compare, so zip stops at the shortest.)
    for old, new, loose_row in zip(
        outcome.before.get("metrics", []), strict_rows, loose_rows, strict=False
    ):
        if not old["within"] or new["within"]:
            continue
        line = (f"metric {new['name']} (cell {new['cell']}) matched before the fix: "
                f"{new['stored']:g} -> {new['today']}")
        if loose_row["within"]:
            outcome.moved.append(line)
        else:
            outcome.regressions.append(line)


def _metric_cause(rows: Sequence[Mapping[str, Any]]) -> str | None:
    missing = [row for row in rows if not row["within"] and row["today"] is None]
    drifted = [row for row in rows if not row["within"] and row["today"] is not None]
    if drifted:
        return "metric drift"
    if missing:
        return "metric not produced"
    return None


# --------------------------------------------------------------------------- the corpus


def run_corpus(
    entries: Sequence[Mapping[str, Any]],
    options: Options,
    jobs: int,
    progress: Callable[[Outcome, int, int], None] | None = None,
) -> list[Outcome]:
    """``jobs`` notebooks at once (each a chain of subprocesses); results in manifest order."""
    order = {entry["id"]: i for i, entry in enumerate(entries)}
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(bench_entry, entry, options) for entry in entries]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            if progress:
                progress(outcome, len(outcomes), len(entries))
    return sorted(outcomes, key=lambda outcome: order[outcome.id])


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The headline ratios, the scan's hit rate on crashing notebooks, misses by cause."""
    total = len(outcomes)
    crashing = [o for o in outcomes if o.before.get("first_failure") is not None]
    scan_hits = [o for o in crashing if o.scan.get("first_crash") == o.before["first_failure"]]
    claimed = [o for o in outcomes if o.repair.get("tool_says_reproducible")]
    groups: dict[str, list[str]] = defaultdict(list)
    loose_groups: dict[str, list[str]] = defaultdict(list)
    libraries: dict[str, list[str]] = defaultdict(list)
    drift: dict[str, list[str]] = {}
    for outcome in outcomes:
        if not outcome.strict:
            groups[outcome.cause or "?"].append(outcome.id)
            libraries[outcome.fresh.get("library") or _non_crash(outcome)].append(outcome.id)
        if not outcome.loose:
            loose_groups[outcome.loose_cause or "?"].append(outcome.id)
        off = [
            f"{row['name']} (cell {row['cell']}): {row['stored']:g} -> "
            + ("not produced" if row["today"] is None else f"{row['today']:g}")
            for row in outcome.metrics
            if not row["within"]
        ]
        if off and not outcome.fresh.get("error"):
            drift[outcome.id] = off
    return {
        "date": date.today().isoformat(),
        "notebooks": total,
        "strict": sum(o.strict for o in outcomes),
        "loose": sum(o.loose for o in outcomes),
        "tool_says_reproducible": len(claimed),
        "tool_claims_not_reproducible_strict": sorted(o.id for o in claimed if not o.strict),
        "crashing_before": len(crashing),
        "scan_hits": len(scan_hits),
        "scan_misses": {
            o.id: {"scan": o.scan.get("first_crash"), "run": o.before["first_failure"]}
            for o in crashing
            if o not in scan_hits
        },
        "regressions": {o.id: o.regressions for o in outcomes if o.regressions},
        "moved_within_tolerance": {o.id: o.moved for o in outcomes if o.moved},
        "misses_by_cause": dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
        "loose_misses_by_cause": dict(
            sorted(loose_groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ),
        "misses_by_library": dict(sorted(libraries.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
        "metric_drift": drift,
        "library_of": {o.id: o.fresh.get("library") for o in outcomes if o.fresh.get("library")},
    }


def _non_crash(outcome: Outcome) -> str:
    """The group of a strict miss that raised nothing in the fresh run."""
    if outcome.cause and outcome.cause.startswith("metric"):
        return "score (no crash)"
    return outcome.cause or "?"


def print_summary(summary: Mapping[str, Any], stream: Any = sys.stdout) -> None:
    total = summary["notebooks"]
    write = stream.write
    write(f"reproducible (strict): {summary['strict']}/{total}\n")
    write(f"reproducible (tool tolerance {DEFAULT_TOLERANCE:.0%}): {summary['loose']}/{total}\n")
    write(
        f"tool said reproducible: {summary['tool_says_reproducible']}/{total}"
        f" (not strictly reproducible by a fresh re-run: "
        f"{len(summary['tool_claims_not_reproducible_strict'])})\n"
    )
    write(f"scan names first crashing cell: {summary['scan_hits']}/{summary['crashing_before']}\n")
    if summary.get("project_commit"):
        write(f"project at {summary['project_commit']}, {summary['date']}\n")
    regressions = summary["regressions"]
    write(f"regressions: {len(regressions)}\n")
    for notebook, lines in regressions.items():
        for line in lines:
            write(f"  {notebook}: {line}\n")
    moved = summary.get("moved_within_tolerance", {})
    if moved:
        write(f"metrics that matched before a fix and moved within the tool's tolerance: {len(moved)}\n")
        for notebook, lines in moved.items():
            for line in lines:
                write(f"  {notebook}: {line}\n")
    write("misses by cause (strict; [library the cell called into]):\n")
    library_of = summary.get("library_of", {})
    for cause, ids in summary["misses_by_cause"].items():
        libs = sorted({library_of[i] for i in ids if i in library_of})
        tag = f" [{', '.join(libs)}]" if libs else ""
        write(f"  {len(ids):3d}  {cause}{tag}\n       {', '.join(ids)}\n")
    write("misses by library:\n")
    for library, ids in summary.get("misses_by_library", {}).items():
        write(f"  {len(ids):3d}  {library}\n")
    if summary.get("metric_drift"):
        write("metrics not reproduced (every cell ran):\n")
        for notebook, lines in summary["metric_drift"].items():
            write(f"  {notebook}: {'; '.join(lines[:4])}{' ...' if len(lines) > 4 else ''}\n")


def _project_commit() -> str | None:
    """The checkout's commit: the figures belong to the rules as they were at it."""
    result = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "mlemod_tui"],
                           capture_output=True, text=True).stdout.strip()
    return (result.stdout.strip() + ("+uncommitted" if dirty else "")) if result.returncode == 0 else None


def load_entries(manifest: Path, only: Sequence[str] | None) -> list[dict[str, Any]]:
    entries = corpus_restore.load_manifest(manifest)["notebooks"]
    return corpus_restore.select(entries, list(only) if only else None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=corpus_restore.DEFAULT_MANIFEST)
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these manifest ids")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at once (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help="wall-clock limit per CLI run, seconds (default 300)")
    parser.add_argument("--cell-timeout", type=float, help="passed to `run --cell-timeout`")
    parser.add_argument("--max-attempts", type=int,
                        help="passed to `run --max-attempts` (default: the tool's own)")
    parser.add_argument("--mirrors", type=Path, default=corpus_restore.DEFAULT_MIRRORS,
                        help="git mirrors to restore missing notebooks from")
    parser.add_argument("--no-clone", action="store_true",
                        help="restore from the mirrors only, never clone from GitHub")
    parser.add_argument("--online", action="store_true",
                        help="let cells reach the network (default: none, where unshare works)")
    parser.add_argument("--reuse-baseline", action="store_true",
                        help="take the before-fix first failure from the manifest, not a run")
    parser.add_argument("--keep", type=Path, help="copy each modernized and fresh notebook here")
    parser.add_argument("--out", type=Path, help="write every result and the summary as JSON")
    parser.add_argument("--summarize", type=Path, metavar="RESULTS",
                        help="print the summary of an earlier --out file, run nothing")
    args = parser.parse_args(argv)

    if args.summarize is not None:
        saved = json.loads(args.summarize.read_text())
        outcomes = [Outcome(**result) for result in saved["results"]]
        for outcome in outcomes:  # re-derived, so a better classifier applies to old runs
            if outcome.fresh.get("traceback_tail"):
                outcome.fresh["library"] = raising_library(outcome.fresh["traceback_tail"])
        print_summary(summarize(outcomes))
        return 0
    try:
        entries = load_entries(args.manifest, args.only)
    except (OSError, ValueError, KeyError, corpus_restore.RestoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    offline = not args.online and offline_available()
    if not args.online and not offline:
        print("note: `unshare -n` is not allowed here; cells can reach the network", file=sys.stderr)
    options = Options(
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        max_attempts=args.max_attempts,
        offline=offline,
        mirrors=args.mirrors,
        clone=not args.no_clone,
        reuse_baseline=args.reuse_baseline,
        keep=args.keep,
    )

    def progress(outcome: Outcome, done: int, total: int) -> None:
        verdict = "strict" if outcome.strict else "loose" if outcome.loose else "miss"
        why = "" if outcome.strict else f" — {outcome.cause}"
        print(f"[{done}/{total}] {outcome.id}: {verdict}{why}", file=sys.stderr, flush=True)

    started = time.monotonic()
    outcomes = run_corpus(entries, options, args.jobs, progress)
    summary = summarize(outcomes)
    summary["seconds"] = round(time.monotonic() - started, 1)
    summary["project_commit"] = _project_commit()
    summary["offline"] = offline
    print_summary(summary)
    if args.out is not None:
        args.out.write_text(
            json.dumps({"summary": summary, "results": [o.to_json() for o in outcomes]}, indent=2)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
