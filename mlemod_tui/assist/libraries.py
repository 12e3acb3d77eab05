"""The libraries a context names: those its cells and traceback involve, and their versions.

The Environment section lists Python and exactly these libraries (not every installed one):
those the cells import, those whose imported names the cells use (``pd`` with ``import pandas
as pd`` further up) and, for repairs, the packages the traceback passes through.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence

from mlemod_tui.assist.code_analysis import Definers
from mlemod_tui.assist.rules.context import collect_imports
from mlemod_tui.assist.tracebacks import strip_ansi
from mlemod_tui.core.environment import DISTRIBUTION_NAMES, imported_modules


def libraries_of(sources: Iterable[str]) -> list[str]:
    """Third-party top-level modules the given cells import, in first-seen order."""
    return [m for m in imported_modules(list(sources)) if m not in sys.stdlib_module_names]


def _version_line(module: str, versions: Mapping[str, str | None]) -> str:
    dist = DISTRIBUTION_NAMES.get(module, module)
    label = dist if dist == module else f"{dist} (import {module})"
    if module in versions or dist in versions:
        version = versions.get(module) if module in versions else versions.get(dist)
        return f"- {label} {version}" if version else f"- {label}: not installed"
    return f"- {label}: version not reported"


def modules_involved(sources: Sequence[str], cells: Sequence[int]) -> list[str]:
    """Third-party libraries the cells import, then those whose imported names they use
    (``pd`` in a cell whose ``import pandas as pd`` sits further up)."""
    return modules_involved_in(Definers(sources), cells)


def modules_involved_in(definers: Definers, cells: Sequence[int]) -> list[str]:
    """``modules_involved`` with the cells' facts already at hand in ``definers``."""
    sources = definers.sources
    modules = libraries_of(sources[j] for j in cells)
    for j in cells:
        for name in definers.facts(j).uses:
            binder = definers.binder(name, j)
            if binder is None or name not in definers.facts(binder).imports:
                continue
            root = collect_imports([sources[binder]]).get(name, name).split(".")[0]
            if root not in modules and root not in sys.stdlib_module_names:
                modules.append(root)
    return modules


def environment_text(python: str, modules: Sequence[str], versions: Mapping[str, str | None]) -> str:
    """Python and the versions of exactly the libraries involved."""
    lines = [f"Python {python}"]
    lines += [_version_line(m, versions) for m in modules]
    return "\n".join(lines)


def traceback_libraries(lines: Sequence[str], versions: Mapping[str, str | None]) -> list[str]:
    """Top-level packages the traceback passes through that the version probe knows."""
    text = strip_ansi("\n".join(lines))
    found = re.findall(r"(?:site-packages|dist-packages)[/\\]([A-Za-z_]\w*)", text)
    known = [m for m in found if m in versions or DISTRIBUTION_NAMES.get(m, m) in versions]
    return list(dict.fromkeys(known))
