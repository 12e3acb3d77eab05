"""Build the TUI from parsed command-line options and run it."""

from __future__ import annotations

import argparse

from textual.theme import BUILTIN_THEMES

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.config import load_settings
from mlemod_tui.core.kernel import choose_kernel
from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.runtime import parse_duration
from mlemod_tui.core.session import NotebookSession, ScoreOptions
from mlemod_tui.errors import MlemodError
from mlemod_tui.headless import resolve_output
from mlemod_tui.tui.app import MlemodApp
from mlemod_tui.tui.themes import load_themes


def make_session(args: argparse.Namespace, score: ScoreOptions) -> NotebookSession:
    """The session the app drives, from CLI options (``score`` already checked by the CLI, which
    the TUI does not import); bad input raises MlemodError."""
    notebook = load_notebook(args.notebook)
    output = resolve_output(notebook, args.output, in_place=args.in_place)
    return NotebookSession(
        notebook,
        kernel_name=choose_kernel(args.kernel, notebook.kernel_name()),
        output_path=output,
        cell_timeout=args.cell_timeout,
        existing=args.existing,
        budget=parse_duration(args.budget) if args.budget else None,
        score_options=score,
    )


def launch_tui(args: argparse.Namespace, score: ScoreOptions) -> int:
    names = [theme.name for theme in load_themes()] + sorted(BUILTIN_THEMES)
    if args.theme not in names:
        raise MlemodError(f"unknown theme {args.theme!r} (shipped: {', '.join(names)})")
    session = make_session(args, score)
    settings = load_settings({"ollama_host": args.ollama_host, "model": args.model})
    app = MlemodApp(session, assistant=Assistant.from_settings(settings), theme_name=args.theme)
    result = app.run()
    return result if isinstance(result, int) else 0
