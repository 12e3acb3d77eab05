"""An async Jupyter kernel session: start, execute a cell as a stream of typed events,
interrupt, restart, shut down, and notice a dead kernel at once.

Built on jupyter_client's async API rather than nbclient because we need every output as it
arrives and a kernel death reported in well under a second (nbclient polls once a second; a
bare client waits forever for a reply a dead kernel never sends).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import Any, Literal

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from mlemod_tui.errors import KernelDiedError, KernelError

KernelState = Literal["not started", "starting", "idle", "busy", "dead", "shut down"]
FinishStatus = Literal["ok", "error", "timeout", "died", "aborted"]

# How often a silent kernel is checked for life: a death is reported within about this long.
LIVENESS_POLL_SECONDS = 0.03
# After an interrupt, how long a kernel may take to answer before we call it stuck.
INTERRUPT_GRACE_SECONDS = 5.0
# Fast, private kernels: no on-disk IPython history (shared sqlite, +1-4 ms a cell, lock
# contention between kernels); nbclient does the same.
KERNEL_EXTRA_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class StreamText:
    """Text the cell printed on stdout or stderr."""

    name: str
    text: str


@dataclass(frozen=True)
class RichOutput:
    """display_data, execute_result or update_display_data: a mime bundle."""

    output_type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    execution_count: int | None = None
    display_id: str | None = None


@dataclass(frozen=True)
class ErrorRaised:
    """The cell raised; the traceback lines carry the kernel's ANSI colours."""

    ename: str
    evalue: str
    traceback: list[str]


@dataclass(frozen=True)
class OutputCleared:
    """``clear_output()`` from the cell; with ``wait`` the clear happens at the next output."""

    wait: bool


@dataclass(frozen=True)
class ExecutionStarted:
    """The kernel went busy on our request (its clock) and echoed the execution count."""

    started_at: datetime
    execution_count: int | None = None


@dataclass(frozen=True)
class ExecutionFinished:
    """The cell is over: ok, error, timeout (interrupted by us), or died."""

    status: FinishStatus
    execution_count: int | None
    seconds: float
    started_at: datetime | None
    finished_at: datetime
    reply_at: datetime | None = None
    input_at: datetime | None = None
    exit_code: int | None = None


KernelEvent = (
    StreamText | RichOutput | ErrorRaised | OutputCleared | ExecutionStarted | ExecutionFinished
)


# --------------------------------------------------------------------------- kernelspecs


def installed_kernels() -> dict[str, str]:
    """Installed kernelspec names mapped to their folders."""
    return KernelSpecManager().find_kernel_specs()


def choose_kernel(requested: str | None, notebook_kernel: str | None) -> str:
    """``--kernel`` if given; else the notebook's own kernelspec when installed; else python3."""
    if requested:
        return requested
    if notebook_kernel and notebook_kernel in installed_kernels():
        return notebook_kernel
    return "python3"


def _missing_kernel_message(name: str) -> str:
    names = sorted(installed_kernels())
    listed = ", ".join(names) if names else "none"
    return f"no Jupyter kernel named {name!r} is installed (installed: {listed}); pick one with --kernel"


# --------------------------------------------------------------------------- orphan safety net

_LIVE_KERNEL_PIDS: set[int] = set()


def _kill_pid(pid: int) -> None:
    """SIGKILL a kernel and its process group (kernels run in a session of their own)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone: exactly what we want


def _kill_leftover_kernels() -> None:
    """Last resort at interpreter exit: no kernel process may outlive us."""
    for pid in list(_LIVE_KERNEL_PIDS):
        _kill_pid(pid)
        _LIVE_KERNEL_PIDS.discard(pid)


atexit.register(_kill_leftover_kernels)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _header_date(msg: dict[str, Any]) -> datetime:
    value = msg.get("header", {}).get("date")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return _utcnow()


# --------------------------------------------------------------------------- the session


@dataclass
class KernelSession:
    """One kernel process and its client, owned by us from start to shutdown.

    Use as ``async with KernelSession(...) as kernel:`` so the process is shut down on every
    exit path (exceptions and cancellation included).
    """

    kernel_name: str = "python3"
    cwd: Path | None = None
    startup_timeout: float = 60.0
    transport: Literal["ipc", "tcp"] = "ipc" if sys.platform != "win32" else "tcp"
    state: KernelState = "not started"
    exit_code: int | None = None
    # A kernel someone else started (`jupyter kernel` on a GPU server, reached over an SSH
    # tunnel): we talk to it through its connection file, and never restart or stop it.
    existing: Path | None = None
    _km: AsyncKernelManager | None = field(default=None, repr=False)
    _kc: Any = field(default=None, repr=False)
    _ipc_dir: str | None = field(default=None, repr=False)
    _stderr_log: Any = field(default=None, repr=False)
    _known_pid: int | None = field(default=None, repr=False)
    # Shell replies read by one waiter but meant for another (see _reply_for), by msg_id.
    _replies: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    async def __aenter__(self) -> KernelSession:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start the kernel and wait until it answers, or raise a clear KernelError.

        Cancelled or failed half-way (Ctrl+C during start-up), it shuts down what it started.
        """
        try:
            await self._start()
        except BaseException:
            await asyncio.shield(self.shutdown())
            raise

    @property
    def attached(self) -> bool:
        return self.existing is not None

    async def _attach(self) -> None:
        """Connect to a running kernel from its connection file; no process is ours."""
        assert self.existing is not None  # start() attaches only when a connection file is given
        path = Path(self.existing).expanduser()
        if not path.is_file():
            raise KernelError(f"{path}: no such connection file (from `jupyter kernel` or `%connect_info`)")
        self.state = "starting"
        kc = AsyncKernelClient()
        try:
            kc.load_connection_file(str(path))
        except (OSError, ValueError, KeyError) as exc:
            raise KernelError(f"{path}: not a kernel connection file ({exc})") from None
        self.kernel_name = str(kc.kernel_name or path.stem)
        kc.start_channels()
        self._kc = kc
        try:
            await asyncio.wait_for(
                kc.wait_for_ready(timeout=self.startup_timeout), self.startup_timeout + 5
            )
        except (TimeoutError, RuntimeError):
            self.state = "dead"
            raise KernelError(
                f"the kernel of {path} did not answer within {self.startup_timeout:g} s "
                "(is it running, and is the tunnel to its ports up?)"
            ) from None
        self.state = "idle"

    async def _start(self) -> None:
        if self.attached:
            await self._attach()
            return
        if self.kernel_name not in installed_kernels():
            raise KernelError(_missing_kernel_message(self.kernel_name))
        self.state = "starting"
        km_kwargs: dict[str, Any] = {"kernel_name": self.kernel_name, "transport": self.transport}
        if self.transport == "ipc":
            # An absolute, private socket prefix: the default is relative to *our* cwd while
            # the kernel runs in the notebook's folder, and would litter the user's folder.
            self._ipc_dir = tempfile.mkdtemp(prefix="mlemod-kernel-")
            km_kwargs["ip"] = os.path.join(self._ipc_dir, "k")
        self._km = AsyncKernelManager(**km_kwargs)
        # The kernel must never write to our terminal (ipykernel logs warnings at start);
        # stderr goes to a private file whose tail explains a death.
        self._stderr_log = tempfile.TemporaryFile(prefix="mlemod-kernel-stderr-")
        try:
            await self._km.start_kernel(
                cwd=str(self.cwd) if self.cwd else None,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr_log,
                stdin=subprocess.DEVNULL,
                extra_arguments=list(KERNEL_EXTRA_ARGUMENTS),
            )
        except NoSuchKernel:
            self.state = "dead"
            raise KernelError(_missing_kernel_message(self.kernel_name)) from None
        except (OSError, RuntimeError) as exc:
            self.state = "dead"
            raise KernelError(f"could not start kernel {self.kernel_name!r}: {exc}") from None
        self._remember_pid()
        self._kc = self._km.client()
        self._kc.start_channels()
        try:
            await asyncio.wait_for(
                self._kc.wait_for_ready(timeout=self.startup_timeout), self.startup_timeout + 5
            )
        except (TimeoutError, RuntimeError):
            detail = self.stderr_tail()
            self.state = "dead"
            reason = f": {detail}" if detail else ""
            raise KernelError(
                f"kernel {self.kernel_name!r} did not answer within {self.startup_timeout:g} s{reason}"
            ) from None
        self.state = "idle"

    async def shutdown(self) -> None:
        """Stop the kernel process (immediately: there is nothing left to save in it).

        An attached kernel is only disconnected from: it is not ours to stop.
        """
        km, kc = self._km, self._kc
        if kc is not None:
            kc.stop_channels()
        if km is not None and km.has_kernel:
            try:
                await km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - whatever failed, make sure the process is gone
                self._kill_process_group()
        self._forget_pid()
        self._kc = None
        if self.state != "dead":
            self.state = "shut down"
        await self._cleanup_files()

    async def interrupt(self) -> None:
        """Interrupt the running cell (SIGINT or an interrupt message, per the kernelspec).

        An attached kernel may run on another machine: it gets an ``interrupt_request`` on
        the control channel, which ipykernel honours whatever its interrupt mode.
        """
        if self.attached and self._kc is not None:
            self._kc.control_channel.send(self._kc.session.msg("interrupt_request", content={}))
        elif self._km is not None and self._km.has_kernel:
            await self._km.interrupt_kernel()

    async def restart(self) -> None:
        """A fresh kernel process with an empty namespace; the client keeps working."""
        if self.attached:
            raise KernelError(
                "this kernel was attached with --existing: mlemod-tui did not start it and "
                "will not restart it; restart it where it runs, then attach again"
            )
        if self._km is None:
            await self.start()
            return
        self.state = "starting"
        self._forget_pid()
        try:
            await self._km.restart_kernel(now=True)
        except Exception as exc:  # noqa: BLE001 - any failure here leaves a dead kernel
            self.state = "dead"
            raise KernelError(f"could not restart kernel {self.kernel_name!r}: {exc}") from None
        self._remember_pid()
        if self._kc is None:
            self._kc = self._km.client()
            self._kc.start_channels()
        try:
            await self._kc.wait_for_ready(timeout=self.startup_timeout)
        except RuntimeError:
            self.state = "dead"
            raise KernelError(f"kernel {self.kernel_name!r} did not come back after restart") from None
        self.exit_code = None
        self._replies.clear()  # replies of the old process's requests
        self.state = "idle"

    async def is_alive(self) -> bool:
        if self.attached:
            return await self._km_alive()
        return self._km is not None and self._km.has_kernel and await self._km.is_alive()

    def stderr_tail(self, lines: int = 5) -> str:
        """The last lines the kernel wrote on stderr: the best clue to why it died."""
        log = self._stderr_log
        if log is None:
            return ""
        try:
            log.flush()
            log.seek(0)
            text = log.read()[-4000:].decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        kept = [ln for ln in text.splitlines() if ln.strip()][-lines:]
        return " | ".join(kept)

    # -- execution ---------------------------------------------------------------------

    async def execute(
        self,
        code: str,
        *,
        timeout: float | None = None,
        silent: bool = False,
        store_history: bool = True,
    ) -> AsyncIterator[KernelEvent]:
        """Run ``code`` and yield its events; the last one is always ExecutionFinished.

        A silent kernel is polled for life every LIVENESS_POLL_SECONDS, so a death is
        reported at once. Past ``timeout`` seconds the cell is interrupted and reported
        as a timeout.
        """
        kc = self._require_client()
        msg_id = kc.execute(code, silent=silent, store_history=store_history, allow_stdin=False)
        self.state = "busy"
        sent = time.monotonic()
        deadline = sent + timeout if timeout else None
        timed_out_at: float | None = None
        started_at: datetime | None = None
        input_at: datetime | None = None
        execution_count: int | None = None
        idle_at: datetime | None = None
        while idle_at is None:
            try:
                msg = await kc.get_iopub_msg(timeout=LIVENESS_POLL_SECONDS)
            except Empty:
                if not await self._km_alive():
                    yield await self._died(started_at)
                    return
                now = time.monotonic()
                if deadline is not None and timed_out_at is None and now > deadline:
                    timed_out_at = now
                    await self.interrupt()
                elif timed_out_at is not None and now - timed_out_at > INTERRUPT_GRACE_SECONDS:
                    # The kernel ignores the interrupt (stuck in C code): report the timeout;
                    # the kernel stays busy until the user restarts it.
                    yield ExecutionFinished(
                        "timeout", execution_count, now - sent, started_at, _utcnow(), exit_code=None
                    )
                    return
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue  # late output of an earlier, interrupted request
            kind = msg["msg_type"]
            content = msg["content"]
            if kind == "status":
                if content["execution_state"] == "busy":
                    started_at = _header_date(msg)
                    yield ExecutionStarted(started_at)
                elif content["execution_state"] == "idle":
                    idle_at = _header_date(msg)
            elif kind == "execute_input":
                execution_count = content.get("execution_count")
                input_at = _header_date(msg)
            elif kind == "stream":
                yield StreamText(content.get("name", "stdout"), content.get("text", ""))
            elif kind in ("display_data", "execute_result", "update_display_data"):
                transient = content.get("transient") or {}
                yield RichOutput(
                    kind,
                    content.get("data", {}),
                    content.get("metadata", {}),
                    content.get("execution_count"),
                    transient.get("display_id"),
                )
            elif kind == "error":
                yield ErrorRaised(
                    content.get("ename", ""), content.get("evalue", ""), content.get("traceback", [])
                )
            elif kind == "clear_output":
                yield OutputCleared(bool(content.get("wait", False)))
        reply = await self._reply_for(msg_id)
        self.state = "idle"
        # The kernel's own word (ok, error or aborted under the protocol), as before.
        status: FinishStatus = reply["content"].get("status", "error") if reply else "error"
        execution_count = (reply["content"].get("execution_count") if reply else None) or execution_count
        if timed_out_at is not None:
            status = "timeout"
        seconds = (idle_at - started_at).total_seconds() if started_at else time.monotonic() - sent
        yield ExecutionFinished(
            status,
            execution_count,
            max(seconds, 0.0),
            started_at,
            idle_at,
            reply_at=_header_date(reply) if reply else None,
            input_at=input_at,
        )

    async def evaluate_silently(self, code: str, expressions: dict[str, str]) -> dict[str, Any]:
        """Run ``code`` and read ``expressions`` without touching In/Out or the execution count.

        ``silent=True`` requests neither increment the execution count nor enter history;
        ``user_expressions`` come back in the reply. Used for introspection (versions, GPU,
        variable summaries).
        """
        kc = self._require_client()
        msg_id = kc.execute(
            code, silent=True, store_history=False, user_expressions=expressions, allow_stdin=False
        )
        reply = await self._reply_for(msg_id)
        if reply is None:
            raise KernelDiedError(self.death_message())
        results: dict[str, Any] = {}
        for key, value in reply["content"].get("user_expressions", {}).items():
            if value.get("status") == "ok":
                results[key] = value.get("data", {}).get("text/plain")
            else:
                results[key] = None
        return results

    def death_message(self) -> str:
        if self.attached:
            return (
                f"the connection to the kernel of {self.existing} was lost (no heartbeat): "
                "the kernel stopped or the tunnel to it is down"
            )
        code = self.exit_code
        how = ""
        if code is not None and code < 0:
            try:
                how = f" (killed by {signal.Signals(-code).name})"
            except ValueError:
                how = f" (signal {-code})"
        elif code is not None:
            how = f" (exit code {code})"
        tail = self.stderr_tail(3)
        return f"the kernel died{how}" + (f": {tail}" if tail else "")

    # -- internals ---------------------------------------------------------------------

    def ensure_usable(self) -> None:
        """Raise KernelDiedError (with the way on) unless cells can run on this kernel now."""
        if self._kc is None or self.state in ("dead", "shut down", "not started"):
            raise KernelDiedError(f"the kernel is {self.state}; restart it to run cells")

    def _require_client(self) -> Any:
        self.ensure_usable()
        return self._kc

    async def _km_alive(self) -> bool:
        """Our own kernel: its process is polled. An attached one: its heartbeat, which
        misses after about a second when the connection or the kernel is lost."""
        if self.attached:
            return self._kc is not None and bool(self._kc.hb_channel.is_beating())
        return self._km is not None and await self._km.is_alive()

    async def _died(self, started_at: datetime | None) -> ExecutionFinished:
        self.state = "dead"
        process = getattr(getattr(self._km, "provisioner", None), "process", None)
        self.exit_code = getattr(process, "returncode", None)
        now = _utcnow()
        seconds = (now - started_at).total_seconds() if started_at else 0.0
        return ExecutionFinished("died", None, seconds, started_at, now, exit_code=self.exit_code)

    async def _reply_for(self, msg_id: str) -> dict[str, Any] | None:
        """The shell reply to ``msg_id``, or None if the kernel died first.

        A silent evaluation while a cell runs has two waiters on the one shell channel:
        a reply read by the wrong one is kept for its owner, not dropped (which would
        leave the owner waiting forever).
        """
        kc = self._kc
        while True:
            if msg_id in self._replies:
                return self._replies.pop(msg_id)
            try:
                reply: dict[str, Any] = await kc.get_shell_msg(timeout=LIVENESS_POLL_SECONDS)
            except Empty:
                if not await self._km_alive():
                    await self._died(None)
                    return None
                continue
            parent_id = reply.get("parent_header", {}).get("msg_id")
            if parent_id == msg_id:
                return reply
            if parent_id:
                self._replies[parent_id] = reply

    def _remember_pid(self) -> None:
        self._known_pid = self._pid()
        if self._known_pid:
            _LIVE_KERNEL_PIDS.add(self._known_pid)

    def _forget_pid(self) -> None:
        if self._known_pid:
            _LIVE_KERNEL_PIDS.discard(self._known_pid)
        self._known_pid = None

    def _pid(self) -> int | None:
        process = getattr(getattr(self._km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def _kill_process_group(self) -> None:
        if self._known_pid:
            _kill_pid(self._known_pid)

    async def _cleanup_files(self) -> None:
        if self._ipc_dir:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None
        if self._stderr_log is not None:
            self._stderr_log.close()
            self._stderr_log = None
