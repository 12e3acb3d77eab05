"""Ask the kernel what the axes of indexed objects are labelled with, silently.

``df.ix[:3, 'price']`` meant rows 0-2 by position on a date index and rows 0-3 by label on an
integer index: the right rewrite depends on the live object. One ``user_expressions`` request
reads ``inferred_type`` of the index and the columns of each receiver the cell indexes with
``.ix``; nothing in the user's namespace is created or changed, and attribute chains only
(``df``, ``data.train``) are read, never calls.
"""

from __future__ import annotations

import ast
import json
import re

from mlemod_tui.core.kernel import KernelSession

AxisTypes = dict[str, tuple[str | None, str | None]]

_IX_RECEIVER = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\.ix\s*\[")

_PROBE = (
    "__import__('json').dumps([getattr(getattr({obj}, 'index', None), 'inferred_type', None), "
    "getattr(getattr({obj}, 'columns', None), 'inferred_type', None)])"
)


def ix_receivers(sources: list[str]) -> list[str]:
    """The dotted names indexed with ``.ix[`` in these cells, in order, once each."""
    found = (m.group(1) for source in sources for m in _IX_RECEIVER.finditer(source))
    return list(dict.fromkeys(name for name in found if name.split(".")[0] != "pd"))


async def read_axis_types(kernel: KernelSession, receivers: list[str]) -> AxisTypes:
    """Receiver -> (index type, columns type) for those the kernel holds; others are left out.

    The kernel is only read: each receiver is an attribute chain, evaluated by the kernel's
    ``user_expressions`` (an error there costs that receiver, not the request).
    """
    wanted = [r for r in dict.fromkeys(receivers) if all(p.isidentifier() for p in r.split("."))]
    if not wanted:
        return {}
    expressions = {f"axis{i}": _PROBE.format(obj=name) for i, name in enumerate(wanted)}
    results = await kernel.evaluate_silently("", expressions)
    found: AxisTypes = {}
    for i, name in enumerate(wanted):
        types = _decode(results.get(f"axis{i}"))
        if types is not None and types[0] is not None:
            found[name] = types
    return found


def _decode(text_plain: str | None) -> tuple[str | None, str | None] | None:
    """The probe's ``text/plain`` is the repr of a JSON list of two strings or nulls."""
    if not text_plain:
        return None
    try:
        value = json.loads(ast.literal_eval(text_plain))
    except (ValueError, SyntaxError, TypeError):
        return None
    if not isinstance(value, list) or len(value) != 2:
        return None
    rows, cols = (v if isinstance(v, str) else None for v in value)
    return rows, cols
