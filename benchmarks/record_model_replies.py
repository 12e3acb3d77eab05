"""Record a real model's replies to the project's own prompts, as test fixtures.

Why: the scripted test server only ever says what a test author wrote; small real models
parrot the format, drop lines and answer the wrong cell. This script puts a recording proxy
between the app and a real Ollama-API server (``../shared/tools/llm-serve.sh``), asks the
model what the app would ask, and writes one JSON file per reply into
``tests/fixtures/model_replies/`` (request messages, model, raw reply, seconds, token counts)
for ``tests/fake_ollama.py``'s :class:`ReplayReplies` to serve in CI, without the model.

Two ways of asking, both through the app's own code:

* ``direct``: for each sample, run it on a kernel, then for each problem the loop would see
  (crash, over budget, score drift) ask the model once through :class:`Assistant`; then apply
  the offline rule's fix, if there is one, to reach the next problem;
* ``loop``: ``mlemod-tui run NB --accept all`` through the proxy (the loop's own prompts,
  rejection feedback included);
* ``model-loop``: the same loop in process with the rules silenced, so the model gets every
  problem a rule would fix, and the feedback after each refused or rolled-back patch.

``--old-prompt`` rewrites the answer-format part of each system message back to the format
example used before issue 11 (placeholder lines), to measure how often a model parrots it.

    python benchmarks/record_model_replies.py --ollama-host http://127.0.0.1:11439 \\
        --model qwen2.5-coder:1.5b --mode direct --mode loop
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mlemod_tui.assist.assistant import Assistant
from mlemod_tui.assist.ollama_backend import OllamaBackend
from mlemod_tui.assist.prompts import ANSWER_FORMAT
from mlemod_tui.assist.proposer import ProposalOutcome
from mlemod_tui.core.history import build_applied
from mlemod_tui.core.kernel import choose_kernel
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.runtime import parse_duration
from mlemod_tui.core.session import NotebookSession, ScoreOptions
from mlemod_tui.repair_flow import problem_of
from mlemod_tui.repair_loop import repair_until_reproducible
from tests.fake_ollama import request_key

SAMPLES = ROOT / "sample_notebooks"
FIXTURES = ROOT / "tests" / "fixtures" / "model_replies"

OLD_ANSWER_FORMAT = (
    "Answer with a short rationale first (at most three sentences), then exactly one of:\n"
    "1. one fenced diff, one header pair per changed cell:\n"
    "```diff\n--- a/cell/{cell_id}\n+++ b/cell/{cell_id}\n@@ -1,2 +1,2 @@\n"
    " unchanged line\n-old line\n+new line\n```\n"
    "2. whole replacement cells, one fenced block per cell, each starting with its id:\n"
    "```python\n# cell: {cell_id}\n<the complete new cell>\n```\n"
    "A single unmarked ```python block replaces cell {cell_id}. "
    "Do not number lines; put nothing else in fences."
)
"""The answer format before issue 11, which Qwen2.5-Coder 0.5B/1.5B copied word for word."""

# What the samples need to show each problem: the budget and tolerance outcomes.json uses.
SAMPLE_FLAGS: dict[str, list[str]] = {
    "runtime_over_budget_digits_forest.ipynb": ["--budget", "1s"],
    "breast_cancer_random_forest.ipynb": ["--tolerance", "0.01"],
    "clean_iris.ipynb": ["--budget", "1s"],  # a user's tight budget: a runtime request
}


# --------------------------------------------------------------------------- the proxy


@dataclass
class Recorder:
    """Forwards every request to ``upstream`` and keeps each ``/api/chat`` exchange."""

    upstream: str
    out: Path
    old_prompt: bool = False
    label: dict[str, Any] = field(default_factory=dict)
    sources: Callable[[], dict[str, str]] | None = None  # the cells now, read as a request starts
    records: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        recorder = self

        class Handler(_ProxyHandler):
            owner = recorder

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def rewrite(self, body: dict[str, Any]) -> dict[str, Any]:
        """With ``old_prompt``, the system message carries the earlier answer format."""
        if not self.old_prompt:
            return body
        messages = [dict(m) for m in body.get("messages") or []]
        key = request_key(body)
        for message in messages:
            if message.get("role") == "system" and key is not None:
                new = ANSWER_FORMAT.format(cell_id=key[1])
                message["content"] = str(message["content"]).replace(
                    new, OLD_ANSWER_FORMAT.format(cell_id=key[1])
                )
        return {**body, "messages": messages}

    def snapshot(self) -> dict[str, Any]:
        """What to file the next exchange under: the label, and the cells as they are now."""
        with self._lock:
            label = dict(self.label)
        if self.sources is not None:
            label["sources"] = self.sources()
        return label

    def keep(self, label: dict[str, Any], record: dict[str, Any]) -> None:
        """Written at once: a recording stopped halfway keeps what it has."""
        with self._lock:
            full = {**label, **record}
            self.records.append(full)
            write_fixture(dict(full), self.out)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: Recorder

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the app closed a kept-alive connection: nothing to record

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _upstream(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.owner.upstream)
        return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=900)

    def do_GET(self) -> None:
        self._forward(None)

    def do_HEAD(self) -> None:
        self._forward(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.startswith("/api/chat"):
            self._chat(json.loads(raw))
        else:
            self._forward(raw)

    def _forward(self, raw: bytes | None) -> None:
        conn = self._upstream()
        conn.request(self.command, self.path, body=raw, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        self.send_header("Content-Type", response.getheader("Content-Type") or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    def _chat(self, body: dict[str, Any]) -> None:
        """Stream the answer through line by line, and keep the whole exchange."""
        body = self.owner.rewrite(body)
        label = self.owner.snapshot()
        started = time.perf_counter()
        conn = self._upstream()
        conn.request("POST", self.path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        text: list[str] = []
        final: dict[str, Any] = {}
        first_token: float | None = None
        while True:
            line = response.readline()
            if not line:
                break
            if not line.strip():
                continue
            self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
            self.wfile.flush()
            part = json.loads(line)
            content = (part.get("message") or {}).get("content") or ""
            if content and first_token is None:
                first_token = time.perf_counter() - started
            text.append(content)
            if part.get("done"):
                final = part
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        conn.close()
        key = request_key(body)
        self.owner.keep(
            label,
            {
                "model": body.get("model"),
                "kind": key[0] if key else None,
                "cell_id": key[1] if key else None,
                "prompt": "placeholder-example (before issue 11)" if self.owner.old_prompt else "current",
                "request": {"messages": body.get("messages"), "options": body.get("options")},
                "reply": "".join(text),
                "seconds": round(time.perf_counter() - started, 2),
                "first_token_seconds": round(first_token, 2) if first_token is not None else None,
                "prompt_eval_count": final.get("prompt_eval_count"),
                "eval_count": final.get("eval_count"),
                "total_duration": final.get("total_duration"),
                "done_reason": final.get("done_reason"),
                "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )


# --------------------------------------------------------------------------- the cells asked about

_SECTION = re.compile(
    r"^## [^\n]*?cell \d+ \(id (?P<id>[\w.-]+)\)[^\n]*\n(?P<fence>`{3,})python\n(?P<body>.*?)\n(?P=fence)$",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)
_NUMBERED = re.compile(r"^\s*\d+ \| ?")


def code_sources(path: Path) -> dict[str, str]:
    notebook = load_notebook(path)
    return {notebook.cells[i].id: source_text(notebook.cells[i]) for i in notebook.code_cell_indices()}


def sources_seen(user: str, base: dict[str, str]) -> dict[str, str]:
    """The cells as the prompt shows them (numbering removed), over ``base`` for the rest:
    what the loop's cells were when it asked, for the parser tests to parse against."""
    sources = dict(base)
    for found in _SECTION.finditer(user):
        lines = found.group("body").split("\n")
        if lines and all(_NUMBERED.match(line) for line in lines):
            lines = [_NUMBERED.sub("", line, count=1) for line in lines]
        if found.group("id") in sources:
            sources[found.group("id")] = "\n".join(lines)
    return sources


# --------------------------------------------------------------------------- asking


def copy_samples(into: Path) -> Path:
    """The samples with their data, so runs never write beside the originals."""
    into.mkdir(parents=True)
    for item in SAMPLES.iterdir():
        if item.suffix in (".ipynb", ".csv") and ".modernized" not in item.name:
            shutil.copy(item, into / item.name)
    return into


def _session(path: Path, flags: list[str]) -> NotebookSession:
    notebook = load_notebook(path)
    budget = parse_duration(flags[flags.index("--budget") + 1]) if "--budget" in flags else None
    tolerance = float(flags[flags.index("--tolerance") + 1]) if "--tolerance" in flags else 0.10
    return NotebookSession(
        notebook,
        kernel_name=choose_kernel(None, notebook.kernel_name()),
        output_path=path.with_suffix(".recorded.ipynb"),
        budget=budget,
        score_options=ScoreOptions(tolerance=tolerance),
    )


async def ask_directly(path: Path, recorder: Recorder, model: str, steps: int, repeats: int) -> None:
    """Each problem of one notebook, asked ``repeats`` times; rule fixes move it along."""
    session = _session(path, SAMPLE_FLAGS.get(path.name, []))
    assistant = Assistant(OllamaBackend(recorder.url, model, request_timeout=900))
    await session.start()
    try:
        await session.probe_environment()
        result = await session.run_all()
        for step in range(steps):
            problem = problem_of(session, result)
            if problem is None or problem.index is None:
                return
            kind, index = problem.kind, problem.index
            rules = await assistant.rules(session, kind, index)
            if rules.unfixable is not None:
                return  # the loop never asks the model about missing data
            for attempt in range(repeats):
                notebook = session.notebook
                sources = {notebook.cells[i].id: source_text(notebook.cells[i])
                           for i in notebook.code_cell_indices()}
                recorder.label = {"mode": "direct", "notebook": path.name, "cell_index": index,
                                  "step": step, "attempt": attempt, "rule_fix": rules.proposal is not None,
                                  "sources": sources}
                outcome = await assistant.ask_model(session, kind, index, hints=rules.hints)
                print(f"  {path.name} {kind} cell {index}: "
                      f"{'patch' if outcome.proposal else outcome.reason}", flush=True)
            if rules.proposal is None:
                return
            session.apply(build_applied(session.notebook, rules.proposal.patch, kind=rules.proposal.kind,
                                        source=rules.proposal.source, rationale=rules.proposal.rationale))
            await session.restart()
            result = await session.run_all()
    finally:
        await session.stop()


class ModelOnly(Assistant):
    """Rules silenced (their hints still reach the model): every problem goes to the model,
    also those a rule would fix, so the loop's prompts and feedback to it are recorded."""

    async def rules(
        self, session: NotebookSession, kind: RepairKind, index: int, **options: Any
    ) -> ProposalOutcome:
        outcome = await super().rules(session, kind, index, **options)
        if outcome.unfixable is not None:
            return outcome
        return ProposalOutcome(None, reason="rules silenced", hints=outcome.hints)


async def ask_in_model_loop(path: Path, recorder: Recorder, model: str, attempts: int) -> None:
    """The unattended loop in process with the rules silenced: every attempt asks the model."""
    session = _session(path, SAMPLE_FLAGS.get(path.name, []))
    assistant = ModelOnly(OllamaBackend(recorder.url, model, request_timeout=900))
    await assistant.check()
    notebook = session.notebook
    recorder.label = {"mode": "model-loop", "notebook": path.name}
    recorder.sources = lambda: {
        notebook.cells[i].id: source_text(notebook.cells[i]) for i in notebook.code_cell_indices()
    }
    await session.start()
    try:
        await session.probe_environment()
        result = await repair_until_reproducible(
            session, accept="all", max_attempts=attempts, assistant=assistant
        )
        print(f"  {path.name} model-loop: reproducible={result.reproducible} {result.stopped_because}", flush=True)
    finally:
        recorder.sources = None
        await session.stop()


def ask_in_loop(path: Path, recorder: Recorder, model: str, attempts: int) -> None:
    """``mlemod-tui run --accept all`` through the proxy: the loop's own prompts and feedback."""
    recorder.label = {"mode": "loop", "notebook": path.name, "base_sources": code_sources(path)}
    command = [sys.executable, "-m", "mlemod_tui", "run", str(path), "--accept", "all", "--quiet",
               "--ollama-host", recorder.url, "--model", model, "--max-attempts", str(attempts),
               "--output", str(path.with_suffix(".loop.ipynb")), *SAMPLE_FLAGS.get(path.name, [])]
    env = {**os.environ, "MLEMOD_OLLAMA_TIMEOUT": "900"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    print(f"  {path.name} loop: exit {done.returncode}: {(done.stdout.strip().splitlines() or [''])[-1]}",
          flush=True)


def write_fixture(record: dict[str, Any], out: Path) -> Path:
    """One file per reply, named by model, notebook, kind and a running number."""
    out.mkdir(parents=True, exist_ok=True)
    base = record.pop("base_sources", None)
    if base is not None:
        messages = record["request"]["messages"] or []
        user = next((str(m["content"]) for m in reversed(messages) if m["role"] == "user"), "")
        record["sources"] = sources_seen(user, base)
    model = re.sub(r"[^\w.-]+", "-", str(record.get("model")))
    stem = Path(str(record.get("notebook", "nb"))).stem
    n = 1
    while (path := out / f"{model}--{stem}--{record.get('kind')}--{n:02d}.json").exists():
        n += 1
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ollama-host", default="http://127.0.0.1:11439")
    parser.add_argument("--model", default="qwen2.5-coder:1.5b")
    parser.add_argument("--mode", action="append", choices=("direct", "loop", "model-loop"))
    parser.add_argument("--notebook", action="append", help="a sample's file name (default: all)")
    parser.add_argument("--loop-notebook", action="append", help="samples for --mode loop (default: all)")
    parser.add_argument("--steps", type=int, default=3, help="problems per notebook in direct mode")
    parser.add_argument("--repeats", type=int, default=1, help="asks per problem in direct mode")
    parser.add_argument("--attempts", type=int, default=4, help="--max-attempts in loop mode")
    parser.add_argument("--old-prompt", action="store_true", help="the answer format before issue 11")
    parser.add_argument("--out", type=Path, default=FIXTURES)
    args = parser.parse_args(argv)
    modes = args.mode or ["direct"]
    recorder = Recorder(args.ollama_host, args.out, old_prompt=args.old_prompt)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="mlemod-record-") as tmp:
            names = args.notebook or sorted(p.name for p in SAMPLES.glob("*.ipynb"))
            if "direct" in modes:  # each mode on its own copies: journals must not meet
                folder = copy_samples(Path(tmp) / "direct")
                for name in names:
                    asyncio.run(ask_directly(folder / name, recorder, args.model, args.steps, args.repeats))
            if "loop" in modes:
                folder = copy_samples(Path(tmp) / "loop")
                for name in args.loop_notebook or names:
                    ask_in_loop(folder / name, recorder, args.model, args.attempts)
            if "model-loop" in modes:
                folder = copy_samples(Path(tmp) / "model-loop")
                for name in args.loop_notebook or names:
                    asyncio.run(ask_in_model_loop(folder / name, recorder, args.model, args.attempts))
    finally:
        recorder.close()
    tokens = sum(int(r.get("eval_count") or 0) for r in recorder.records)
    print(f"{len(recorder.records)} replies from {args.model} in {time.perf_counter() - started:.0f} s "
          f"({tokens} tokens generated) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
