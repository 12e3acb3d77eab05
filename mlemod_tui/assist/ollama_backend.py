"""Talking to a local Ollama server through the official ``ollama.AsyncClient``.

Why a wrapper at all: the client (0.6.3) fails in five different ways for what a user sees as
one problem, depending on the call (a refused connection is a builtin ``ConnectionError`` for
plain calls but a raw ``httpx.ConnectError`` for streams; a dropped stream is
``httpx.RemoteProtocolError``; an error line mid-stream is ``ResponseError`` with status -1),
and its default timeout is *none*, so a hung server would hang the app forever. Here every
failure becomes one :class:`OllamaError` with a one-line message and a ``kind``, every
request has connect and read timeouts, and streams are closed when their consumer stops.

A fresh ``AsyncClient`` is made per operation: it is cheap next to a model call, and it ties
each connection's lifetime to the operation (and its event loop), so a cancelled or
abandoned stream leaves no socket behind.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import httpx
import ollama

from mlemod_tui.config import normalize_host
from mlemod_tui.errors import MlemodError

ErrorKind = Literal["unreachable", "model-missing", "timeout", "dropped", "server-error"]

STATUS_READ_TIMEOUT = 10.0
"""Longest wait for /api/tags in :meth:`OllamaBackend.status`: listing models never needs a
model loaded, so a server silent this long is as good as absent for a status line."""

_ERRORS: tuple[type[BaseException], ...] = (
    ollama.ResponseError,
    ConnectionError,
    httpx.HTTPError,
    ValueError,  # a line that is not JSON, or JSON that is not Ollama's shape (pydantic)
)


class OllamaError(MlemodError):
    """Anything that went wrong talking to Ollama, said in one line a user can act on."""

    def __init__(self, message: str, *, kind: ErrorKind, host: str = "", model: str = "") -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.host = host
        self.model = model


@dataclass(frozen=True)
class ServerStatus:
    """What the server at ``host`` offers; ``message`` says so once, naming where it looked."""

    host: str
    reachable: bool
    model: str
    model_present: bool
    models: tuple[str, ...]
    message: str

    @property
    def ready(self) -> bool:
        """The configured model can be asked right now."""
        return self.reachable and self.model_present


@dataclass(frozen=True)
class PullProgress:
    """One progress line of a model download."""

    status: str
    completed: int | None = None
    total: int | None = None
    digest: str | None = None

    @property
    def fraction(self) -> float | None:
        """Share of the current layer downloaded (0..1), or None when the line has no sizes."""
        if self.total is None or self.total <= 0 or self.completed is None:
            return None
        return max(0.0, min(1.0, self.completed / self.total))

    @property
    def done(self) -> bool:
        """The pull finished and the model is installed."""
        return self.status == "success"


@dataclass(frozen=True)
class ChatChunk:
    """A piece of a streamed answer; the last one has ``done`` and the token counts."""

    text: str
    done: bool
    eval_count: int | None = None
    prompt_eval_count: int | None = None


# --------------------------------------------------------------------------- context size


def num_ctx_for(prompt: str | list[dict[str, str]], answer_tokens: int = 2048) -> int:
    """The ``num_ctx`` option a prompt needs.

    Ollama's default context window is small (2048–4096 tokens) and it *silently* drops the
    start of a longer prompt, so we ask for a window that fits. Tokens are estimated
    conservatively at 3 characters each (code and tracebacks average ~3.5) plus a few per
    message for the chat template, room for the answer is added, and the result is rounded
    up to a multiple of 1024 within [4096, 131072].
    """
    if isinstance(prompt, str):
        chars, messages = len(prompt), 1
    else:
        chars = sum(len(str(m.get("content", ""))) for m in prompt)
        messages = len(prompt)
    prompt_tokens = math.ceil(chars / 3.0) + 8 * messages
    needed = prompt_tokens + max(0, answer_tokens)
    rounded = math.ceil(needed / 1024) * 1024
    return max(4096, min(131072, rounded))


# --------------------------------------------------------------------------- names


def same_model(a: str, b: str) -> bool:
    """``"m"`` and ``"m:latest"`` are one model to Ollama (names compare case-insensitively)."""
    return _canonical(a) == _canonical(b)


def _canonical(name: str) -> str:
    name = name.strip().casefold()
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def _one_line(text: str, limit: int = 300) -> str:
    line = re.sub(r"\s+", " ", text).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _seconds(value: float) -> str:
    return f"{value:g} s"


# --------------------------------------------------------------------------- backend


class OllamaBackend:
    """Chat, pull and status against one Ollama server and model."""

    def __init__(
        self,
        host: str,
        model: str,
        *,
        request_timeout: float = 120.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self.host = normalize_host(host)
        self.model = model
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout

    def __repr__(self) -> str:
        return f"OllamaBackend(host={self.host!r}, model={self.model!r})"

    # ---------------------------------------------------------------- plumbing

    def _client(self, read_timeout: float | None = None) -> ollama.AsyncClient:
        """A client whose requests give up instead of hanging (ollama's default is no timeout)."""
        read = self.request_timeout if read_timeout is None else read_timeout
        timeout = httpx.Timeout(read, connect=self.connect_timeout)
        return ollama.AsyncClient(host=self.host, timeout=timeout)

    def _unreachable(self, why: str) -> OllamaError:
        return OllamaError(
            f"Ollama at {self.host} is not reachable ({why}). Start it with `ollama serve` "
            "or set --ollama-host/OLLAMA_HOST.",
            kind="unreachable",
            host=self.host,
        )

    def _error(
        self,
        exc: BaseException,
        *,
        model: str,
        read_timeout: float,
        answering: bool = False,
        pulling: bool = False,
    ) -> OllamaError:
        """The one :class:`OllamaError` for whatever the client or httpx raised."""
        host = self.host
        if isinstance(exc, ollama.ResponseError):
            if pulling:
                # A 404 here means the registry lacks the model, not that it is uninstalled.
                return OllamaError(
                    f"Ollama at {host} could not pull '{model}': {_one_line(str(exc.error))}",
                    kind="server-error",
                    host=host,
                    model=model,
                )
            if exc.status_code == 404:
                return OllamaError(
                    f"model '{model}' is not installed on Ollama at {host}; pull it with "
                    f"`ollama pull {model}` (or press the pull key)",
                    kind="model-missing",
                    host=host,
                    model=model,
                )
            detail = _one_line(str(exc.error) or "no details")
            if exc.status_code not in (-1, None):
                detail = f"HTTP {exc.status_code}: {detail}"
            return OllamaError(
                f"Ollama at {host} reported an error: {detail}",
                kind="server-error",
                host=host,
                model=model,
            )
        if isinstance(exc, httpx.ConnectTimeout):
            return self._unreachable(f"no answer to connect within {_seconds(self.connect_timeout)}")
        if isinstance(exc, httpx.TimeoutException):
            return OllamaError(
                f"Ollama at {host} stopped answering after {_seconds(read_timeout)}",
                kind="timeout",
                host=host,
                model=model,
            )
        dropped = (httpx.RemoteProtocolError, httpx.ReadError, ConnectionResetError, BrokenPipeError)
        if isinstance(exc, (ConnectionError, httpx.ConnectError)) and not isinstance(exc, dropped):
            return self._unreachable("connection refused")
        if isinstance(exc, dropped):
            where = "mid-answer" if answering else "before answering"
            return OllamaError(
                f"Ollama at {host} dropped the connection {where}",
                kind="dropped",
                host=host,
                model=model,
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return self._unreachable(f"unsupported URL: {_one_line(str(exc))}")
        if isinstance(exc, ValueError):
            return OllamaError(
                f"Ollama at {host} reported an error: its answer is not Ollama's API "
                f"({_one_line(str(exc), 120)})",
                kind="server-error",
                host=host,
                model=model,
            )
        return OllamaError(
            f"Ollama at {host} reported an error: {_one_line(str(exc) or type(exc).__name__)}",
            kind="server-error",
            host=host,
            model=model,
        )

    def _raise(self, exc: BaseException, **kw: Any) -> NoReturn:
        raise self._error(exc, **kw) from exc

    # ---------------------------------------------------------------- status

    async def status(self) -> ServerStatus:
        """Is the server there and does it have our model? Never raises for a server problem."""
        read_timeout = min(self.request_timeout, STATUS_READ_TIMEOUT)
        try:
            async with self._client(read_timeout) as client:
                listing = await client.list()
        except _ERRORS as exc:
            err = self._error(exc, model=self.model, read_timeout=read_timeout)
            return ServerStatus(self.host, False, self.model, False, (), str(err))
        models = tuple(m.model for m in listing.models if m.model)
        present = any(same_model(self.model, name) for name in models)
        if present:
            message = f"Ollama at {self.host} is running; model '{self.model}' is installed."
        else:
            installed = ", ".join(models) if models else "none"
            message = (
                f"Ollama at {self.host} is running but model '{self.model}' is not installed "
                f"(installed: {installed}); pull it with `ollama pull {self.model}` "
                "(or press the pull key)."
            )
        return ServerStatus(self.host, True, self.model, present, models, message)

    # ---------------------------------------------------------------- chat

    async def stream_chat(
        self,
        messages: list[dict[str, str]],
        *,
        num_ctx: int | None = None,
        temperature: float = 0.2,
    ) -> AsyncGenerator[ChatChunk, None]:  # a generator: callers may aclose() it early
        """Stream the model's answer piece by piece.

        Cancelling the consuming task, or closing this generator (``contextlib.aclosing``),
        closes the HTTP connection, which makes Ollama stop generating. A server silent for
        ``request_timeout`` seconds raises ``OllamaError(kind="timeout")``.
        """
        options: dict[str, Any] = {"temperature": temperature}
        if num_ctx is not None:
            options["num_ctx"] = int(num_ctx)
        model = self.model
        answering = False
        async with self._client() as client:
            try:
                stream = await client.chat(
                    model=model, messages=messages, stream=True, options=options
                )
            except _ERRORS as exc:
                self._raise(exc, model=model, read_timeout=self.request_timeout)
            async with contextlib.aclosing(stream):
                while True:
                    try:
                        part = await anext(stream)
                    except StopAsyncIteration:
                        return
                    except _ERRORS as exc:
                        self._raise(
                            exc, model=model, read_timeout=self.request_timeout, answering=answering
                        )
                    answering = True
                    message = part.message
                    yield ChatChunk(
                        text=(message.content or "") if message is not None else "",
                        done=bool(part.done),
                        eval_count=part.eval_count,
                        prompt_eval_count=part.prompt_eval_count,
                    )
                    if part.done:
                        return

    async def complete(
        self, messages: list[dict[str, str]], *, num_ctx: int | None = None
    ) -> str:
        """The whole answer as one string (streamed underneath, so timeouts apply per token)."""
        pieces: list[str] = []
        async with contextlib.aclosing(self.stream_chat(messages, num_ctx=num_ctx)) as chunks:
            async for chunk in chunks:
                pieces.append(chunk.text)
        return "".join(pieces)

    # ---------------------------------------------------------------- pull

    async def pull(self, model: str | None = None) -> AsyncIterator[PullProgress]:
        """Download ``model`` (default: ours), yielding progress until ``status == "success"``."""
        name = model or self.model
        answering = False
        async with self._client() as client:
            try:
                stream = await client.pull(name, stream=True)
            except _ERRORS as exc:
                self._raise(exc, model=name, read_timeout=self.request_timeout, pulling=True)
            async with contextlib.aclosing(stream):
                while True:
                    try:
                        part = await anext(stream)
                    except StopAsyncIteration:
                        return
                    except _ERRORS as exc:
                        self._raise(
                            exc,
                            model=name,
                            read_timeout=self.request_timeout,
                            answering=answering,
                            pulling=True,
                        )
                    answering = True
                    yield PullProgress(
                        status=part.status or "",
                        completed=part.completed,
                        total=part.total,
                        digest=part.digest,
                    )
