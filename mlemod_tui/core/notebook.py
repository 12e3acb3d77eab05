"""Load, validate, edit and atomically save Jupyter notebooks.

Every user-facing failure becomes a one-line :class:`NotebookError`; the original file is never
written unless a caller asks for it by passing the same path to :meth:`Notebook.save`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from mlemod_tui.errors import NotebookError

SUPPORTED_MAJOR_VERSIONS = (3, 4)
CURRENT_MINOR = 5  # nbformat 4.5 introduced cell ids


@dataclass
class Notebook:
    """A loaded notebook plus what we need to remember about where it came from.

    ``original`` is an untouched copy of the cells as stored on disk: stored outputs hold the
    reference score and stored timings, so they must survive today's run overwriting ``node``.
    """

    path: Path
    node: NotebookNode
    original_version: tuple[int, int]
    original: NotebookNode = field(repr=False)

    @property
    def cells(self) -> list[NotebookNode]:
        cells: list[NotebookNode] = self.node.cells  # NotebookNode's attributes are Any
        return cells

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def folder(self) -> Path:
        """The working directory cells run in, so relative data paths resolve as they did."""
        return self.path.parent

    def code_cell_indices(self) -> list[int]:
        return [i for i, cell in enumerate(self.cells) if cell.cell_type == "code"]

    def index_of(self, cell_id: str) -> int:
        for i, cell in enumerate(self.cells):
            if cell.get("id") == cell_id:
                return i
        raise KeyError(cell_id)

    def cell(self, cell_id: str) -> NotebookNode:
        return self.cells[self.index_of(cell_id)]

    def set_source(self, cell_id: str, source: str) -> None:
        """Replace one cell's source; metadata, outputs and every other cell stay as they are."""
        self.cell(cell_id).source = source

    def kernel_name(self) -> str | None:
        spec = self.node.metadata.get("kernelspec") or {}
        name = spec.get("name")
        return name if isinstance(name, str) and name else None

    def default_output_path(self) -> Path:
        return self.path.with_name(f"{self.path.stem}.modernized.ipynb")

    def save(self, path: Path | str) -> Path:
        """Write the notebook atomically to ``path`` and return it."""
        return write_atomic(Path(path), nbformat.writes(self.node) + "\n")


def load_notebook(path: Path | str) -> Notebook:
    """Read, upgrade (v3 to v4.5) and validate a notebook, or raise one clear NotebookError."""
    path = Path(path)
    text = _read_text(path)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise NotebookError(f"{path}: valid JSON but not a Jupyter notebook (no 'nbformat' key)")
    major = raw.get("nbformat")
    if major not in SUPPORTED_MAJOR_VERSIONS:
        supported = " and ".join(str(v) for v in SUPPORTED_MAJOR_VERSIONS)
        raise NotebookError(
            f"{path}: unsupported nbformat version {major!r} (supported: {supported})"
        )
    minor = raw.get("nbformat_minor", 0)
    original_version = (int(major), minor if isinstance(minor, int) else 0)
    try:
        # Not nbformat.reads(): its validation replaces missing or duplicate cell ids with
        # random ones (warning on stderr), and ids must derive from positions (_normalize).
        # Validation then runs once, in _validated (a 1,000-cell notebook takes ~0.1 s).
        node = nbformat.convert(nbformat.versions[major].to_notebook_json(raw), 4)
    except Exception as exc:  # nbformat raises many types for a broken structure
        raise NotebookError(f"{path}: not a valid notebook ({_first_line(exc)})") from None
    cells = node.get("cells")
    if not isinstance(cells, list) or not all(isinstance(cell, dict) for cell in cells):
        raise NotebookError(f"{path}: not a valid notebook (no list of cells)")
    if major == 3:
        for cell in cells:
            cell.pop("id", None)  # the v3 upgrade invents random ids
    _normalize(node)
    node = _validated(path, node)
    # A JSON round trip copies a notebook ~10x faster than copy.deepcopy.
    original = nbformat.from_dict(json.loads(json.dumps(node)))
    return Notebook(path=path, node=node, original_version=original_version, original=original)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise NotebookError(f"{path}: no such file")
    if path.is_dir():
        raise NotebookError(f"{path}: is a directory, not a notebook file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise NotebookError(f"{path}: not a text file (a notebook is UTF-8 JSON)") from None
    except OSError as exc:
        raise NotebookError(f"{path}: cannot read it ({exc.strerror})") from None


def _normalize(node: NotebookNode) -> None:
    """Bring a notebook to v4.5: every cell gets a stable id.

    Ids derive from the cell's position, so reopening the same unsaved original yields the same
    ids, which the patch journal keys on.
    """
    if node.get("nbformat_minor", 0) < CURRENT_MINOR:
        node.nbformat_minor = CURRENT_MINOR
    seen: set[str] = set()
    for index, cell in enumerate(node.cells):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id or cell_id in seen:
            cell_id = f"cell-{index}"
            while cell_id in seen:
                cell_id += "x"
            cell.id = cell_id
        seen.add(cell_id)
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)
        cell.setdefault("metadata", NotebookNode())


def _validated(path: Path, node: NotebookNode) -> NotebookNode:
    """Validate; a notebook that fails only on repairable metadata is repaired, not refused."""
    try:
        nbformat.validate(node)
        return node
    except nbformat.ValidationError:
        _changes, repaired = nbformat.validator.normalize(node, strip_invalid_metadata=True)
        node = nbformat.from_dict(repaired)
    try:
        nbformat.validate(node)
    except nbformat.ValidationError as exc:
        raise NotebookError(f"{path}: not a valid notebook ({_first_line(exc)})") from None
    return node


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` so that ``path`` holds either the old or the new content, never half.

    Temp file in the same folder (same filesystem, so the rename is atomic), fsync, rename,
    then fsync the folder so the rename itself survives a power cut.
    """
    path = path.expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise NotebookError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)  # mkstemp creates 0600; keep the original's or the default
        os.replace(tmp_name, path)
    except OSError as exc:
        _remove_quietly(tmp_name)
        raise NotebookError(f"{path}: cannot write ({exc.strerror})") from None
    except BaseException:
        _remove_quietly(tmp_name)
        raise
    _fsync_folder(folder)
    return path


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file: 0666 less the process umask."""
    umask = _current_umask()
    return 0o666 & ~umask


def _current_umask() -> int:
    """Read the umask without changing it where Linux allows (/proc), else set and restore."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _remove_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some filesystems do not allow opening folders; the data itself is synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def source_text(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string, whether stored as a string or a list of lines."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
