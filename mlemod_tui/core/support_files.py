"""Helper modules shipped beside a notebook (``from preamble import *``) as patchable sources.

Real notebooks import their own ``.py`` files, and an erosion inside one crashes the notebook
as surely as one in a cell. A patch addresses such a file as ``file:<path relative to the
notebook's folder>`` where it would name a cell id, so history, undo, the journal and the
report treat it like any cell. The file is changed in place (it is what the notebook imports);
the first change keeps the author's version beside it as ``NAME.orig``.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path

from mlemod_tui.core.notebook import Notebook, source_text, write_atomic
from mlemod_tui.errors import NotebookError

PREFIX = "file:"
BACKUP_SUFFIX = ".orig"


def is_support_id(cell_id: str) -> bool:
    return cell_id.startswith(PREFIX)


def _installed_roots() -> list[Path]:
    """Where libraries live: never a notebook's helper, never ours to patch."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots.update(path for path in sysconfig.get_paths().values() if path)
    return [Path(root).resolve() for root in roots]


def support_id(notebook: Notebook, path: str | Path) -> str | None:
    """``file:preamble.py`` for a Python file in the notebook's folder or the folder above
    (``../notebook_format/formats.py``), else None (a library, a file elsewhere)."""
    candidate = Path(os.path.expanduser(str(path)))
    if candidate.suffix != ".py":
        return None
    folder = notebook.folder.resolve()
    if not candidate.is_absolute():
        candidate = folder / candidate
    try:
        resolved = candidate.resolve(strict=True)
    except OSError:
        return None
    if not resolved.is_file() or any(resolved.is_relative_to(root) for root in _installed_roots()):
        return None
    for base, prefix in ((folder, ""), (folder.parent, "../")):
        if resolved.is_relative_to(base):
            return f"{PREFIX}{prefix}{resolved.relative_to(base).as_posix()}"
    return None


_MAX_SIBLINGS = 40  # a helper package is small; a vendored library is not ours to patch


def sibling_modules(notebook: Notebook, cell_id: str) -> dict[str, str]:
    """The other Python files beside a helper module (its package), by support id: the same
    erosion is usually in several (``Memory(cachedir=...)`` in every plotting module)."""
    folder = support_path(notebook, cell_id).parent
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.py"))[:_MAX_SIBLINGS]:
        other = support_id(notebook, path)
        if other is None or other == cell_id:
            continue
        try:
            found[other] = current_text(notebook, other)
        except KeyError:
            continue
    return found


def describe_target(notebook: Notebook, cell_id: str) -> str:
    """``cell 5`` or ``helper preamble.py``: how the screens and reports name a patch target."""
    if is_support_id(cell_id):
        return f"helper {cell_id.removeprefix(PREFIX)}"
    return f"cell {notebook.index_of(cell_id)}"


def support_path(notebook: Notebook, cell_id: str) -> Path:
    return notebook.folder / cell_id.removeprefix(PREFIX)


def current_text(notebook: Notebook, cell_id: str) -> str:
    """The source a patch sees for ``cell_id``: a cell's, or a helper file's on disk."""
    if not is_support_id(cell_id):
        return source_text(notebook.cell(cell_id))
    try:
        return support_path(notebook, cell_id).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyError(f"{cell_id}: cannot read ({exc})") from None


def set_text(notebook: Notebook, cell_id: str, text: str) -> None:
    """Put ``text`` in a cell, or write it to the helper file (keeping the author's copy)."""
    if not is_support_id(cell_id):
        notebook.set_source(cell_id, text)
        return
    path = support_path(notebook, cell_id)
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    try:
        if path.exists() and not backup.exists():
            shutil.copy2(path, backup)
    except OSError as exc:
        raise NotebookError(f"{path}: cannot keep a copy of the original ({exc.strerror})") from None
    write_atomic(path, text)
