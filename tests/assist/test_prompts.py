"""The prompts state each kind's contract and the one answer format replies are parsed in."""

from __future__ import annotations

import pytest

from mlemod_tui.assist.context import (
    REPAIR,
    RUNTIME,
    SCORE,
    PromptContext,
    Section,
    estimate_tokens,
)
from mlemod_tui.assist.prompts import (
    PLACEHOLDER_LINES,
    format_phrases,
    messages_for,
    rule_phrases,
    system_prompt,
)


def context(kind: str) -> PromptContext:
    return PromptContext(kind, (Section("Failing cell 3 (id ab12)", "```python\n  1 | x = 1\n```", 0),))


@pytest.mark.parametrize("kind", [REPAIR, RUNTIME, SCORE])
def test_every_kind_states_the_contract_and_the_answer_format(kind: str) -> None:
    system, user = messages_for(context(kind), cell_id="ab12")
    assert system["role"] == "system" and user["role"] == "user"
    text = system["content"]
    assert "Change only what the issue needs" in text
    assert "Keep the model, the data and the file paths" in text
    assert "in one to three sentences of your own" in text
    assert "the whole corrected cell ab12" in text and "`# cell: ab12`" in text
    assert "`--- a/cell/ab12` and `+++ b/cell/ab12` headers" in text
    assert estimate_tokens(text) < 400  # compact: small local models follow short rules


@pytest.mark.parametrize("kind", [REPAIR, RUNTIME, SCORE])
def test_no_placeholder_a_model_could_copy(kind: str) -> None:
    """Qwen2.5-Coder 0.5B/1.5B copied `-old line` and `<the complete new cell>` word for word."""
    text = system_prompt(kind, "ab12")
    lines = [line.strip().lstrip("+- ").strip() for line in text.split("\n")]
    assert not set(PLACEHOLDER_LINES) & set(lines)
    assert "<" not in text and "{" not in text  # no <placeholder>, no unfilled {field}
    assert "```\n" not in text  # no example fence to imitate


def test_the_parser_knows_this_prompts_format_sentences() -> None:
    text = system_prompt(REPAIR, "ab12")
    phrases = format_phrases()
    assert any(phrase in text for phrase in phrases)
    assert all(len(phrase) >= 24 for phrase in phrases)
    assert any("Change only what the issue needs" in phrase for phrase in rule_phrases())


def test_the_runtime_prompt_forbids_shortcuts_unless_asked() -> None:
    text = system_prompt(RUNTIME, "c1")
    assert "No sampling or subsetting of the data, no reduced precision, no early stopping" in text
    assert "unless the user asks for it" in text
    assert "time budget" in text


def test_the_score_prompt_moves_toward_the_reference_never_beyond() -> None:
    text = system_prompt(SCORE, "c1")
    assert "Move toward the reference, never beyond it" in text
    assert "n_estimators=10" in text


def test_the_repair_prompt_names_the_cell() -> None:
    assert "make cell c7 run without this error" in system_prompt(REPAIR, "c7")


def test_the_user_message_carries_the_context_and_the_request() -> None:
    _, user = messages_for(context(REPAIR), cell_id="ab12")
    assert user["content"].startswith("## Failing cell 3 (id ab12)\n```python\n  1 | x = 1\n```")
    assert user["content"].rstrip().endswith("Propose the change for cell ab12 now.")
    assert "rejected" not in user["content"] and "Instruction" not in user["content"]


def test_asking_again_feeds_back_the_rejection_and_the_users_instruction() -> None:
    _, user = messages_for(
        context(REPAIR),
        cell_id="ab12",
        previous_rejection="it changed the model to a LinearSVC",
        instruction="keep using RandomForestClassifier",
    )
    text = user["content"]
    assert "Your previous proposal was rejected. The reason:\nit changed the model to a LinearSVC" in text
    assert "Instruction from the user" in text and "keep using RandomForestClassifier" in text
    assert text.index("rejected") < text.index("Instruction") < text.index("Propose the change")


def test_blank_feedback_is_left_out() -> None:
    _, user = messages_for(context(REPAIR), cell_id="x", previous_rejection="  ", instruction="")
    assert "rejected" not in user["content"] and "Instruction" not in user["content"]


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown proposal kind"):
        messages_for(context("poetry"), cell_id="x")
