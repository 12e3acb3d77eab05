"""Attaching to a kernel someone else started (--existing CONNECTION_FILE)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jupyter_client.connect import write_connection_file

from mlemod_tui.core.kernel import ExecutionFinished, KernelSession, StreamText
from mlemod_tui.errors import KernelError


@pytest.fixture
def external_kernel(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An ipykernel we did not start through KernelSession, as `jupyter kernel` would run it."""
    connection, _ = write_connection_file(str(tmp_path / "kernel.json"), kernel_name="python3")
    process = subprocess.Popen(
        [sys.executable, "-m", "ipykernel_launcher", "-f", connection],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield Path(connection), process
    process.kill()
    process.wait(timeout=10)


async def _run(kernel: KernelSession, code: str, timeout: float | None = None) -> tuple[str, ExecutionFinished]:
    text, finished = [], None
    async for event in kernel.execute(code, timeout=timeout):
        if isinstance(event, StreamText):
            text.append(event.text)
        elif isinstance(event, ExecutionFinished):
            finished = event
    assert finished is not None
    return "".join(text), finished


async def test_attach_execute_interrupt_and_refuse_restart(external_kernel) -> None:
    connection, process = external_kernel
    kernel = KernelSession(existing=connection, startup_timeout=30)
    await kernel.start()
    try:
        text, finished = await _run(kernel, "import os; print(os.getpid())")
        assert finished.status == "ok" and int(text) == process.pid
        task = asyncio.ensure_future(_run(kernel, "while True: pass"))
        await asyncio.sleep(0.5)
        await kernel.interrupt()  # an interrupt_request message: the process may be remote
        _text, finished = await asyncio.wait_for(task, 10)
        assert finished.status == "error"
        with pytest.raises(KernelError, match="did not start it"):
            await kernel.restart()
    finally:
        await kernel.shutdown()
    time.sleep(0.2)
    assert process.poll() is None  # not ours to stop: still running after we disconnect


async def test_a_lost_kernel_is_reported_not_waited_for(external_kernel) -> None:
    connection, process = external_kernel
    kernel = KernelSession(existing=connection, startup_timeout=30)
    await kernel.start()
    try:
        task = asyncio.ensure_future(_run(kernel, "import time; time.sleep(60)"))
        await asyncio.sleep(0.5)
        process.kill()
        started = time.monotonic()
        _text, finished = await asyncio.wait_for(task, 15)
        assert finished.status == "died"
        assert time.monotonic() - started < 10
        assert "connection" in kernel.death_message()
    finally:
        await kernel.shutdown()


async def test_missing_connection_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KernelError, match="no such connection file"):
        await KernelSession(existing=tmp_path / "nope.json").start()
