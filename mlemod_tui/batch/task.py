"""The function a Dask worker runs for one notebook: unpack, run it in its own process, pack.

The notebook runs in a fresh temporary folder with the files shipped beside it, in a child
process (``python -m mlemod_tui.batch.one_notebook``) with a kernel of its own. The child is
what a timeout or a Ctrl+C stops (SIGTERM/SIGINT: it shuts its kernel down and saves what
ran), and what dies with a lost worker (Linux PDEATHSIG), so no kernel outlives its batch.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlemod_tui.batch.one_notebook import NotebookSettings, OneRun
from mlemod_tui.batch.payload import unpack
from mlemod_tui.core.support_files import BACKUP_SUFFIX

POLL_SECONDS = 0.5
GRACE_SECONDS = 20.0  # a stopped run shuts its kernel down and saves: give it that long


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs, as plain picklable data."""

    notebook: str  # relative to the shipped files' root
    files: dict[str, bytes]
    settings: NotebookSettings
    timeout: float | None = None  # the whole notebook, repairs included
    stop_event: str | None = None  # a distributed.Event the client sets on Ctrl+C
    topic: str | None = None  # where the task says it started (Client.subscribe_topic)
    label: str = ""  # how the client knows this task in those messages


@dataclass
class TaskOutput:
    """What comes back to the client: the run's data and the files it produced."""

    one: OneRun | None
    stopped: str | None = None  # "timeout" or "interrupted" when the child was stopped
    modernized: bytes | None = None
    helpers: dict[str, bytes] = field(default_factory=dict)  # patched helpers, shipped names
    worker: str = ""
    wall_seconds: float = 0.0
    log: str = ""


def run_task(spec: TaskSpec) -> TaskOutput:
    """Run one notebook on this machine; the client gets a TaskOutput whatever happens to it."""
    started = time.monotonic()
    _announce(spec)
    with tempfile.TemporaryDirectory(prefix="mlemod-batch-") as scratch:
        root = Path(scratch) / "files"
        unpack(spec.files, root)
        notebook = root / spec.notebook
        output = notebook.with_name(f"{notebook.stem}.modernized.ipynb")
        spec_file, out_file, log_file = (Path(scratch) / n for n in ("spec.json", "out.json", "log.txt"))
        spec_file.write_text(
            json.dumps(
                {"notebook": str(notebook), "output": str(output), "settings": spec.settings.to_json()}
            ),
            encoding="utf-8",
        )
        with log_file.open("wb") as log:
            child = subprocess.Popen(
                [sys.executable, "-m", "mlemod_tui.batch.one_notebook", str(spec_file), str(out_file)],
                cwd=notebook.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # a terminal's Ctrl+C reaches it through us, in order
            )
            stopped = _supervise(child, spec, started)
        one = None
        if out_file.exists():
            one = OneRun(**json.loads(out_file.read_text(encoding="utf-8")))
        return TaskOutput(
            one=one,
            stopped=stopped,
            modernized=output.read_bytes() if output.exists() else None,
            helpers=_patched_helpers(root, spec.files),
            worker=_worker_name(),
            wall_seconds=round(time.monotonic() - started, 3),
            log=log_file.read_text(encoding="utf-8", errors="replace")[-4000:],
        )


def _supervise(child: subprocess.Popen[bytes], spec: TaskSpec, started: float) -> str | None:
    """Wait for the child; stop it on the notebook's timeout or the batch's stop event."""
    stop = _stop_event(spec.stop_event)
    while True:
        try:
            child.wait(timeout=POLL_SECONDS)
            return None
        except subprocess.TimeoutExpired:
            pass
        if spec.timeout is not None and time.monotonic() - started > spec.timeout:
            _stop(child, signal.SIGTERM)
            return "timeout"
        if stop is not None and _is_set(stop):
            _stop(child, signal.SIGINT)
            return "interrupted"


def _stop(child: subprocess.Popen[bytes], sig: int) -> None:
    """Ask nicely (the run stops its kernel and saves), then make sure."""
    child.send_signal(sig)
    try:
        child.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def _patched_helpers(root: Path, shipped: dict[str, bytes]) -> dict[str, bytes]:
    """Helper files the repair changed: the run kept the author's copy as ``NAME.orig``."""
    changed: dict[str, bytes] = {}
    for backup in root.rglob(f"*{BACKUP_SUFFIX}"):
        patched = backup.with_name(backup.name.removesuffix(BACKUP_SUFFIX))
        name = patched.relative_to(root).as_posix()
        if name in shipped and patched.exists() and patched.read_bytes() != shipped[name]:
            changed[name] = patched.read_bytes()
    return changed


def _announce(spec: TaskSpec) -> None:
    """Tell the client this notebook is running now (its row turns to "running")."""
    if spec.topic is None:
        return
    try:
        from distributed import get_worker

        get_worker().log_event(spec.topic, {"label": spec.label, "event": "started"})
    except ValueError:
        return  # not on a worker


def _stop_event(name: str | None) -> Any:
    if name is None:
        return None
    try:
        from distributed import Event, get_worker

        get_worker()  # outside a worker (a test calling run_task) there is no event to watch
    except (ImportError, ValueError):
        return None
    return Event(name)


def _is_set(event: Any) -> bool:
    try:
        return bool(event.is_set())
    except Exception:  # the scheduler went away with the client: nobody wants the rest
        return True


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:
        return socket.gethostname()
