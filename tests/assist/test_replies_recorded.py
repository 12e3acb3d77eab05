"""The reply parser on every real model reply recorded in tests/fixtures/model_replies/.

Each reply (Qwen2.5-Coder 1.5B and 0.5B answering the app's own prompts about the samples,
recorded by benchmarks/record_model_replies.py) is parsed against the cells as they were when
the model was asked. It must be accepted as a patch that applies and compiles, or refused
with a reason; never a crash, never a "rationale" that is our own instructions.
"""

from __future__ import annotations

from collections import Counter

import pytest

from mlemod_tui.assist.prompts import PLACEHOLDER_LINES, format_phrases
from mlemod_tui.assist.replies import compiles, parse_reply
from mlemod_tui.core.patch import apply_patch, split_fences
from tests.fake_ollama import RecordedReply, load_recorded_replies, request_key

RECORDED = load_recorded_replies()
MAIN_MODEL = "qwen2.5-coder:1.5b"


def test_enough_real_replies_are_recorded() -> None:
    by_model = Counter(r.model for r in RECORDED)
    assert by_model[MAIN_MODEL] >= 30, by_model
    assert {r.kind for r in RECORDED} >= {"error-repair", "runtime-reduction"}


@pytest.mark.parametrize("recorded", RECORDED, ids=[r.path.stem for r in RECORDED])
def test_every_recorded_reply_is_accepted_or_refused_with_a_reason(recorded: RecordedReply) -> None:
    sources = recorded.data["sources"]
    assert recorded.cell_id in sources
    parsed = parse_reply(recorded.reply, target_cell_id=recorded.cell_id, sources=sources)
    assert (parsed.patch is None) != (parsed.error is None)
    if parsed.patch is None:
        assert parsed.error and parsed.error.strip() == parsed.error and len(parsed.error) < 400
        return
    after = apply_patch(sources, parsed.patch)  # strict: the hunks carry true line numbers
    assert after != sources
    for cell in parsed.patch.cells:
        assert compiles(after[cell.cell_id]) is None


@pytest.mark.parametrize("recorded", RECORDED, ids=[r.path.stem for r in RECORDED])
def test_the_rationale_is_the_models_own_words(recorded: RecordedReply) -> None:
    parsed = parse_reply(recorded.reply, target_cell_id=recorded.cell_id, sources=recorded.data["sources"])
    reply_lines = {line.strip() for line in recorded.reply.replace("\r\n", "\n").split("\n")}
    for line in parsed.rationale.split("\n"):
        assert line.strip().rstrip("…") == "" or any(
            line.strip().rstrip("…") in full for full in reply_lines
        ), line
    if parsed.patch is not None:
        flat = " ".join(parsed.rationale.split()).casefold()
        assert not any(" ".join(p.split()).casefold() in flat for p in format_phrases())


@pytest.mark.parametrize("recorded", RECORDED, ids=[r.path.stem for r in RECORDED])
def test_a_reply_that_copies_the_format_example_is_refused(recorded: RecordedReply) -> None:
    blocks, _ = split_fences(recorded.reply)
    code_lines = {line.strip().lstrip("+- ").strip() for b in blocks for line in b.body.split("\n")}
    copied = code_lines & set(PLACEHOLDER_LINES)
    parsed = parse_reply(recorded.reply, target_cell_id=recorded.cell_id, sources=recorded.data["sources"])
    if copied:
        assert parsed.patch is None and parsed.error is not None and "placeholder" in parsed.error
    else:
        assert parsed.error is None or "placeholder" not in parsed.error


@pytest.mark.parametrize("recorded", RECORDED, ids=[r.path.stem for r in RECORDED])
def test_the_replay_server_finds_each_recorded_request(recorded: RecordedReply) -> None:
    """A recorded request replayed as is gets its own kind and cell back (the replay key)."""
    body = {"messages": recorded.data["request"]["messages"]}
    assert request_key(body) == (recorded.kind, recorded.cell_id)
