"""Answers that parrot the prompt's answer format are refused, with a reason the loop can feed
back; the rationale shown is the model's own prose, never our instructions."""

from __future__ import annotations

import pytest

from mlemod_tui.assist.prompts import format_phrases, system_prompt
from mlemod_tui.assist.replies import ParsedReply, parse_reply
from mlemod_tui.core.patch import apply_patch

SOURCES = {
    "cell-3": "import pandas as pd\nranked = pd.Series([3, 1], index=['a', 'b'])",
    "cell-5": "threshold = ranked[0]\nprint(threshold)",
}


def _parse(text: str) -> ParsedReply:
    return parse_reply(text, target_cell_id="cell-5", sources=SOURCES)


@pytest.mark.parametrize(
    "reply",
    [
        # the earlier prompt's diff example, copied with the real header
        (
            "Use iloc.\n\n```diff\n--- a/cell/cell-5\n+++ b/cell/cell-5\n@@ -1,2 +1,2 @@\n"
            " unchanged line\n-old line\n+new line\n```\n"
        ),
        # its replacement-cell example, copied
        "Use iloc.\n\n```python\n# cell: cell-5\n<the complete new cell>\n```\n",
        # a placeholder of the model's own invention
        "```python\n# cell: cell-5\n<your corrected code here>\n```",
    ],
)
def test_placeholder_lines_are_refused_with_a_reason(reply: str) -> None:
    parsed = _parse(reply)
    assert parsed.patch is None
    assert parsed.error is not None and "placeholder" in parsed.error
    assert "actual lines" in parsed.error  # says what to do instead


def test_a_real_fix_beside_the_copied_example_is_still_refused() -> None:
    reply = (
        "```diff\n--- a/cell/cell-5\n+++ b/cell/cell-5\n@@ -1,2 +1,2 @@\n"
        " unchanged line\n-old line\n+new line\n```\n\n"
        "```python\n# cell: cell-5\nthreshold = ranked.iloc[0]\nprint(threshold)\n```\n"
    )
    parsed = _parse(reply)
    assert parsed.patch is None and parsed.error is not None and "placeholder" in parsed.error


@pytest.mark.parametrize("phrase", format_phrases())
def test_prose_that_repeats_a_format_sentence_is_refused(phrase: str) -> None:
    reply = f"{phrase}\n\n```python\n# cell: cell-5\nthreshold = ranked.iloc[0]\nprint(threshold)\n```"
    parsed = _parse(reply)
    assert parsed.patch is None
    assert parsed.error is not None and "repeats the answer-format instructions" in parsed.error
    assert phrase in parsed.error


def test_the_whole_system_prompt_echoed_back_is_refused() -> None:
    reply = system_prompt("error-repair", "cell-5") + "\n\n```python\nthreshold = ranked.iloc[0]\n```"
    parsed = _parse(reply)
    assert parsed.patch is None and parsed.error is not None


def test_repeated_rules_are_left_out_of_the_rationale_but_the_fix_stands() -> None:
    reply = (
        "Change only what the issue needs; leave every other line as it is.\n"
        "`ranked` is indexed by name, so `ranked[0]` is a label lookup; `.iloc[0]` takes the first.\n\n"
        "```python\n# cell: cell-5\nthreshold = ranked.iloc[0]\nprint(threshold)\n```"
    )
    parsed = _parse(reply)
    assert parsed.error is None and parsed.patch is not None
    assert parsed.rationale.startswith("`ranked` is indexed by name")
    assert "Change only what" not in parsed.rationale


@pytest.mark.parametrize(
    "reply",
    [
        # words that merely contain 'new line' or 'old' are not placeholders
        (
            "Print a new line after the value.\n\n```python\n# cell: cell-5\nthreshold = ranked.iloc[0]\n"
            "print(threshold)\nprint()  # new line\n```"
        ),
        (
            "```diff\n--- a/cell/cell-5\n+++ b/cell/cell-5\n@@ -1,2 +1,2 @@\n-threshold = ranked[0]\n"
            "+threshold = ranked.iloc[0]\n print(threshold)\n```"
        ),
        "```python\n# cell: cell-5\nold_line = ranked.iloc[0]\nthreshold = old_line\nprint(threshold)\n```",
    ],
)
def test_ordinary_answers_are_not_mistaken_for_echoes(reply: str) -> None:
    parsed = _parse(reply)
    assert parsed.error is None, parsed.error
    assert parsed.patch is not None


def test_a_cell_copied_with_the_prompts_line_numbers_is_read_without_them() -> None:
    """Qwen2.5-Coder 1.5B answered runtime requests with `  1 | ...` lines (recorded)."""
    reply = (
        "Use iloc.\n\n```python\n# cell: cell-5\n  1 | threshold = ranked.iloc[0]\n"
        "  2 |\n  3 | print(threshold)\n```"
    )
    parsed = _parse(reply)
    assert parsed.error is None, parsed.error
    assert parsed.patch is not None
    assert apply_patch(SOURCES, parsed.patch)["cell-5"] == "threshold = ranked.iloc[0]\n\nprint(threshold)"


def test_numbers_that_are_code_are_kept() -> None:
    reply = "```python\n# cell: cell-5\n1 | 2\nthreshold = ranked.iloc[0]\nprint(threshold)\n```"
    parsed = _parse(reply)  # '1 | 2' is a valid expression, and not every line is numbered
    assert parsed.patch is not None
