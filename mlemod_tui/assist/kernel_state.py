"""The live values of the names a cell uses, read silently from the kernel for a prompt.

Types, shapes and columns are facts a context keeps longest; the value previews are the first
thing it cuts when over budget (``state_text`` renders them at a given length, 0 for none).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from mlemod_tui.assist.code_analysis import Definers
from mlemod_tui.assist.introspect import describe_names, split_preview
from mlemod_tui.core.kernel import KernelSession
from mlemod_tui.errors import MlemodError

MAX_DESCRIBED_NAMES = 12
PREVIEW_CHARS = 200
_BUILTINS = frozenset(dir(builtins))


def names_to_describe(used: Sequence[str], definers: Definers, index: int) -> list[str]:
    """Used names worth a kernel look: all but unshadowed builtins, at most a dozen."""
    wanted = [n for n in used if n not in _BUILTINS or definers.binder(n, index) is not None]
    return wanted[:MAX_DESCRIBED_NAMES]


async def read_kernel_state(
    kernel: KernelSession | None, names: list[str]
) -> tuple[tuple[str, str], ...] | None:
    """(name, description) pairs read silently, or None without a kernel or names."""
    if kernel is None or not names:
        return None
    try:
        described = await describe_names(kernel, names, PREVIEW_CHARS)
    except MlemodError as exc:
        return (("(kernel)", f"state not available: {exc}"),)
    return tuple(described.items())


def state_text(state: Sequence[tuple[str, str]], preview: int) -> str:
    """One ``- name: facts`` item per name; previews cut to ``preview`` characters (0: none)."""
    blocks = []
    for name, description in state:
        facts, shown = split_preview(description)
        if shown is not None and preview > 0:
            facts += "\npreview: " + (shown if len(shown) <= preview else shown[: preview - 1] + "…")
        body = facts.replace("\n", "\n    ")
        blocks.append(f"- {name}: {body}")
    return "\n".join(blocks)
