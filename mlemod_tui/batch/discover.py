"""Which notebooks a batch runs: the paths given, folders searched recursively."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mlemod_tui.errors import MlemodError

_SKIPPED_DIRS = {".ipynb_checkpoints", "__pycache__", ".git", ".venv", "node_modules"}


def is_own_output(path: Path) -> bool:
    """``NAME.modernized.ipynb`` is what a run wrote, never a notebook to run again."""
    return path.name.endswith(".modernized.ipynb")


def find_notebooks(paths: Iterable[Path]) -> list[Path]:
    """Every ``.ipynb`` named or under a named folder, once, sorted within each folder.

    Raises MlemodError for a path that does not exist or a folder with no notebook, so a typo
    is said before a cluster starts.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            inside = sorted(
                candidate
                for candidate in path.rglob("*.ipynb")
                if not is_own_output(candidate)
                and not _SKIPPED_DIRS.intersection(candidate.relative_to(path).parts[:-1])
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
            )
            if not inside:
                raise MlemodError(f"{path}: no notebooks (.ipynb) in this folder")
        elif path.is_file():
            inside = [path]
        else:
            raise MlemodError(f"{path}: no such file or folder")
        for notebook in inside:
            key = notebook.resolve()
            if key not in seen:
                seen.add(key)
                found.append(notebook)
    return found
