"""Shared test helpers: small notebooks written with nbformat, and a check that every kernel
process this test session started is gone at the end.

Kernel processes are recognised by an environment marker: this module sets
``MLEMOD_TEST_SESSION`` before any kernel starts, kernels inherit the environment (also those
started by ``mlemod-tui run`` subprocesses), and ``psutil`` can read it back. Other people's
kernels on a shared machine are therefore never mistaken for ours.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SESSION_MARKER = "MLEMOD_TEST_SESSION"
SESSION_ID = uuid.uuid4().hex
os.environ[SESSION_MARKER] = SESSION_ID

CellSpec = str | tuple[str, str] | tuple[str, str, dict[str, Any]]


def make_notebook(
    tmp_path: Path,
    cells: Iterable[CellSpec],
    name: str = "nb.ipynb",
    *,
    metadata: dict[str, Any] | None = None,
    minor: int | None = None,
) -> Path:
    """Write a notebook into ``tmp_path`` and return its path.

    A cell is a code string, ``("markdown", text)``, or ``(cell_type, source, cell_metadata)``.
    ``minor=4`` writes an nbformat 4.4 notebook (no cell ids), as older tools did.
    """
    nb_cells = []
    for spec in cells:
        if isinstance(spec, str):
            nb_cells.append(new_code_cell(spec))
            continue
        kind, source, *rest = spec
        cell_metadata = rest[0] if rest else {}
        if kind == "markdown":
            nb_cells.append(new_markdown_cell(source, metadata=cell_metadata))
        elif kind == "code":
            nb_cells.append(new_code_cell(source, metadata=cell_metadata))
        else:
            raise ValueError(f"unknown cell type {kind!r}")
    nb = new_notebook(cells=nb_cells)
    nb.metadata.update(
        metadata
        or {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        }
    )
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if minor is not None and minor < 5:
        nb.nbformat_minor = minor
        for cell in nb.cells:
            cell.pop("id", None)
        path.write_text(nbformat.writes(nb, version=4), encoding="utf-8")
    else:
        nbformat.write(nb, str(path))
    return path


@pytest.fixture(name="make_notebook", scope="session")
def make_notebook_fixture() -> Any:
    """The :func:`make_notebook` helper (test folders are not packages, so tests get it here)."""
    return make_notebook


# --------------------------------------------------------------------------- kernel processes


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return any("ipykernel_launcher" in part for part in proc.cmdline())
    except (psutil.Error, OSError):
        return False


def our_kernel_processes(tag: str | None = None) -> list[psutil.Process]:
    """Live kernel processes started by this test session (optionally with ``MLEMOD_TEST_TAG``).

    Zombies (exited, not yet reaped) count as gone: they run nothing and hold no sockets.
    """
    found = []
    for proc in psutil.process_iter():
        if not _is_kernel(proc):
            continue
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            env = proc.environ()
        except (psutil.Error, OSError):
            continue
        if env.get(SESSION_MARKER) != SESSION_ID:
            continue
        if tag is not None and env.get("MLEMOD_TEST_TAG") != tag:
            continue
        found.append(proc)
    return found


def wait_for_no_kernels(tag: str | None = None, timeout: float = 5.0, keep: Iterable[int] = ()) -> list[psutil.Process]:
    """Wait up to ``timeout`` for our kernels (other than pids in ``keep``) to go; return the rest."""
    keep = set(keep)
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in our_kernel_processes(tag) if p.pid not in keep]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def describe(processes: list[psutil.Process]) -> str:
    parts = []
    for proc in processes:
        try:
            parts.append(f"pid {proc.pid} (parent {proc.ppid()}): {' '.join(proc.cmdline())}")
        except psutil.Error:
            parts.append(f"pid {proc.pid}")
    return "; ".join(parts)


def pid_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (gone, or a zombie waiting to be reaped)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture(scope="session")
def procs() -> SimpleNamespace:
    """Process helpers for tests: our kernels, waiting for them to go, one pid's fate."""
    return SimpleNamespace(
        kernels=our_kernel_processes,
        wait_gone=wait_for_no_kernels,
        describe=describe,
        pid_gone=pid_gone,
        marker=SESSION_MARKER,
    )


@pytest.fixture(scope="session", autouse=True)
def no_kernel_left_behind() -> Iterator[None]:
    """At the end of the session no kernel process started by it may remain."""
    yield
    left = wait_for_no_kernels(timeout=5.0)
    assert not left, f"kernel processes outlived the test session: {describe(left)}"
