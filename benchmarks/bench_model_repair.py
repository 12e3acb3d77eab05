"""How far does `run --accept all` get with a real local model behind the rules?

For each sample notebook (and, with ``--corpus``, each restored notebook of
``corpus/manifest.json``), in a fresh copy:

1. ``mlemod-tui run NB --accept all --json`` against ``--ollama-host``/``--model``, through a
   recording proxy that counts the model's prompt and generated tokens;
2. ``mlemod-tui run NB.modernized.ipynb --json`` in a new kernel: the saved notebook must run
   on its own, or the loop's "reproducible" does not count.

It prints one line per notebook and a summary: reproducible N/M (the loop's verdict, and how
many saved notebooks a fresh run confirms), patches kept (from rules / the model), rolled
back, refused before applying, model answers that gave no patch, seconds and tokens. A model
at temperature 0.2 does not answer identically twice; run it more than once to see the spread.

    python benchmarks/bench_model_repair.py --ollama-host http://127.0.0.1:11439 \\
        --model qwen2.5-coder:1.5b [--corpus] [--only NAME ...] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.record_model_replies import SAMPLE_FLAGS, SAMPLES, Recorder

CORPUS = ROOT / "corpus"


@dataclass
class Case:
    """One notebook to repair: where its files are and the flags outcomes.json uses."""

    name: str
    folder: Path
    notebook: str
    flags: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    name: str
    reproducible: bool = False
    fresh_ok: bool = False
    exit_code: int | None = None
    kept_rule: int = 0
    kept_model: int = 0
    rolled_back: int = 0
    refused: int = 0
    no_patch: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    generated_tokens: int = 0
    seconds: float = 0.0
    stopped_because: str = ""
    notes: list[str] = field(default_factory=list)


def sample_cases() -> list[Case]:
    return [
        Case(p.name, SAMPLES, p.name, SAMPLE_FLAGS.get(p.name, []))
        for p in sorted(SAMPLES.glob("*.ipynb"))
        if ".modernized" not in p.name
    ]


def corpus_cases() -> list[Case]:
    """Manifest entries whose notebook is restored under corpus/notebooks/<id>/."""
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for entry in manifest["notebooks"]:
        folder = CORPUS / "notebooks" / entry["id"]
        if (folder / entry["path"]).is_file():
            cases.append(Case(entry["id"], folder, entry["path"]))
    return cases


def stage(case: Case, into: Path) -> Path:
    """A private copy: the samples' notebooks and data, or the corpus entry's folder."""
    if case.folder == SAMPLES:
        into.mkdir(parents=True)
        for item in SAMPLES.iterdir():
            if item.suffix in (".ipynb", ".csv") and ".modernized" not in item.name:
                shutil.copy(item, into / item.name)
    else:
        shutil.copytree(case.folder, into, ignore=shutil.ignore_patterns("*.modernized.ipynb", ".mlemod"))
    return into / case.notebook


def cli(args: list[str], cwd: Path, timeout: float) -> tuple[int | None, dict[str, Any] | None]:
    """``mlemod-tui ARGS --json --quiet`` as a subprocess: its exit code and JSON report."""
    command = [sys.executable, "-m", "mlemod_tui", *args, "--json", "--quiet"]
    env = {**os.environ, "MLEMOD_OLLAMA_TIMEOUT": str(int(timeout))}
    try:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, None
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    return done.returncode, report if isinstance(report, dict) else None


def count_steps(outcome: Outcome, steps: list[dict[str, Any]]) -> None:
    """Kept, rolled back, refused or no patch, from the loop's own step records."""
    for step in steps:
        note = str(step.get("note") or "").lower()
        source = str(step.get("source") or "")
        if step.get("applied"):
            if source.startswith("rule:"):
                outcome.kept_rule += 1
            else:
                outcome.kept_model += 1
        elif note.startswith("rolled back"):
            outcome.rolled_back += 1
        elif note.startswith("refused") or "refused before" in note:  # def-use, or a repeat
            outcome.refused += 1
        elif not source:
            outcome.no_patch += 1
        if note and not step.get("applied"):
            outcome.notes.append(f"{step.get('kind')}: {note[:160]}")


def bench(case: Case, recorder: Recorder, model: str, attempts: int, timeout: float) -> Outcome:
    outcome = Outcome(case.name)
    with tempfile.TemporaryDirectory(prefix="mlemod-bench-model-") as tmp:
        path = stage(case, Path(tmp) / "work")
        recorder.label = {"notebook": case.name}
        calls_before = len(recorder.records)
        started = time.perf_counter()
        saved = path.with_name(path.stem + ".modernized.ipynb")
        code, report = cli(
            ["run", str(path), "--accept", "all", "--ollama-host", recorder.url, "--model", model,
             "--max-attempts", str(attempts), "--output", str(saved), *case.flags],
            path.parent, timeout,
        )
        outcome.seconds = time.perf_counter() - started
        outcome.exit_code = code
        mine = recorder.records[calls_before:]
        outcome.model_calls = len(mine)
        outcome.prompt_tokens = sum(int(r.get("prompt_eval_count") or 0) for r in mine)
        outcome.generated_tokens = sum(int(r.get("eval_count") or 0) for r in mine)
        if report is None:
            outcome.stopped_because = "timed out" if code is None else f"no JSON report (exit {code})"
            return outcome
        outcome.reproducible = bool(report.get("reproducible"))
        count_steps(outcome, list(report.get("steps") or []))
        if saved.is_file():
            fresh_folder = Path(tmp) / "fresh"
            fresh_path = stage(case, fresh_folder)
            shutil.copy(saved, fresh_path)  # the saved notebook in place of the original
            _, fresh = cli(["run", str(fresh_path), "--output", str(fresh_path.with_suffix(".again.ipynb")),
                            *case.flags], fresh_path.parent, timeout)
            outcome.fresh_ok = bool(fresh and fresh.get("succeeded"))
    return outcome


def summary(outcomes: list[Outcome], model: str) -> str:
    m = len(outcomes)
    total = sum(o.seconds for o in outcomes)
    lines = [
        (
            f"model {model}: reproducible {sum(o.reproducible for o in outcomes)}/{m} "
            f"(a fresh run of the saved notebook runs every cell: {sum(o.fresh_ok for o in outcomes)}/{m}; "
            f"reproducible and confirmed: {sum(o.reproducible and o.fresh_ok for o in outcomes)}/{m})"
        ),
        (
            f"patches kept {sum(o.kept_rule + o.kept_model for o in outcomes)} "
            f"(rules {sum(o.kept_rule for o in outcomes)}, model {sum(o.kept_model for o in outcomes)}), "
            f"rolled back {sum(o.rolled_back for o in outcomes)}, refused {sum(o.refused for o in outcomes)}, "
            f"steps with no patch (an unusable answer, no rule, or unfixable) {sum(o.no_patch for o in outcomes)}"
        ),
        (
            f"{sum(o.model_calls for o in outcomes)} model calls, "
            f"{sum(o.prompt_tokens for o in outcomes)} prompt + {sum(o.generated_tokens for o in outcomes)} "
            f"generated tokens, {total:.0f} s"
        ),
    ]
    return "\n".join(lines)


def row(o: Outcome) -> str:
    return (
        f"{o.name[:44]:44} {'yes' if o.reproducible else 'no':>4} {'ok' if o.fresh_ok else 'FAIL':>5} "
        f"{o.kept_rule:>3}/{o.kept_model:<3} {o.rolled_back:>4} {o.refused:>4} {o.no_patch:>4} "
        f"{o.model_calls:>4} {o.prompt_tokens:>7} {o.generated_tokens:>6} {o.seconds:>6.0f}"
    )


HEADER = (
    f"{'notebook':44} {'repr':>4} {'fresh':>5} {'kept r/m':>7} {'back':>4} {'refd':>4} {'none':>4} "
    f"{'calls':>4} {'prompt':>7} {'gen':>6} {'s':>6}"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ollama-host", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--corpus", action="store_true", help="also the restored corpus notebooks")
    parser.add_argument("--no-samples", action="store_true")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="notebook file names or corpus ids")
    parser.add_argument("--max-attempts", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per CLI call")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args(argv)
    cases = ([] if args.no_samples else sample_cases()) + (corpus_cases() if args.corpus else [])
    if args.only:
        cases = [c for c in cases if c.name in args.only or c.notebook in args.only]
    if not cases:
        print("nothing to run", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mlemod-bench-calls-") as calls:
        recorder = Recorder(args.ollama_host, Path(calls))
        outcomes = []
        print(HEADER, flush=True)
        try:
            for case in cases:
                outcome = bench(case, recorder, args.model, args.max_attempts, args.timeout)
                outcomes.append(outcome)
                print(row(outcome), flush=True)
        finally:
            recorder.close()
    print(summary(outcomes, args.model))
    if args.json is not None:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
