"""What travels to a worker with a notebook: its bytes and the files it needs beside it.

A worker shares no disk with the client, so a task carries the notebook's folder (data files,
helper modules, a vendored package like ``mglearn/``) and, from the folder above, the helper
modules and folders the notebook names (``sys.path.append('../notebook_format')``), laid out
as they are here. Other notebooks and our own outputs stay behind.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from mlemod_tui.batch.discover import is_own_output
from mlemod_tui.errors import MlemodError

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
_SKIPPED = {".ipynb_checkpoints", "__pycache__", ".git", ".venv"}
_SKIPPED_SUFFIXES = (".orig", ".pyc")


@dataclass(frozen=True)
class NotebookJob:
    """One notebook as a task sees it: paths relative to the folder above the notebook's."""

    source: Path  # the original, on the client
    notebook: str  # e.g. "sample_notebooks/clean_iris.ipynb"
    files: dict[str, bytes] = field(default_factory=dict)  # the notebook's own bytes included

    @property
    def sha256(self) -> str:
        """Of the notebook and every file shipped with it: a changed CSV is a new input."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.files[name]).digest())
        return digest.hexdigest()

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


def _wanted(path: Path, base: Path) -> bool:
    parts = path.relative_to(base).parts
    if any(part in _SKIPPED or part.startswith(".") for part in parts):
        return False
    return path.is_file() and not path.name.endswith(_SKIPPED_SUFFIXES)


def _add_tree(files: dict[str, bytes], root: Path, base: Path, notebook: Path) -> None:
    candidates = [root] if root.is_file() else sorted(root.rglob("*"))
    for path in candidates:
        if not _wanted(path, base):
            continue
        if path.suffix == ".ipynb" and (is_own_output(path) or path != notebook):
            continue  # another notebook of the folder is its own task
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            continue  # a data set this large belongs on the workers' shared storage
        files[path.relative_to(base).as_posix()] = path.read_bytes()


_IMPORTED = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)
_STRING = re.compile(r"""['"]([\w./\\-]{1,200})['"]""")


def _code_text(notebook: Path) -> str:
    """The code cells' text (markdown and metadata name too much: "we build a model")."""
    try:
        cells = json.loads(notebook.read_bytes()).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return ""
    sources = [c.get("source", "") for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    return "\n".join(s if isinstance(s, str) else "".join(s) for s in sources)


def _named_neighbours(notebook: Path) -> list[Path]:
    """Helper modules and folders beside the notebook's folder that its code imports or names in
    a string (``os.path.join('..', 'notebook_format')``)."""
    folder = notebook.parent
    parent = folder.parent
    if parent == folder:
        return []
    text = _code_text(notebook)
    words = set(_IMPORTED.findall(text))
    for literal in _STRING.findall(text):
        words.update(re.split(r"[\\/]", literal))
    found = []
    for entry in sorted(parent.iterdir()):
        if entry == folder or entry.name.startswith("."):
            continue
        name = entry.stem if entry.suffix == ".py" else entry.name
        if name not in words:
            continue
        if entry.is_file() and entry.suffix == ".py":
            found.append(entry)
        elif entry.is_dir() and any(entry.glob("*.py")):
            found.append(entry)
    return found


def build_job(notebook: Path) -> NotebookJob:
    """Read the notebook and its support files; MlemodError when they are too big to ship."""
    notebook = notebook.resolve()
    base = notebook.parent.parent if notebook.parent.parent != notebook.parent else notebook.parent
    files: dict[str, bytes] = {}
    _add_tree(files, notebook.parent, base, notebook)
    for neighbour in _named_neighbours(notebook):
        _add_tree(files, neighbour, base, notebook)
    job = NotebookJob(source=notebook, notebook=notebook.relative_to(base).as_posix(), files=files)
    if job.size > MAX_TOTAL_BYTES:
        raise MlemodError(
            f"{notebook}: its folder holds {job.size // 2**20} MiB, more than a task ships "
            f"({MAX_TOTAL_BYTES // 2**20} MiB); move the notebook into a folder of its own"
        )
    return job


def unpack(job_files: dict[str, bytes], root: Path) -> None:
    """Lay the shipped files out under ``root`` on the worker (refusing paths that escape)."""
    root = root.resolve()
    for name, data in job_files.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root):
            raise MlemodError(f"{name}: a shipped path outside the task's folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
