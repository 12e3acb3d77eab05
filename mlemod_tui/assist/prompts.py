"""The three kinds' prompts: a contract the model must keep and the one answer format the
reply parser reads.

Small local models follow short, concrete rules better than long essays, so each system
prompt is a handful of lines: the task, what must not change, and the exact shape of the
answer (a ``--- a/cell/<id>`` diff or ``# cell: <id>`` replacement blocks). "Ask again"
sends the reason the user rejected the last proposal, and their own instruction if any.
"""

from __future__ import annotations

from mlemod_tui.assist.context import KINDS, REPAIR, RUNTIME, SCORE, PromptContext

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
    "Answer with a short rationale first (at most three sentences), then exactly one of:\n"
    "1. one fenced diff, one header pair per changed cell:\n"
    "```diff\n--- a/cell/{cell_id}\n+++ b/cell/{cell_id}\n@@ -1,2 +1,2 @@\n"
    " unchanged line\n-old line\n+new line\n```\n"
    "2. whole replacement cells, one fenced block per cell, each starting with its id:\n"
    "```python\n# cell: {cell_id}\n<the complete new cell>\n```\n"
    "A single unmarked ```python block replaces cell {cell_id}. "
    "Do not number lines; put nothing else in fences."
)


def system_prompt(kind: str, cell_id: str) -> str:
    """The contract and answer format for one kind of proposal about cell ``cell_id``."""
    if kind not in KINDS:
        raise ValueError(f"unknown proposal kind {kind!r} (known: {', '.join(KINDS)})")
    parts = [ROLE, TASKS[kind], CONTRACT, ANSWER_FORMAT]
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
