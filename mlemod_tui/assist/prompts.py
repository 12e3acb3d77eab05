"""The three kinds' prompts: a contract the model must keep and the one answer format the
reply parser reads.

Small local models follow short, concrete rules better than long essays, so each system
prompt is a handful of lines: the task, what must not change, and the exact shape of the
answer (whole ``# cell: <id>`` replacement blocks, or a ``--- a/cell/<id>`` diff), said in
words with no placeholder a model could copy. "Ask again"
sends the reason the user rejected the last proposal, and their own instruction if any.
"""

from __future__ import annotations

from mlemod_tui.assist.context import KINDS, REPAIR, RUNTIME, SCORE, PromptContext
from mlemod_tui.core.repair_kind import RepairKind

ROLE = (
    "You modernize old machine-learning Jupyter notebooks so they run on today's libraries. "
    "A person reviews every change before it runs."
)

CONTRACT = (
    "Rules:\n"
    "- Change only what the issue needs; leave every other line as it is.\n"
    "- Keep the model, the data and the file paths.\n"
    "- Use only the installed library versions listed in the context."
)

TASKS = {
    REPAIR: (
        "Task: make cell {cell_id} run without this error on the installed versions, doing "
        "what the original code meant (use the modern API that replaces a removed one)."
    ),
    RUNTIME: (
        "Task: make the notebook fit its time budget.\n"
        "- No sampling or subsetting of the data, no reduced precision, no early stopping, "
        "unless the user asks for it.\n"
        "- Prefer parallelism (n_jobs=-1), the GPU when present, vectorising and removing "
        "repeated work; the results must stay the same."
    ),
    SCORE: (
        "Task: bring today's score back toward the reference score.\n"
        "- Move toward the reference, never beyond it: no tuning to beat it.\n"
        "- Prefer restoring the old library defaults explicitly (e.g. n_estimators=10) and "
        "fixing seeds; never change the test data or the metric."
    ),
}

ANSWER_FORMAT = (
    "How to answer:\n"
    "- First, in one to three sentences of your own, say what is wrong and what you change.\n"
    "- Then give the whole corrected cell {cell_id}, every line of it, in one ```python "
    "fenced block whose first line is the comment `# cell: {cell_id}`.\n"
    "- If another cell must change too, give it in its own block, first line `# cell: ` "
    "followed by that cell's id.\n"
    "- A unified diff in a ```diff block with `--- a/cell/{cell_id}` and "
    "`+++ b/cell/{cell_id}` headers is accepted instead.\n"
    "Do not number lines, do not repeat these instructions, put nothing but code in fences."
)
"""No placeholder lines: small models copied ``-old line`` / ``<the complete new cell>`` word
for word, so the format is said in words and each fence's first line is the real cell id."""

PLACEHOLDER_LINES = ("unchanged line", "old line", "new line", "<the complete new cell>")
"""Placeholder lines of the earlier answer-format example, which small models (Qwen2.5-Coder
0.5B and 1.5B) copied into their diffs and cells word for word."""

_OLD_FORMAT = (
    "Answer with a short rationale first",
    "one fenced diff, one header pair per changed cell",
    "whole replacement cells, one fenced block per cell, each starting with its id",
    "A single unmarked ```python block replaces cell",
    "Do not number lines; put nothing else in fences",
)


def _phrases(*parts: str) -> tuple[str, ...]:
    """Each instruction line long enough to be telling, cut before its first ``{cell_id}``."""
    found = []
    for part in parts:
        for line in part.split("\n"):
            head = line.strip().lstrip("-").strip().split("{cell_id}", 1)[0].strip()
            if len(head) >= 24:
                found.append(head)
    return tuple(dict.fromkeys(found))


def format_phrases() -> tuple[str, ...]:
    """Answer-format sentences, this prompt's and the earlier one's: an answer that repeats
    one is parroting the instructions, and the reply parser refuses it."""
    return tuple(dict.fromkeys((*_OLD_FORMAT, *_phrases(ANSWER_FORMAT))))


def rule_phrases() -> tuple[str, ...]:
    """The role, rule and task sentences: repeated in an answer they are not the model's own
    reasons, so the parser leaves them out of the rationale."""
    return _phrases(ROLE, CONTRACT, *TASKS.values())


def system_prompt(kind: str, cell_id: str) -> str:
    """The contract and answer format for one kind of proposal about cell ``cell_id``."""
    if kind not in KINDS:
        raise ValueError(f"unknown proposal kind {kind!r} (known: {', '.join(KINDS)})")
    parts = [ROLE, TASKS[RepairKind(kind)], CONTRACT, ANSWER_FORMAT]
    return "\n\n".join(part.format(cell_id=cell_id) for part in parts)


def user_prompt(
    context: PromptContext,
    *,
    cell_id: str,
    instruction: str | None = None,
    previous_rejection: str | None = None,
) -> str:
    """The context, then what the user said about the last try, then the request."""
    parts = [context.render().rstrip()]
    if previous_rejection and previous_rejection.strip():
        parts.append(
            "Your previous proposal was rejected. The reason:\n"
            f"{previous_rejection.strip()}\nPropose something different that addresses it."
        )
    if instruction and instruction.strip():
        parts.append(
            "Instruction from the user (it overrides the rules above where they conflict):\n"
            + instruction.strip()
        )
    parts.append(f"Propose the change for cell {cell_id} now.")
    return "\n\n".join(parts)


def messages_for(
    context: PromptContext,
    *,
    cell_id: str,
    instruction: str | None = None,
    previous_rejection: str | None = None,
) -> list[dict[str, str]]:
    """Chat messages (system, user) for one proposal about cell ``cell_id``."""
    return [
        {"role": "system", "content": system_prompt(context.kind, cell_id)},
        {
            "role": "user",
            "content": user_prompt(
                context,
                cell_id=cell_id,
                instruction=instruction,
                previous_rejection=previous_rejection,
            ),
        },
    ]
