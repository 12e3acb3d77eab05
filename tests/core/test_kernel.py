"""KernelSession against a real ipykernel: events, cwd, timeouts, interrupts, deaths,
restarts, silent introspection, and that no kernel process outlives its session."""

from __future__ import annotations

import asyncio
import os
import select
import signal
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest
import pytest_asyncio

import mlemod_tui.core.kernel as kernel_module
from mlemod_tui.core.kernel import (
    ErrorRaised,
    ExecutionFinished,
    ExecutionStarted,
    KernelEvent,
    KernelSession,
    OutputCleared,
    RichOutput,
    StreamText,
    choose_kernel,
    installed_kernels,
)
from mlemod_tui.errors import KernelDiedError, KernelError

shared_loop = pytest.mark.asyncio(loop_scope="module")

DEATH_LATENCY_LIMIT = 0.1


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[KernelSession]:
    """One kernel for the tests that do not kill it; its cwd holds a data file."""
    folder = tmp_path_factory.mktemp("kernel-cwd")
    (folder / "data.txt").write_text("relative data\n")
    async with KernelSession(cwd=folder) as kernel:
        yield kernel


async def collect(events: AsyncIterator[KernelEvent]) -> list[KernelEvent]:
    return [event async for event in events]


async def run(kernel: KernelSession, code: str, **kwargs: object) -> list[KernelEvent]:
    return await collect(kernel.execute(code, **kwargs))


def finished(events: list[KernelEvent]) -> ExecutionFinished:
    assert isinstance(events[-1], ExecutionFinished)
    assert sum(isinstance(e, ExecutionFinished) for e in events) == 1
    return events[-1]


def stdout_of(events: list[KernelEvent], name: str = "stdout") -> str:
    return "".join(e.text for e in events if isinstance(e, StreamText) and e.name == name)


async def kernel_pid(kernel: KernelSession) -> int:
    found = await kernel.evaluate_silently("import os as _os", {"pid": "_os.getpid()"})
    return int(found["pid"])


class ExitWatcher:
    """Notes the moment a process exits (a pidfd becomes readable then, zombie or not)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exited_at: float | None = None
        self._fd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._fd is not None:
                ready, _, _ = select.select([self._fd], [], [], 0.5)
                if ready:
                    break
            else:
                try:
                    if psutil.Process(self.pid).status() == psutil.STATUS_ZOMBIE:
                        break
                except psutil.NoSuchProcess:
                    break
                time.sleep(0.001)
        else:
            return
        self.exited_at = time.monotonic()

    def wait(self) -> float:
        self._thread.join(5)
        if self._fd is not None:
            os.close(self._fd)
        assert self.exited_at is not None, "the kernel process never exited"
        return self.exited_at


# --------------------------------------------------------------------------- events


@shared_loop
async def test_outputs_arrive_as_typed_events(shared: KernelSession) -> None:
    code = (
        "import sys\n"
        "from IPython.display import display\n"
        "print('out line')\n"
        "print('err line', file=sys.stderr)\n"
        "display({'text/plain': 'plain', 'text/html': '<b>bold</b>'}, raw=True)\n"
        "6 * 7\n"
    )
    events = await run(shared, code)

    assert isinstance(events[0], ExecutionStarted)
    assert stdout_of(events) == "out line\n"
    assert stdout_of(events, "stderr") == "err line\n"
    displays = [e for e in events if isinstance(e, RichOutput) and e.output_type == "display_data"]
    assert [d.data for d in displays] == [{"text/plain": "plain", "text/html": "<b>bold</b>"}]
    results = [e for e in events if isinstance(e, RichOutput) and e.output_type == "execute_result"]
    assert len(results) == 1 and results[0].data["text/plain"] == "42"
    done = finished(events)
    assert done.status == "ok"
    assert results[0].execution_count == done.execution_count is not None
    assert done.started_at is not None and done.input_at is not None and done.reply_at is not None
    assert done.started_at <= done.input_at <= done.reply_at <= done.finished_at
    assert done.seconds == pytest.approx((done.finished_at - done.started_at).total_seconds())
    assert shared.state == "idle"


@shared_loop
async def test_error_carries_name_value_and_traceback(shared: KernelSession) -> None:
    events = await run(shared, "def f():\n    return {}['missing']\nf()")

    errors = [e for e in events if isinstance(e, ErrorRaised)]
    assert len(errors) == 1
    assert errors[0].ename == "KeyError"
    assert errors[0].evalue == "'missing'"
    assert any("f()" in line for line in errors[0].traceback)
    assert finished(events).status == "error"


@shared_loop
async def test_display_updates_and_clear_output(shared: KernelSession) -> None:
    code = (
        "from IPython.display import display, clear_output\n"
        "h = display({'text/plain': 'v1'}, raw=True, display_id=True)\n"
        "h.update({'text/plain': 'v2'}, raw=True)\n"
        "clear_output(wait=True)\n"
        "print('after clear')\n"
    )
    events = await run(shared, code)

    rich = [e for e in events if isinstance(e, RichOutput)]
    assert [e.output_type for e in rich] == ["display_data", "update_display_data"]
    assert rich[0].display_id and rich[0].display_id == rich[1].display_id
    assert rich[1].data == {"text/plain": "v2"}
    assert [e.wait for e in events if isinstance(e, OutputCleared)] == [True]
    assert finished(events).status == "ok"


@shared_loop
async def test_cells_run_in_the_kernel_cwd(shared: KernelSession) -> None:
    events = await run(shared, "import os\nprint(os.getcwd())\nprint(open('data.txt').read(), end='')")
    cwd, data = stdout_of(events).splitlines()
    assert Path(cwd).resolve() == Path(shared.cwd).resolve()
    assert data == "relative data"


@shared_loop
async def test_input_is_refused_not_hung(shared: KernelSession) -> None:
    events = await asyncio.wait_for(run(shared, "input('name? ')"), 10)
    errors = [e for e in events if isinstance(e, ErrorRaised)]
    assert errors and errors[0].ename == "StdinNotImplementedError"


# --------------------------------------------------------------------------- timeouts, interrupts


@shared_loop
async def test_timeout_interrupts_and_reports_timeout(shared: KernelSession) -> None:
    started = time.monotonic()
    events = await run(shared, "import time\ntime.sleep(30)", timeout=0.5)
    elapsed = time.monotonic() - started

    done = finished(events)
    assert done.status == "timeout"
    assert 0.5 <= elapsed < 3.0
    assert any(isinstance(e, ErrorRaised) and e.ename == "KeyboardInterrupt" for e in events)
    # the kernel is usable afterwards and kept its namespace
    after = await run(shared, "time.sleep(0)\nprint('still here')")
    assert finished(after).status == "ok" and stdout_of(after) == "still here\n"


@shared_loop
async def test_interrupt_stops_a_busy_loop(shared: KernelSession) -> None:
    busy = asyncio.Event()
    events: list[KernelEvent] = []

    async def consume() -> None:
        async for event in shared.execute("print('spinning', flush=True)\nwhile True:\n    pass"):
            events.append(event)
            if isinstance(event, StreamText):
                busy.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(busy.wait(), 10)
    await asyncio.sleep(0.1)
    interrupted_at = time.monotonic()
    await shared.interrupt()
    await asyncio.wait_for(task, 10)

    assert time.monotonic() - interrupted_at < 3.0
    assert [e.ename for e in events if isinstance(e, ErrorRaised)] == ["KeyboardInterrupt"]
    assert finished(events).status == "error"
    assert finished(await run(shared, "1")).status == "ok"


async def test_timeout_on_a_cell_that_ignores_interrupts(
    monkeypatch: pytest.MonkeyPatch, procs
) -> None:
    """A kernel stuck past the interrupt grace is reported as timed out; shutdown still kills it."""
    monkeypatch.setattr(kernel_module, "INTERRUPT_GRACE_SECONDS", 0.5)
    async with KernelSession() as kernel:
        pid = await kernel_pid(kernel)
        code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(30)"
        started = time.monotonic()
        events = await run(kernel, code, timeout=0.3)
        assert finished(events).status == "timeout"
        assert time.monotonic() - started < 3.0
        assert not procs.pid_gone(pid)
    deadline = time.monotonic() + 5
    while not procs.pid_gone(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert procs.pid_gone(pid)


# --------------------------------------------------------------------------- death


async def test_os_exit_is_reported_as_died_at_once() -> None:
    async with KernelSession() as kernel:
        pid = await kernel_pid(kernel)
        watcher = ExitWatcher(pid)
        detected_at: float | None = None
        events: list[KernelEvent] = []
        async for event in kernel.execute("import os\nos._exit(3)"):
            events.append(event)
            if isinstance(event, ExecutionFinished):
                detected_at = time.monotonic()

        done = finished(events)
        assert done.status == "died"
        assert done.exit_code == 3
        latency = detected_at - watcher.wait()
        assert latency < DEATH_LATENCY_LIMIT, f"death noticed {latency * 1000:.0f} ms after exit"
        assert kernel.state == "dead"
        assert "exit code 3" in kernel.death_message()
        with pytest.raises(KernelDiedError):
            await run(kernel, "1")

        # a restart brings a fresh, working kernel back on the same session
        await kernel.restart()
        assert kernel.state == "idle"
        assert await kernel_pid(kernel) != pid
        assert finished(await run(kernel, "1 + 1")).status == "ok"


async def test_sigkill_mid_cell_is_reported_as_died() -> None:
    async with KernelSession() as kernel:
        pid = await kernel_pid(kernel)
        watcher = ExitWatcher(pid)
        detected_at: float | None = None
        events: list[KernelEvent] = []
        code = "import time\nprint('sleeping', flush=True)\ntime.sleep(30)"
        started = time.monotonic()
        async for event in kernel.execute(code):
            events.append(event)
            if isinstance(event, StreamText) and "sleeping" in event.text:
                os.kill(pid, signal.SIGKILL)
            if isinstance(event, ExecutionFinished):
                detected_at = time.monotonic()

        done = finished(events)
        assert done.status == "died"
        assert done.exit_code == -signal.SIGKILL
        assert time.monotonic() - started < 5
        latency = detected_at - watcher.wait()
        assert latency < DEATH_LATENCY_LIMIT, f"death noticed {latency * 1000:.0f} ms after exit"
        assert "SIGKILL" in kernel.death_message()


async def test_death_during_silent_evaluation_raises() -> None:
    async with KernelSession() as kernel:
        with pytest.raises(KernelDiedError, match="died"):
            await asyncio.wait_for(kernel.evaluate_silently("import os; os._exit(5)", {}), 10)
        assert kernel.state == "dead"


# --------------------------------------------------------------------------- restart, introspection


@shared_loop
async def test_restart_gives_a_fresh_namespace(shared: KernelSession) -> None:
    await run(shared, "leftover = 123")
    old_pid = await kernel_pid(shared)

    await shared.restart()

    assert await kernel_pid(shared) != old_pid
    events = await run(shared, "leftover")
    assert [e.ename for e in events if isinstance(e, ErrorRaised)] == ["NameError"]
    assert finished(events).execution_count == 1
    # the restarted kernel keeps the session's cwd
    events = await run(shared, "print(open('data.txt').read(), end='')")
    assert stdout_of(events) == "relative data\n"


@shared_loop
async def test_evaluate_silently_leaves_history_and_count_alone(shared: KernelSession) -> None:
    first = finished(await run(shared, "answer = 41"))
    before = await shared.evaluate_silently("", {"in": "len(In)", "out": "len(Out)"})

    found = await shared.evaluate_silently(
        "_probe = answer + 1", {"value": "_probe", "bad": "no_such_name", "type": "type(answer).__name__"}
    )
    after = await shared.evaluate_silently("", {"in": "len(In)", "out": "len(Out)"})

    assert found == {"value": "42", "bad": None, "type": "'int'"}
    assert after == before
    events = await run(shared, "len(In)")
    nxt = finished(events)
    assert nxt.execution_count == first.execution_count + 1
    result = next(e for e in events if isinstance(e, RichOutput))
    assert int(result.data["text/plain"]) == int(before["in"]) + 1


@shared_loop
async def test_evaluate_silently_while_a_cell_runs(shared: KernelSession) -> None:
    """Both wait on the shell channel: neither may swallow the other's reply."""
    running = asyncio.Event()

    async def cell() -> list[KernelEvent]:
        events = []
        async for event in shared.execute("import time\nprint('go', flush=True)\ntime.sleep(0.4)\nlate = 7"):
            events.append(event)
            if isinstance(event, StreamText):
                running.set()
        return events

    task = asyncio.create_task(cell())
    await asyncio.wait_for(running.wait(), 10)
    found = await asyncio.wait_for(shared.evaluate_silently("", {"late": "late"}), 10)
    events = await asyncio.wait_for(task, 10)

    assert found == {"late": "7"}  # answered after the cell, as the kernel queues requests
    assert finished(events).status == "ok"


# --------------------------------------------------------------------------- kernelspecs


async def test_missing_kernelspec_lists_installed_kernels(procs) -> None:
    before = {p.pid for p in procs.kernels()}
    kernel = KernelSession("no-such-kernel-xyz")
    with pytest.raises(KernelError) as info:
        await kernel.start()
    message = str(info.value)
    assert "no-such-kernel-xyz" in message
    assert "python3" in message and "installed" in message
    assert "\n" not in message
    assert {p.pid for p in procs.kernels()} <= before


def test_choose_kernel() -> None:
    assert "python3" in installed_kernels()
    assert choose_kernel("custom", "python3") == "custom"
    assert choose_kernel(None, "python3") == "python3"
    assert choose_kernel(None, "not-installed-here") == "python3"
    assert choose_kernel(None, None) == "python3"


# --------------------------------------------------------------------------- hygiene


async def test_kernel_writes_nothing_to_our_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    capfd.readouterr()
    async with KernelSession() as kernel:
        code = (
            "import os, sys, logging\n"
            "os.write(1, b'raw fd1\\n'); os.write(2, b'raw fd2\\n')\n"
            "sys.__stdout__.write('dunder out\\n'); sys.__stdout__.flush()\n"
            "sys.__stderr__.write('dunder err\\n'); sys.__stderr__.flush()\n"
            "print('captured by jupyter')\n"
        )
        events = await run(kernel, code)
        assert stdout_of(events) == "captured by jupyter\n"
        assert "raw fd2" in kernel.stderr_tail(10)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


async def test_no_kernel_process_after_shutdown(procs) -> None:
    kernel = KernelSession()
    async with kernel:
        pid = await kernel_pid(kernel)
        assert psutil.pid_exists(pid)
    assert procs.pid_gone(pid)
    assert kernel.state == "shut down"
    with pytest.raises(KernelDiedError):
        await run(kernel, "1")
    await kernel.shutdown()  # a second shutdown is harmless


async def test_no_kernel_process_after_cancelled_task(procs) -> None:
    running = asyncio.Event()
    pids: list[int] = []

    async def work() -> None:
        async with KernelSession() as kernel:
            pids.append(await kernel_pid(kernel))
            async for event in kernel.execute("import time\nprint('go', flush=True)\ntime.sleep(30)"):
                if isinstance(event, StreamText):
                    running.set()

    task = asyncio.create_task(work())
    await asyncio.wait_for(running.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert procs.pid_gone(pids[0])


async def test_no_kernel_process_after_cancel_during_start(procs) -> None:
    before = {p.pid for p in procs.kernels()}
    task = asyncio.create_task(KernelSession().start())
    await asyncio.sleep(0.3)  # the process is launched but not yet ready
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    left = procs.wait_gone(keep=before, timeout=3)
    assert not left, procs.describe(left)
