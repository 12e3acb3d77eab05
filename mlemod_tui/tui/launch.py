"""Build the TUI from parsed command-line options and run it."""

from __future__ import annotations

import argparse
from multiprocessing import resource_tracker
from pathlib import Path

from textual.theme import BUILTIN_THEMES

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.batch.discover import find_notebooks
from mlemod_tui.batch.engine import BatchConfig
from mlemod_tui.batch.folder import FolderModel
from mlemod_tui.batch.one_notebook import NotebookSettings
from mlemod_tui.batch.store import ResultStore, default_store
from mlemod_tui.config import load_settings
from mlemod_tui.core.kernel import choose_kernel
from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.runtime import parse_duration
from mlemod_tui.core.session import NotebookSession, ScoreOptions
from mlemod_tui.errors import MlemodError
from mlemod_tui.headless import resolve_output
from mlemod_tui.tui.app import MlemodApp
from mlemod_tui.tui.screens.folder_screen import FolderScreen
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


def notebook_session(path: Path) -> NotebookSession:
    """A notebook opened from the folder screen: its own kernel, saved beside it."""
    notebook = load_notebook(path)
    return NotebookSession(
        notebook,
        kernel_name=choose_kernel(None, notebook.kernel_name()),
        output_path=resolve_output(notebook, None),
    )


def folder_app(paths: list[Path], *, jobs: int = 2, **app_options: object) -> MlemodApp:
    """The app on the folder screen for these notebooks or folders (tests build it too)."""
    notebooks = find_notebooks(paths)
    # The local cluster's processes need multiprocessing's resource tracker, which is started
    # with our stderr's descriptor: start it now, before Textual replaces sys.stderr.
    resource_tracker.ensure_running()
    store = default_store(notebooks)
    config = BatchConfig(settings=NotebookSettings(accept="rules"), jobs=jobs, store=store)
    settings = load_settings({})
    assistant = Assistant.from_settings(settings)
    animations = bool(app_options.get("animations", True))
    autostart = bool(app_options.get("autostart", True))
    screen = FolderScreen(
        FolderModel.of(notebooks, ResultStore(store)),
        config=config,
        session_factory=notebook_session,
        assistant=assistant,
        scan=bool(app_options.get("scan", True)),
        animations=animations,
        autostart=autostart,
    )
    return MlemodApp(None, assistant=assistant, folder=screen, animations=animations, autostart=autostart)


def launch_folder(paths: list[Path]) -> int:
    """`mlemod-tui FOLDER` (or several notebooks): the folder screen."""
    result = folder_app(paths).run()
    return result if isinstance(result, int) else 0
