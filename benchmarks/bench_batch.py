"""How much does `mlemod-tui batch --jobs 2` gain over `--jobs 1` on this machine?

Runs the sample notebooks (and, where restored, the real-notebook corpus in
``corpus/notebooks``; see corpus/README.md) through the batch engine twice in one process:
once on an embedded LocalCluster of 1 worker, once of 2, each on a fresh copy (so the two
runs see the same inputs and no stored result is reused) with ``--accept rules``. Prints the
wall time of each, the speed-up (jobs 1 / jobs 2) and the statuses, which must be the same.
No timed assertion: the figure depends on the cores and on what else the machine runs.

Usage: python benchmarks/bench_batch.py [--samples-only] [--corpus-limit N] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlemod_tui.batch.discover import find_notebooks
from mlemod_tui.batch.engine import BatchConfig, BatchRun
from mlemod_tui.batch.one_notebook import NotebookSettings

SAMPLES = ROOT / "sample_notebooks"
CORPUS = ROOT / "corpus" / "notebooks"


def stage(target: Path, *, corpus: bool, corpus_limit: int | None) -> list[Path]:
    """A private copy of the inputs: a batch writes NAME.modernized.ipynb beside each one."""
    shutil.copytree(SAMPLES, target / "samples", ignore=shutil.ignore_patterns("*.modernized.ipynb", ".*"))
    notebooks = find_notebooks([target / "samples"])
    if corpus and CORPUS.is_dir():
        entries = sorted(p for p in CORPUS.iterdir() if p.is_dir())[:corpus_limit]
        for entry in entries:
            shutil.copytree(entry, target / "corpus" / entry.name, ignore=shutil.ignore_patterns("*.modernized.ipynb"))
        if entries:
            notebooks += find_notebooks([target / "corpus"])
    return notebooks


def run(notebooks: list[Path], jobs: int, timeout: float) -> tuple[float, Counter[str]]:
    config = BatchConfig(
        settings=NotebookSettings(accept="rules"), jobs=jobs, timeout=timeout, store=None, resume=False
    )
    started = time.perf_counter()
    outcome = BatchRun(notebooks, config).run()
    return time.perf_counter() - started, Counter(result.status for result in outcome.results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples-only", action="store_true", help="leave the corpus out")
    parser.add_argument("--corpus-limit", type=int, metavar="N", help="only the first N corpus entries")
    parser.add_argument("--timeout", type=float, default=300.0, help="per notebook (default 300 s)")
    args = parser.parse_args(argv)
    walls: dict[int, float] = {}
    statuses: dict[int, Counter[str]] = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory(prefix=f"bench-batch-{jobs}-") as scratch:
            notebooks = stage(Path(scratch), corpus=not args.samples_only, corpus_limit=args.corpus_limit)
            walls[jobs], statuses[jobs] = run(notebooks, jobs, args.timeout)
        print(f"--jobs {jobs}: {len(notebooks)} notebooks in {walls[jobs]:.1f} s wall "
              f"({walls[jobs] / len(notebooks):.2f} s per notebook)", flush=True)
    print(f"speed-up (jobs 1 / jobs 2): {walls[1] / walls[2]:.2f}x")
    for jobs in (1, 2):
        print(f"statuses, --jobs {jobs}: " + ", ".join(f"{n} {s}" for s, n in statuses[jobs].most_common()))
    if statuses[1] != statuses[2]:
        print("note: the statuses differ between the runs (an unseeded notebook, or a timeout under load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
