"""The `mlemod-tui` command: parsing only; the work lives in the core, headless and tui.

    mlemod-tui NOTEBOOK [options]        the interactive TUI
    mlemod-tui run NOTEBOOK [options]    headless: run top to bottom, save, report
    mlemod-tui scan NOTEBOOK...          offline: predict erosion crashes and drift, propose fixes
    mlemod-tui batch PATH...             many notebooks headless, on Dask (local by default)
    mlemod-tui FOLDER | NOTEBOOK...      the TUI's folder screen, one row per notebook
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlemod_tui import __version__
from mlemod_tui.core.runtime import parse_duration
from mlemod_tui.core.session import ScoreOptions
from mlemod_tui.errors import MlemodError

SUBCOMMANDS = ("run", "scan", "batch")
EXIT_USAGE = 2


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def add_shared_options(parser: argparse.ArgumentParser) -> None:
    """Options every front end understands."""
    parser.add_argument("notebook", type=Path, help="the .ipynb notebook to open")
    parser.add_argument(
        "--kernel",
        metavar="NAME",
        help="Jupyter kernelspec (default: the notebook's own when installed, else python3)",
    )
    parser.add_argument(
        "--cell-timeout",
        type=_positive_seconds,
        metavar="SECONDS",
        help="interrupt a cell that runs longer and report a timeout",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="PATH",
        help="where the executed notebook is saved (default: NAME.modernized.ipynb beside it)",
    )
    parser.add_argument(
        "--existing",
        type=Path,
        metavar="CONNECTION_FILE",
        help="attach to a running kernel (e.g. `jupyter kernel` on a GPU server, over an SSH tunnel)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--json", action="store_true", help="print the result as JSON on stdout"
    )


def add_goal_options(parser: argparse.ArgumentParser) -> None:
    """Budget, score and model options: what "reproducible" means and who proposes fixes."""
    parser.add_argument("--budget", metavar="DURATION", help="runtime budget, e.g. 90s, 30m, 9h")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.10,
        metavar="FRACTION",
        help="relative score tolerance (default 0.10 = 10%%)",
    )
    parser.add_argument("--metric", metavar="NAME_OR_REGEX", help="which stored metric to compare")
    parser.add_argument("--target", type=float, metavar="VALUE", help="reference score to reach")
    parser.add_argument(
        "--lower-is-better", action="store_true", help="the metric is a loss or an error"
    )
    parser.add_argument(
        "--ollama-host",
        metavar="URL",
        help="Ollama server (default: $OLLAMA_HOST, then the config file, then http://127.0.0.1:11434)",
    )
    parser.add_argument(
        "--model", metavar="NAME", help="model served by Ollama (default: config, then qwen2.5-coder:7b)"
    )


def score_options(args: argparse.Namespace) -> ScoreOptions:
    if args.tolerance < 0:
        raise MlemodError("--tolerance must be 0 or more (a fraction: 0.1 = 10%)")
    return ScoreOptions(
        metric=args.metric,
        target=args.target,
        lower_is_better=True if args.lower_is_better else None,
        tolerance=args.tolerance,
    )


def build_tui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlemod-tui",
        description=(
            "Run an old machine-learning notebook cell by cell on a real Jupyter kernel and "
            "bring it back to life. Subcommands: 'run' (headless; see mlemod-tui run --help) "
            "and 'scan' (offline erosion report; see mlemod-tui scan --help)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mlemod-tui {__version__}")
    add_shared_options(parser)
    add_goal_options(parser)
    parser.add_argument("--theme", default="mlemod-dark", metavar="NAME", help="colour theme")
    parser.add_argument(
        "--in-place", action="store_true", help="save over the original notebook"
    )
    return parser


def build_run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlemod-tui run",
        description=(
            "Run NOTEBOOK top to bottom on a Jupyter kernel (in the notebook's folder), stop at "
            "the first failing cell, save the executed copy. With --accept, repair and re-run "
            "until reproducible. Exit 0: every cell ran (with --accept: reproducible); 1: not; "
            "2: bad usage or input; 130: interrupted."
        ),
    )
    add_shared_options(parser)
    add_goal_options(parser)
    parser.add_argument(
        "--accept",
        choices=("none", "rules", "all"),
        default="none",
        help="which proposals to apply unattended: none (default), offline rules, or rules then the model",
    )
    parser.add_argument(
        "--max-attempts", type=int, default=12, metavar="N", help="repair attempts (default 12)"
    )
    parser.add_argument(
        "--report", type=Path, metavar="PATH", help="write what changed and why (.md or .json)"
    )
    parser.add_argument(  # issue #6
        "--order",
        choices=("top-down", "stored"),
        default="top-down",
        help="run cells top to bottom (default) or in the notebook's stored execution order",
    )
    return parser


def build_scan_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlemod-tui scan",
        description=(
            "Before anything runs: report the cells of each NOTEBOOK that known library changes "
            "will make crash or give different numbers, with the proposed fix (offline rules, "
            "no kernel, no model). Exit 0: nothing found; 1: findings; 2: bad usage or input."
        ),
    )
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--warnings", action="store_true", help="also report deprecations that only warn today"
    )
    parser.add_argument("--no-diff", action="store_true", help="no proposed-fix diffs")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build_batch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlemod-tui batch",
        description=(
            "Run every notebook under PATH (folders are searched recursively) through the same "
            "repair flow as 'run', each with its own kernel, on an embedded Dask LocalCluster or "
            "an existing cluster (--scheduler). Resumable: notebooks whose result is recorded "
            "and current are skipped. Exit 0: every notebook reproducible; 1: not; 2: bad usage "
            "or input; 130: interrupted (what finished is kept)."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="notebooks or folders")
    parser.add_argument(
        "--accept",
        choices=("none", "rules", "all"),
        default="rules",
        help="which proposals to apply unattended: none, offline rules (default), or rules then the model",
    )
    parser.add_argument(
        "--jobs", type=_positive_int, default=2, metavar="N",
        help="notebooks (kernels) at once on this machine (default 2); ignored with --scheduler",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (see README: Many notebooks)",
    )
    parser.add_argument("--report", type=Path, metavar="PATH", help="write the batch report (.md, .json or .csv)")
    parser.add_argument(
        "--store", type=Path, metavar="PATH",
        help="the results file that makes the batch resumable (default: .mlemod-batch.jsonl beside the notebooks)",
    )
    parser.add_argument("--fresh", action="store_true", help="run every notebook again, recorded or not")
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=1800.0, metavar="SECONDS",
        help="stop a notebook that takes longer, repairs included (default 1800)",
    )
    parser.add_argument(
        "--cell-timeout", type=_positive_seconds, metavar="SECONDS",
        help="interrupt a cell that runs longer and report a timeout",
    )
    parser.add_argument("--max-attempts", type=int, default=12, metavar="N", help="repair attempts per notebook")
    parser.add_argument("--kernel", metavar="NAME", help="Jupyter kernelspec on the workers")
    parser.add_argument("--budget", metavar="DURATION", help="runtime budget per notebook, e.g. 90s, 30m")
    parser.add_argument("--tolerance", type=float, default=0.10, metavar="FRACTION", help="relative score tolerance")
    parser.add_argument("--ollama-host", metavar="URL", help="Ollama server for --accept all (as for run)")
    parser.add_argument("--model", metavar="NAME", help="model served by Ollama (as for run)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "run":
            return _run(build_run_parser().parse_args(args[1:]))
        if args and args[0] == "scan":
            return _scan(build_scan_parser().parse_args(args[1:]))
        if args and args[0] == "batch":
            return _batch(build_batch_parser().parse_args(args[1:]))
        if _names_a_folder(args):
            return _folder(args)
        return _tui(build_tui_parser().parse_args(args))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    except MlemodError as exc:
        print(f"mlemod-tui: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `mlemod-tui run nb.ipynb --json | head`: the reader left early
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _run(args: argparse.Namespace) -> int:
    from mlemod_tui.headless import RunOptions, run_command

    options = RunOptions(
        notebook=args.notebook,
        kernel=args.kernel,
        existing=args.existing,
        cell_timeout=args.cell_timeout,
        output=args.output,
        quiet=args.quiet,
        json=args.json,
        accept=args.accept,
        max_attempts=max(args.max_attempts, 0),
        report=args.report,
        budget=parse_duration(args.budget) if args.budget else None,
        score=score_options(args),
        ollama_host=args.ollama_host,
        model=args.model,
        order=args.order,
    )
    return run_command(options)


def _scan(args: argparse.Namespace) -> int:
    from mlemod_tui.scan import ScanOptions, scan_command

    options = ScanOptions(
        notebooks=args.notebooks, json=args.json, warnings=args.warnings, diff=not args.no_diff
    )
    return scan_command(options)


def _batch(args: argparse.Namespace) -> int:
    from mlemod_tui.batch.command import BatchOptions, batch_command
    from mlemod_tui.batch.one_notebook import NotebookSettings

    if args.budget:
        parse_duration(args.budget)  # a bad duration is a usage error before a cluster starts
    if args.tolerance < 0:
        raise MlemodError("--tolerance must be 0 or more (a fraction: 0.1 = 10%)")
    settings = NotebookSettings(
        accept=args.accept,
        max_attempts=max(args.max_attempts, 0),
        cell_timeout=args.cell_timeout,
        kernel=args.kernel,
        budget=args.budget,
        tolerance=args.tolerance,
        ollama_host=args.ollama_host,
        model=args.model,
    )
    options = BatchOptions(
        paths=args.paths,
        settings=settings,
        jobs=args.jobs,
        scheduler=args.scheduler,
        timeout=args.timeout,
        report=args.report,
        store=args.store,
        resume=not args.fresh,
        quiet=args.quiet,
    )
    return batch_command(options)


def _names_a_folder(args: list[str]) -> bool:
    """`mlemod-tui FOLDER` or several notebooks: the folder screen instead of one notebook."""
    paths = [arg for arg in args if not arg.startswith("-")]
    if len(paths) != len(args):
        return False  # options belong to the single-notebook screen
    return len(paths) > 1 or (len(paths) == 1 and Path(paths[0]).is_dir())


def _folder(args: list[str]) -> int:
    from mlemod_tui.tui.launch import launch_folder  # Textual is imported only for the TUI

    return launch_folder([Path(arg) for arg in args])


def _tui(args: argparse.Namespace) -> int:
    from mlemod_tui.tui.launch import launch_tui  # Textual is imported only for the TUI

    return launch_tui(args, score_options(args))
