"""OllamaBackend through the real ``ollama`` client against a loopback Ollama-protocol server."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import ollama
import pytest

from mlemod_tui.assist.ollama_backend import (
    ChatChunk,
    OllamaBackend,
    OllamaError,
    PullProgress,
    num_ctx_for,
    same_model,
)
from mlemod_tui.errors import MlemodError
from tests.fake_ollama import FakeOllama

MODEL = "qwen2.5-coder:7b"
MESSAGES = [{"role": "user", "content": "fix df.append"}]


@pytest.fixture
def server() -> Iterator[FakeOllama]:
    with FakeOllama(reply="Use pd.concat instead.", chunk_chars=4) as fake:
        yield fake


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def backend_for(url: str, **kw: float) -> OllamaBackend:
    return OllamaBackend(url, MODEL, **kw)


async def collect(backend: OllamaBackend, **kw: object) -> list[ChatChunk]:
    return [chunk async for chunk in backend.stream_chat(MESSAGES, **kw)]  # type: ignore[arg-type]


async def failure(coro: object) -> OllamaError:
    with pytest.raises(OllamaError) as info:
        await coro  # type: ignore[misc]
    err = info.value
    assert isinstance(err, MlemodError)
    assert "\n" not in str(err) and str(err).strip() == str(err)
    return err


# --------------------------------------------------------------------------- status


async def test_status_reachable_with_model_present(server: FakeOllama) -> None:
    status = await backend_for(server.url).status()
    assert status.reachable and status.model_present and status.ready
    assert status.models == (MODEL,)
    assert status.host == server.url and server.url in status.message
    assert status.message.count(server.url) == 1


async def test_status_accepts_name_and_latest_as_one_model(server: FakeOllama) -> None:
    server.models = ["llama3.2:latest"]
    assert (await OllamaBackend(server.url, "llama3.2").status()).model_present
    server.models = ["llama3.2"]
    assert (await OllamaBackend(server.url, "llama3.2:latest").status()).model_present
    assert same_model("m", "M:latest") and not same_model("m:7b", "m")


async def test_status_model_missing(server: FakeOllama) -> None:
    server.models = ["llama3.2:latest"]
    status = await backend_for(server.url).status()
    assert status.reachable and not status.model_present and not status.ready
    assert f"ollama pull {MODEL}" in status.message and "llama3.2:latest" in status.message


async def test_status_unreachable_is_fast_and_names_the_host(closed_port_url: str) -> None:
    started = time.monotonic()
    status = await backend_for(closed_port_url).status()
    assert time.monotonic() - started < 1.0
    assert not status.reachable and not status.model_present and status.models == ()
    assert closed_port_url in status.message and "not reachable" in status.message
    assert "ollama serve" in status.message


# --------------------------------------------------------------------------- chat


async def test_stream_arrives_incrementally_in_order(server: FakeOllama) -> None:
    server.chunk_delay = 0.05
    backend = backend_for(server.url)
    arrivals: list[tuple[float, ChatChunk]] = []
    async for chunk in backend.stream_chat(MESSAGES):
        arrivals.append((time.monotonic(), chunk))
    texts = [c.text for _, c in arrivals]
    assert "".join(texts) == "Use pd.concat instead."
    assert texts[:3] == ["Use ", "pd.c", "onca"]
    assert arrivals[-1][1].done and arrivals[-1][1].eval_count == 6
    assert not any(c.done for _, c in arrivals[:-1])
    # incremental: the first piece came well before the last (6 pieces, 50 ms apart)
    assert arrivals[-2][0] - arrivals[0][0] > 0.15
    body = server.chat_requests()[-1]
    assert body["stream"] is True and body["model"] == MODEL and body["messages"] == MESSAGES
    assert body["options"]["temperature"] == 0.2


async def test_complete_joins_the_stream(server: FakeOllama) -> None:
    server.reply = ["first answer", "second answer"]
    backend = backend_for(server.url)
    assert await backend.complete(MESSAGES) == "first answer"
    assert await backend.complete(MESSAGES) == "second answer"


async def test_callable_reply_sees_the_request(server: FakeOllama) -> None:
    server.reply = lambda body: body["messages"][-1]["content"].upper()
    assert await backend_for(server.url).complete(MESSAGES) == "FIX DF.APPEND"


async def test_num_ctx_is_sent_and_scales_with_the_prompt(server: FakeOllama) -> None:
    backend = backend_for(server.url)
    small = [{"role": "user", "content": "x" * 100}]
    large = [{"role": "user", "content": "x" * 60_000}]
    for messages in (small, large):
        await backend.complete(messages, num_ctx=num_ctx_for(messages))
    sent = [body["options"]["num_ctx"] for body in server.chat_requests()]
    assert sent[0] == 4096
    assert sent[1] > sent[0] and sent[1] % 1024 == 0 and sent[1] >= 60_000 / 3.5 + 2048


def test_num_ctx_for_bounds_and_rounding() -> None:
    assert num_ctx_for("") == 4096
    assert num_ctx_for("x" * 30_000) % 1024 == 0
    assert num_ctx_for("x" * 30_000) >= 30_000 / 3.5 + 2048
    assert num_ctx_for("x" * 30_000, answer_tokens=8192) > num_ctx_for("x" * 30_000)
    assert num_ctx_for("x" * 10_000_000) == 131072
    as_messages = num_ctx_for([{"role": "user", "content": "x" * 30_000}])
    assert as_messages == num_ctx_for("x" * 30_000)


# --------------------------------------------------------------------------- failures


async def test_refused_stream_is_unreachable(closed_port_url: str) -> None:
    err = await failure(collect(backend_for(closed_port_url)))
    assert err.kind == "unreachable"
    assert str(err) == (
        f"Ollama at {closed_port_url} is not reachable (connection refused). "
        "Start it with `ollama serve` or set --ollama-host/OLLAMA_HOST."
    )


async def test_refused_non_stream_is_unreachable(closed_port_url: str) -> None:
    # The client's plain (non-stream) calls raise the builtin ConnectionError here ...
    with pytest.raises(ConnectionError):
        await ollama.AsyncClient(host=closed_port_url).list()
    # ... which status() (a plain list() call) turns into the same one-line message.
    status = await backend_for(closed_port_url).status()
    assert status.message == (
        f"Ollama at {closed_port_url} is not reachable (connection refused). "
        "Start it with `ollama serve` or set --ollama-host/OLLAMA_HOST."
    )


async def test_http_500_is_a_server_error(server: FakeOllama) -> None:
    server.fail = "http500"
    err = await failure(collect(backend_for(server.url)))
    assert err.kind == "server-error"
    assert str(err).startswith(f"Ollama at {server.url} reported an error: HTTP 500: ")
    assert "llama runner process has terminated" in str(err)


async def test_error_line_mid_stream_is_a_server_error(server: FakeOllama) -> None:
    server.fail = "error_midstream"
    received: list[str] = []
    with pytest.raises(OllamaError) as info:
        async for chunk in backend_for(server.url).stream_chat(MESSAGES):
            received.append(chunk.text)
    assert received  # some text came before the error
    assert info.value.kind == "server-error"
    assert str(info.value) == (
        f"Ollama at {server.url} reported an error: "
        "fake_ollama: llama runner process has terminated"
    )


async def test_dropped_connection_mid_stream(server: FakeOllama) -> None:
    server.fail = "drop_midstream"
    err = await failure(collect(backend_for(server.url)))
    assert err.kind == "dropped"
    assert str(err) == f"Ollama at {server.url} dropped the connection mid-answer"


async def test_hung_server_times_out_instead_of_hanging(server: FakeOllama) -> None:
    server.fail = "hang"
    backend = backend_for(server.url, request_timeout=1.0)
    started = time.monotonic()
    err = await failure(collect(backend))
    assert 0.9 < time.monotonic() - started < 2.0
    assert err.kind == "timeout"
    assert str(err) == f"Ollama at {server.url} stopped answering after 1 s"
    assert server.wait_for_disconnect(1)  # the hung handler noticed and ended


async def test_hang_between_tokens_times_out(server: FakeOllama) -> None:
    server.chunk_delay = 3.0
    backend = backend_for(server.url, request_timeout=0.5)
    err = await failure(collect(backend))
    assert err.kind == "timeout" and "after 0.5 s" in str(err)


async def test_unknown_model_is_model_missing(server: FakeOllama) -> None:
    server.strict_models = True
    backend = OllamaBackend(server.url, "nope:1b")
    err = await failure(collect(backend))
    assert err.kind == "model-missing" and err.model == "nope:1b"
    assert str(err) == (
        f"model 'nope:1b' is not installed on Ollama at {server.url}; "
        "pull it with `ollama pull nope:1b` (or press the pull key)"
    )
    server.fail = "unknown_model"  # the knob, for any model name
    assert (await failure(backend_for(server.url).complete(MESSAGES))).kind == "model-missing"


# --------------------------------------------------------------------------- cancellation


async def test_cancelling_the_consumer_closes_the_connection(server: FakeOllama) -> None:
    server.reply = "x" * 400
    server.chunk_delay = 0.02
    got_one = asyncio.Event()

    async def consume() -> None:
        async for _chunk in backend_for(server.url).stream_chat(MESSAGES):
            got_one.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_one.wait(), 2)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert server.wait_for_disconnect(1, timeout=2.0)
    assert server.disconnects == ["/api/chat"]


async def test_breaking_out_under_aclosing_closes_the_connection(server: FakeOllama) -> None:
    server.reply = "y" * 400
    server.chunk_delay = 0.02
    async with contextlib.aclosing(backend_for(server.url).stream_chat(MESSAGES)) as chunks:
        async for _chunk in chunks:
            break
    assert server.wait_for_disconnect(1, timeout=2.0)


# --------------------------------------------------------------------------- pull


async def test_pull_streams_progress_then_the_model_is_present(server: FakeOllama) -> None:
    backend = OllamaBackend(server.url, "llama3.2")
    assert not (await backend.status()).model_present
    progress = [p async for p in backend.pull()]
    assert progress[0] == PullProgress("pulling manifest")
    sized = [p for p in progress if p.total]
    assert [p.fraction for p in sized] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert all(p.status.startswith("pulling ") and p.digest for p in sized)
    assert progress[-1].status == "success" and progress[-1].done
    assert progress[0].fraction is None
    status = await backend.status()
    assert status.model_present and "llama3.2:latest" in status.models
    assert server.requests[-2].body == {"model": "llama3.2", "insecure": False, "stream": True}


async def test_pull_failures_are_mapped(server: FakeOllama, closed_port_url: str) -> None:
    server.fail = "unknown_model"
    err = await failure(_drain(backend_for(server.url).pull("nope")))
    assert err.kind == "server-error"
    assert str(err) == (
        f"Ollama at {server.url} could not pull 'nope': pull model manifest: file does not exist"
    )
    server.fail = "drop_midstream"
    assert (await failure(_drain(backend_for(server.url).pull()))).kind == "dropped"
    assert (await failure(_drain(backend_for(closed_port_url).pull()))).kind == "unreachable"


async def _drain(progress: object) -> None:
    async for _ in progress:  # type: ignore[attr-defined]
        pass


# --------------------------------------------------------------------------- the fake itself


def test_fake_server_stop_ends_a_hung_request() -> None:
    fake = FakeOllama(fail="hang").start()
    errors: list[BaseException] = []

    def call() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", int(fake.url.rsplit(":", 1)[1]), timeout=5)
        try:
            conn.request("POST", "/api/chat", body=b'{"model":"m","messages":[]}')
            conn.getresponse().read()
        except Exception as exc:  # noqa: BLE001 - any end is fine; hanging is not
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    fake.stop()
    caller.join(3)
    assert not caller.is_alive() and time.monotonic() - started < 2
    assert errors  # the connection was closed without an answer


def test_fake_server_runs_standalone(tmp_path: Path) -> None:
    reply = tmp_path / "reply.json"
    reply.write_text('["one", "two"]', encoding="utf-8")
    script = Path(__file__).parents[1] / "fake_ollama.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--reply-file", str(reply)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        backend = backend_for(url)
        assert asyncio.run(backend.complete(MESSAGES)) == "one"
        assert asyncio.run(backend.complete(MESSAGES)) == "two"
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
