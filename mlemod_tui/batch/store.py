"""The batch's memory: one JSON line per finished notebook, so a killed run continues.

A result is *current* when its key matches: the same notebook and support-file bytes, the
same mlemod-tui version, the same installed libraries on the worker, the same options. Lines
are appended and flushed as each notebook finishes (a Ctrl+C or a crash keeps them all); the
last line for a key wins.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from mlemod_tui import __version__
from mlemod_tui.batch.result import NotebookResult
from mlemod_tui.errors import MlemodError

STORE_NAME = ".mlemod-batch.jsonl"


def library_fingerprint() -> str:
    """Every installed distribution and the Python version, hashed: run on a worker, it says
    which environment the notebooks ran in (a library upgrade makes every result stale)."""
    names = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    text = sys.version + "\n" + "\n".join(names)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def result_key(notebook_sha256: str, libraries: str, options: dict[str, Any]) -> str:
    text = json.dumps([notebook_sha256, __version__, libraries, options], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def default_store(notebooks: list[Path]) -> Path:
    """Beside the notebooks: in the folder that holds them all."""
    if not notebooks:
        return Path(STORE_NAME)
    common = Path(os.path.commonpath([str(p.resolve().parent) for p in notebooks]))
    return common / STORE_NAME


class ResultStore:
    """Results by key, read from and appended to a JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._by_key: dict[str, NotebookResult] = {}
        self._by_notebook: dict[str, NotebookResult] = {}
        if path.exists():
            self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise MlemodError(f"{self.path}: cannot read the batch's results ({exc.strerror})") from None
        for line in lines:
            try:
                result = NotebookResult.from_json(json.loads(line))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash mid-write: that notebook runs again
            self._remember(result)

    def _remember(self, result: NotebookResult) -> None:
        self._by_key[result.key] = result
        self._by_notebook[str(Path(result.notebook).resolve())] = result

    def current(self, key: str) -> NotebookResult | None:
        found = self._by_key.get(key)
        return found if found is not None and found.current else None

    def latest(self, notebook: Path) -> NotebookResult | None:
        """The last result recorded for this path, current or not (the folder screen's start)."""
        return self._by_notebook.get(str(notebook.resolve()))

    def record(self, result: NotebookResult) -> None:
        """Append at once and flush to disk: what finished survives whatever comes next."""
        self._remember(result)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(result.to_json()) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            raise MlemodError(f"{self.path}: cannot record a result ({exc.strerror})") from None
