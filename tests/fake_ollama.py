"""A loopback server that speaks the Ollama HTTP API, for tests and demos (stdlib only).

Tests never mock the ``ollama`` client: they point the real client at this server, which
answers with the same wire shapes a real Ollama sends (streamed NDJSON over HTTP/1.1 chunked
encoding) and with scripted replies and faults::

    with FakeOllama(reply="```python\\nx = 1\\n```") as server:
        backend = OllamaBackend(server.url, "qwen2.5-coder:7b")
        ...
        server.requests[-1].body["options"]["num_ctx"]

Endpoints: ``POST /api/chat`` (stream true/false), ``GET /api/tags``, ``POST /api/show``,
``POST /api/pull`` (streamed progress; afterwards the model is listed), ``GET /api/version``,
``GET /`` ("Ollama is running").

Knobs (attributes, changeable while the server runs):

- ``reply``: a str, a list of str consumed one per chat request, or a callable
  ``(request_json) -> str``.
- ``chunk_chars`` / ``chunk_delay`` / ``first_delay``: how the reply is cut and paced.
- ``fail``: ``None`` or one of :data:`FAILURES` (or a list of them, consumed one per chat or
  pull request): ``"http500"``, ``"error_midstream"``, ``"drop_midstream"``, ``"hang"``
  (ends when the client goes away or the server stops), ``"unknown_model"`` (404).
- ``models``: installed model names; ``strict_models=True`` makes chat answer 404 for others,
  as a real server does.

It records ``requests`` (method, path, JSON body) and ``disconnects`` (paths of responses the
client abandoned before they were complete).

Recorded real replies: ``reply=ReplayReplies(load_recorded_replies())`` answers each chat
request with what a real model (Qwen2.5-Coder, via ``benchmarks/record_model_replies.py``)
answered to the most similar recorded request, so tests see real model output without the
model. Standalone::

    python tests/fake_ollama.py --port 0 --reply-file reply.md   # prints its URL
    python tests/fake_ollama.py --replay tests/fixtures/model_replies --model qwen2.5-coder:1.5b
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "model_replies"
FAILURES = ("http500", "error_midstream", "drop_midstream", "hang", "unknown_model")
DEFAULT_MODELS = ("qwen2.5-coder:7b",)
Reply = str | list[str] | Callable[[dict[str, Any]], str]

_MODIFIED_AT = "2025-05-10T08:06:48.639712648-07:00"
_DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "qwen2",
    "families": ["qwen2"],
    "parameter_size": "7.6B",
    "quantization_level": "Q4_K_M",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    body: Any  # the parsed JSON body, or None


def _canonical(name: str) -> str:
    """``"m"`` and ``"m:latest"`` name the same model, as in Ollama."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


class _Stopped(Exception):
    """The server is stopping or the client left: end this response now."""


@dataclass
class FakeOllama:
    """The server; ``start()``/``stop()`` or use it as a context manager."""

    reply: Reply = "Hello from fake Ollama."
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    chunk_chars: int = 4
    chunk_delay: float = 0.0
    first_delay: float = 0.0
    fail: str | list[str | None] | None = None
    strict_models: bool = False
    pull_total: int = 3_000_000
    pull_steps: int = 4
    pull_delay: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[RecordedRequest] = field(default_factory=list, init=False)
    disconnects: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        if self._server is None:
            raise RuntimeError("FakeOllama is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> FakeOllama:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"fake-ollama-{server.server_address[1]}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and end every open connection, hung ones included."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- helpers for tests

    def chat_requests(self) -> list[dict[str, Any]]:
        """JSON bodies of the ``/api/chat`` requests so far."""
        return [r.body for r in list(self.requests) if r.path == "/api/chat"]

    def wait_for_disconnect(self, count: int = 1, timeout: float = 3.0) -> bool:
        """Wait until ``count`` abandoned responses were recorded."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.disconnects) >= count:
                return True
            time.sleep(0.01)
        return len(self.disconnects) >= count

    # ---------------------------------------------------------------- internals used by the handler

    def _next_reply(self, body: dict[str, Any]) -> str | None:
        with self._lock:
            reply = self.reply
            if callable(reply):
                return reply(body)
            if isinstance(reply, list):
                return reply.pop(0) if reply else None
            return reply

    def _next_fail(self) -> str | None:
        with self._lock:
            fail = self.fail
            if isinstance(fail, list):
                return fail.pop(0) if fail else None
            return fail

    def _has_model(self, name: str) -> bool:
        with self._lock:
            return _canonical(name) in {_canonical(m) for m in self.models}

    def _add_model(self, name: str) -> None:
        with self._lock:
            if _canonical(name) not in {_canonical(m) for m in self.models}:
                self.models.append(_canonical(name))


class _Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive like a real server."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-ollama"
    server_fake: FakeOllama

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and TUIs share the terminal

    def setup(self) -> None:
        super().setup()
        with self.server_fake._lock:
            self.server_fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.server_fake._lock:
            self.server_fake._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    # ---------------------------------------------------------------- plumbing

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _record(self, body: Any) -> None:
        path = self.path.split("?", 1)[0]
        with self.server_fake._lock:
            self.server_fake.requests.append(RecordedRequest(self.command, path, body))

    def _send(self, status: int, payload: Any, content_type: str = "application/json; charset=utf-8") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _client_gone(self) -> bool:
        """True when the peer closed its end (a readable socket with nothing to read)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except OSError:
            return True

    def _pause(self, seconds: float) -> None:
        """Sleep, but wake up for a stopping server or a departed client."""
        deadline = time.monotonic() + seconds
        while True:
            if self.server_fake._stopping.is_set() or self._client_gone():
                raise _Stopped
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.server_fake._stopping.wait(min(left, 0.02))

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

    def _chunk(self, obj: Any) -> None:
        if self._client_gone():
            raise _Stopped
        data = (json.dumps(obj) + "\n").encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _abandoned(self) -> None:
        """The client left mid-response (or we are stopping): note it, close the socket."""
        if not self.server_fake._stopping.is_set():
            with self.server_fake._lock:
                self.server_fake.disconnects.append(self.path)
        self.close_connection = True

    def _drop(self) -> None:
        """Cut the connection with the chunked body unfinished."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _hang(self) -> None:
        """Answer nothing until the client gives up or the server stops."""
        try:
            while True:
                self._pause(3600)
        except _Stopped:
            self._abandoned()

    # ---------------------------------------------------------------- routes

    def do_GET(self) -> None:
        self._record(None)
        path = self.path.split("?", 1)[0]
        if path in ("/", ""):
            self._send(200, b"Ollama is running", "text/plain; charset=utf-8")
        elif path == "/api/tags":
            self._send(200, {"models": [self._model_entry(m) for m in list(self.server_fake.models)]})
        elif path == "/api/version":
            self._send(200, {"version": "0.6.8"})
        else:
            self._send(404, b"404 page not found", "text/plain")

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self._body()
        self._record(body)
        path = self.path.split("?", 1)[0]
        try:
            if path == "/api/chat":
                self._chat(body if isinstance(body, dict) else {})
            elif path == "/api/show":
                self._show(body if isinstance(body, dict) else {})
            elif path == "/api/pull":
                self._pull(body if isinstance(body, dict) else {})
            else:
                self._send(404, b"404 page not found", "text/plain")
        except _Stopped:
            self._abandoned()
        except (BrokenPipeError, ConnectionResetError):
            self._abandoned()

    @staticmethod
    def _model_entry(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": _MODIFIED_AT,
            "size": 4683075271,
            "digest": _digest(name),
            "details": dict(_DETAILS),
        }

    def _show(self, body: dict[str, Any]) -> None:
        name = str(body.get("model") or body.get("name") or "")
        if not self.server_fake._has_model(name):
            self._send(404, {"error": f"model '{name}' not found"})
            return
        self._send(
            200,
            {
                "license": "Apache License 2.0",
                "modelfile": f"# Modelfile generated by \"ollama show\"\nFROM {name}\n",
                "parameters": "temperature 0.7",
                "template": "{{ .Prompt }}",
                "details": dict(_DETAILS),
                "model_info": {
                    "general.architecture": "qwen2",
                    "general.parameter_count": 7615616512,
                    "qwen2.context_length": 32768,
                },
                "capabilities": ["completion", "tools"],
                "modified_at": _MODIFIED_AT,
            },
        )

    def _not_found(self, name: str) -> None:
        self._send(404, {"error": f'model "{name}" not found, try pulling it first'})

    def _chat(self, body: dict[str, Any]) -> None:
        fake = self.server_fake
        model = str(body.get("model") or "")
        stream = body.get("stream", True) is not False
        fail = fake._next_fail()
        if fail == "unknown_model" or (fake.strict_models and not fake._has_model(model)):
            self._not_found(model)
            return
        if fail == "http500":
            self._send(500, {"error": "fake_ollama: llama runner process has terminated"})
            return
        if fail == "hang":
            self._hang()
            return
        text = fake._next_reply(body)
        if text is None:
            self._send(500, {"error": "fake_ollama: no scripted reply left"})
            return
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages") or [] if isinstance(m, dict))
        size = max(1, fake.chunk_chars)
        pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]
        final = {
            "done": True,
            "done_reason": "stop",
            "total_duration": 1392674,
            "load_duration": 1000000,
            "prompt_eval_count": max(1, prompt_chars // 4),
            "prompt_eval_duration": 1000000,
            "eval_count": len(pieces),
            "eval_duration": 1392674,
        }
        if fake.first_delay:
            self._pause(fake.first_delay)
        if not stream:
            if fail in ("error_midstream", "drop_midstream"):
                self._send(500, {"error": "fake_ollama: failed while generating"})
                return
            self._send(
                200,
                {"model": model, "created_at": _now(),
                 "message": {"role": "assistant", "content": text}, **final},
            )
            return
        self._start_stream()
        for index, piece in enumerate(pieces):
            if index and fake.chunk_delay:
                self._pause(fake.chunk_delay)
            if fail and index == max(1, len(pieces) // 2):
                if fail == "error_midstream":
                    self._chunk({"error": "fake_ollama: llama runner process has terminated"})
                    self._end_stream()
                    return
                if fail == "drop_midstream":
                    self._drop()
                    return
            self._chunk(
                {"model": model, "created_at": _now(),
                 "message": {"role": "assistant", "content": piece}, "done": False}
            )
        if fail == "error_midstream":
            self._chunk({"error": "fake_ollama: llama runner process has terminated"})
            self._end_stream()
            return
        if fail == "drop_midstream":
            self._drop()
            return
        self._chunk(
            {"model": model, "created_at": _now(),
             "message": {"role": "assistant", "content": ""}, **final}
        )
        self._end_stream()

    def _pull(self, body: dict[str, Any]) -> None:
        fake = self.server_fake
        model = str(body.get("model") or body.get("name") or "")
        stream = body.get("stream", True) is not False
        fail = fake._next_fail()
        if fail == "http500":
            self._send(500, {"error": "fake_ollama: internal error"})
            return
        if fail == "hang":
            self._hang()
            return
        if not stream:
            if fail == "unknown_model":
                self._send(500, {"error": "pull model manifest: file does not exist"})
                return
            fake._add_model(model)
            self._send(200, {"status": "success"})
            return
        self._start_stream()
        self._chunk({"status": "pulling manifest"})
        if fail == "unknown_model":
            self._chunk({"error": "pull model manifest: file does not exist"})
            self._end_stream()
            return
        digest = "sha256:" + _digest(model)
        total = max(1, fake.pull_total)
        steps = max(1, fake.pull_steps)
        for step in range(steps + 1):
            if step and fake.pull_delay:
                self._pause(fake.pull_delay)
            if fail and step == max(1, steps // 2):
                if fail == "error_midstream":
                    self._chunk({"error": "fake_ollama: pull interrupted"})
                    self._end_stream()
                    return
                if fail == "drop_midstream":
                    self._drop()
                    return
            completed = total * step // steps
            self._chunk({"status": f"pulling {digest[7:19]}", "digest": digest,
                         "total": total, "completed": completed})
        for status in ("verifying sha256 digest", "writing manifest"):
            self._chunk({"status": status})
        fake._add_model(model)
        self._chunk({"status": "success"})
        self._end_stream()


# --------------------------------------------------------------------------- recorded replies

_KIND_MARKS = (
    ("Task: make cell", "error-repair"),
    ("fit its time budget", "runtime-reduction"),
    ("toward the reference score", "score-calibration"),
)
_ASKED_CELL = re.compile(r"Propose the change for cell (\S+) now\.")
NO_RECORDING = "(fake_ollama: no recorded reply for this request)"


def request_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, cell id) of a chat request made with the app's prompts, else None."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    system = next((str(m.get("content")) for m in messages if m.get("role") == "system"), "")
    user = next((str(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    kind = next((k for mark, k in _KIND_MARKS if mark in system), None)
    asked = _ASKED_CELL.findall(user)
    return (kind, asked[-1]) if kind and asked else None


@dataclass(frozen=True)
class RecordedReply:
    """One real reply from a fixture file, with the request it answered."""

    path: Path
    model: str
    kind: str
    cell_id: str
    notebook: str
    prompt: str  # "current", or the earlier prompt the request carried
    user: str  # the request's last user message
    reply: str
    data: dict[str, Any]


def load_recorded_replies(folder: Path = FIXTURES, model: str | None = None) -> list[RecordedReply]:
    """The fixture files under ``folder`` (of one ``model`` if given), in name order."""
    found = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if model is not None and data.get("model") != model:
            continue
        messages = data["request"]["messages"]
        user = next(str(m["content"]) for m in reversed(messages) if m["role"] == "user")
        found.append(
            RecordedReply(path, data["model"], data["kind"], data["cell_id"], data.get("notebook", ""),
                          data.get("prompt", "current"), user, data["reply"], data)
        )
    return found


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.split("\n") if line.strip()}


def similarity(a: str, b: str) -> float:
    """Share of distinct lines two prompts have in common (Jaccard): timings and feedback
    differ from run to run, the cells and the traceback do not."""
    left, right = _lines(a), _lines(b)
    return len(left & right) / len(left | right) if left | right else 1.0


class ReplayReplies:
    """A ``reply`` callable answering with the recorded reply to the most similar request.

    Only replies recorded for the same kind and cell are candidates; among those at least
    ``min_similarity`` alike, the closest few take turns (a re-ask gets the next one, as a
    real model answers differently when asked again); with ``in_order`` all of those take
    turns in the order given, so a test can choose which reply comes first. A request nothing matches is answered
    with :data:`NO_RECORDING` and listed in ``misses``; ``used`` lists what was served.
    """

    def __init__(
        self, recorded: list[RecordedReply], *, min_similarity: float = 0.5, in_order: bool = False
    ) -> None:
        self.recorded = list(recorded)
        self.min_similarity = min_similarity
        self.in_order = in_order
        self.used: list[RecordedReply] = []
        self.misses: list[tuple[str, str] | None] = []
        self._turns: dict[tuple[str, str], int] = {}

    def __call__(self, body: dict[str, Any]) -> str:
        key = request_key(body)
        user = next(
            (str(m.get("content")) for m in reversed(body.get("messages") or [])
             if isinstance(m, dict) and m.get("role") == "user"),
            "",
        )
        scored = sorted(
            ((similarity(user, r.user), r) for r in self.recorded if key == (r.kind, r.cell_id)),
            key=lambda pair: -pair[0],
        )
        if key is None or not scored or scored[0][0] < self.min_similarity:
            self.misses.append(key)
            return NO_RECORDING
        best = scored[0][0]
        close = [r for score, r in scored if score >= best - 0.05]
        if self.in_order:  # every candidate that matches at all, in the order given
            matching = {id(r) for score, r in scored if score >= self.min_similarity}
            close = [r for r in self.recorded if id(r) in matching]
        turn = self._turns.get(key, 0)
        self._turns[key] = turn + 1
        chosen = close[turn % len(close)]
        self.used.append(chosen)
        return chosen.reply


# --------------------------------------------------------------------------- pytest fixture

try:  # optional: the module stays usable standalone without pytest
    import pytest
except ImportError:  # pragma: no cover
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_ollama() -> Iterator[FakeOllama]:
        """A started :class:`FakeOllama`, stopped after the test (import it into a test module)."""
        with FakeOllama() as server:
            yield server


# --------------------------------------------------------------------------- standalone


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted; print the URL first so a caller can read it."""
    parser = argparse.ArgumentParser(description="A fake Ollama server for tests and demos.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--reply-file", type=Path,
        help="the reply text; a .json file holding a list of strings gives one reply per request",
    )
    parser.add_argument("--model", action="append", help="an installed model (repeatable)")
    parser.add_argument(
        "--replay", type=Path, metavar="FOLDER",
        help="answer with the recorded real replies in FOLDER (of the first --model, if given)",
    )
    parser.add_argument("--chunk-chars", type=int, default=4)
    parser.add_argument("--chunk-delay", type=float, default=0.0)
    parser.add_argument("--first-delay", type=float, default=0.0)
    parser.add_argument("--fail", choices=FAILURES)
    parser.add_argument("--strict-models", action="store_true")
    args = parser.parse_args(argv)

    reply: Reply = "Hello from fake Ollama."
    if args.reply_file is not None:
        text = args.reply_file.read_text(encoding="utf-8")
        if args.reply_file.suffix == ".json":
            loaded = json.loads(text)
            reply = [str(item) for item in loaded] if isinstance(loaded, list) else str(loaded)
        else:
            reply = text
    if args.replay is not None:
        reply = ReplayReplies(load_recorded_replies(args.replay, args.model[0] if args.model else None))
    server = FakeOllama(
        reply=reply,
        models=list(args.model or DEFAULT_MODELS),
        chunk_chars=args.chunk_chars,
        chunk_delay=args.chunk_delay,
        first_delay=args.first_delay,
        fail=args.fail,
        strict_models=args.strict_models,
        host=args.host,
        port=args.port,
    ).start()
    print(server.url, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
