"""What went wrong with the last attempt, said to the model in the next prompt.

A model asked again without being told why its last answer failed tends to answer the same.
So the next request carries the rejected diff and the reason: it did not parse or compile, did
not apply, removed a name a later cell uses, or left a new error (with its traceback); in the
TUI also the hunks the person rejected and their instruction.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlemod_tui.assist.tracebacks import clean_traceback
from mlemod_tui.core.execution import CellRun

MAX_DIFF_LINES = 40


@dataclass(frozen=True)
class Feedback:
    """One failed attempt: why, the diff it was about (may be empty), and a traceback."""

    why: str
    diff: str = ""
    traceback: str = ""

    def render(self) -> str:
        parts = [self.why.strip().rstrip(".") + "."]
        if self.diff.strip():
            lines = self.diff.rstrip("\n").splitlines()
            if len(lines) > MAX_DIFF_LINES:
                lines = [*lines[:MAX_DIFF_LINES], f"... ({len(lines) - MAX_DIFF_LINES} more lines)"]
            parts.append("The rejected change was:\n```diff\n" + "\n".join(lines) + "\n```")
        if self.traceback.strip():
            parts.append("With it the notebook failed like this:\n```\n" + self.traceback.strip() + "\n```")
        return "\n".join(parts)


def unusable_answer(reason: str) -> Feedback:
    """The answer could not be turned into a patch (no code, does not compile, echoes)."""
    return Feedback(f"Your last answer could not be used: {reason}")


def did_not_apply(reason: str, diff: str) -> Feedback:
    return Feedback(f"Your last patch did not apply: {reason}", diff)


def refused(reason: str, diff: str) -> Feedback:
    return Feedback(f"Your last patch was refused: it {reason}. Keep every name later cells use", diff)


def not_further(reason: str, diff: str, failure: CellRun | None) -> Feedback:
    """Applied, re-run, rolled back: ``failure`` is the first failing cell of the re-run."""
    trace = ""
    if failure is not None and failure.error is not None:
        trace = clean_traceback(failure.error.traceback, max_frames=2)
    return Feedback(f"Your last patch was applied and rolled back: {reason}", diff, trace)


def person_rejected(diff: str, instruction: str | None) -> Feedback:
    """The TUI: the hunks the person rejected (the instruction goes to the prompt as well)."""
    why = "The person reviewing your last proposal rejected these hunks"
    if not diff.strip():
        why = "The person reviewing your last proposal rejected it"
    if instruction and instruction.strip():
        why += f" and said: {instruction.strip()}"
    return Feedback(why, diff)
