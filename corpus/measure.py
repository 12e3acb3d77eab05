"""Fill in the measured fields of corpus/manifest.json from today's libraries.

For each entry (or ``--only ID ...``): restore it if needed, run it once with no repairs
(``mlemod-tui run NB --json --quiet``, no network where ``unshare -n`` works), and write back
``first_error`` (cell index, exception name, first line of the message; null when every cell
ran), ``cells_ok_before`` / ``code_cells``, ``runtime_seconds``, and ``stored_metrics`` (what
the author's outputs show, read by the project's own score extraction). The rest of an entry
(repo, commit, path, support, needs, notes) is hand-written and left alone. Also records the
library versions the measurement was made with, because "first error today" means nothing
without them.

Run with the project's interpreter: ``.venv/bin/python corpus/measure.py [--jobs 2]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "benchmarks"))
sys.path.insert(0, str(HERE))
import bench_corpus as bench  # noqa: E402
import restore as corpus_restore  # noqa: E402

LIBRARIES = ("numpy", "pandas", "scikit-learn", "scipy", "matplotlib", "seaborn", "ipykernel")


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries the corpus notebooks use."""
    versions = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def measure_entry(entry: dict[str, Any], options: bench.Options) -> dict[str, Any]:
    """The measured fields of one entry (a plain run of a private copy)."""
    source = bench.restored_folder(entry, options.mirrors, clone=options.clone)
    original = nbformat.read(source / entry["path"], as_version=4)
    with tempfile.TemporaryDirectory(prefix=f"measure-{entry['id']}-") as work:
        folder = Path(work) / "nb"
        bench.stage(source, folder)
        notebook = folder / entry["path"]
        output = notebook.with_name("measured.ipynb")
        run = bench.run_cli(
            bench._run_args(notebook, options, "--output", str(output)),
            cwd=notebook.parent, timeout=options.timeout, offline=options.offline,
        )
    statuses = run.cell_status()
    error = run.error()
    first_error: dict[str, Any] | None = None
    if run.first_failure is not None or run.timed_out:
        first_error = {
            "cell": run.first_failure,
            "ename": error.get("ename") if error else bench.describe_error(run),
            "message": bench.first_line(error.get("evalue")) if error else "",
        }
    return {
        "first_error": first_error,
        "code_cells": len(statuses) or sum(c.cell_type == "code" for c in original.cells),
        "cells_ok_before": sum(status == "ok" for status in statuses.values()),
        "runtime_seconds": round(run.seconds, 1),
        "stored_metrics": bench.stored_metrics(original.cells),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=corpus_restore.DEFAULT_MANIFEST)
    parser.add_argument("--only", nargs="+", metavar="ID")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=bench.DEFAULT_TIMEOUT)
    parser.add_argument("--mirrors", type=Path, default=corpus_restore.DEFAULT_MIRRORS)
    parser.add_argument("--online", action="store_true", help="let cells reach the network")
    parser.add_argument("--no-clone", action="store_true", help="never clone from GitHub")
    args = parser.parse_args(argv)
    manifest = corpus_restore.load_manifest(args.manifest)
    entries = corpus_restore.select(manifest["notebooks"], args.only)
    options = bench.Options(
        timeout=args.timeout,
        offline=not args.online and bench.offline_available(),
        mirrors=args.mirrors,
        clone=not args.no_clone,
    )

    def one(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | str]:
        try:
            return entry, measure_entry(entry, options)
        except Exception as exc:  # report and carry on with the others
            return entry, f"{type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for entry, measured in pool.map(one, entries):
            if isinstance(measured, str):
                print(f"{entry['id']}: error: {measured}", file=sys.stderr)
                continue
            entry.update(measured)
            error = measured["first_error"]
            what = "all cells ran" if error is None else f"cell {error['cell']}: {error['ename']}: {error['message']}"
            print(f"{entry['id']}: {what} ({measured['runtime_seconds']} s, "
                  f"{len(measured['stored_metrics'])} metrics)", file=sys.stderr, flush=True)
    manifest["measured"] = {"date": date.today().isoformat(), "offline": options.offline,
                            "libraries": library_versions()}
    args.manifest.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
