"""What a rule may know beyond the cell: the notebook's imports and its whole text.

Notebooks import in the first cell and use the names everywhere else, so a cell alone does
not say that ``np`` is numpy or that ``imread`` came from ``scipy.misc``. The imports of
every cell are collected once per notebook (reading only, with ``ast``) and handed to each
rule; well-known aliases (``np``, ``pd``, ``plt``...) fill the gaps.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mlemod_tui.assist.rules.source import mask_magics

CONVENTIONS: dict[str, str] = {
    "np": "numpy",
    "pd": "pandas",
    "plt": "matplotlib.pyplot",
    "sns": "seaborn",
    "mpl": "matplotlib",
    "tf": "tensorflow",
    "xgb": "xgboost",
    "lgb": "lightgbm",
    "sp": "scipy",
    "K": "keras.backend",
}
# Top-level packages that old notebooks use under their own name.
for _name in (
    "numpy",
    "pandas",
    "scipy",
    "sklearn",
    "matplotlib",
    "seaborn",
    "keras",
    "tensorflow",
    "torch",
    "torchvision",
    "xgboost",
    "lightgbm",
    "collections",
    "time",
    "pickle",
    "imp",
):
    CONVENTIONS.setdefault(_name, _name)

_IMPORT_LINE = re.compile(
    r"^\s*import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"
)
_FROM_LINE = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+\(?([\w\s,]+)\)?\s*$")


@dataclass(frozen=True)
class CrashInfo:
    """The crash a ``match_crash`` call is about, for rules that fix from the message."""

    ename: str
    evalue: str
    line_text: str = ""  # the cell's line the traceback points at, when it says

    def on_failing_line(self, code: str) -> bool:
        """Is ``code`` (one node's text) on the line that failed? True when not known."""
        if not self.line_text:
            return True
        failing = " ".join(self.line_text.split())
        lines = [line for line in code.splitlines() if line.strip()]
        if len(lines) > 1:  # a call over several lines: the traceback names its first one
            return " ".join(lines[0].split()) in failing
        return " ".join(code.split()) in failing


@dataclass
class RuleContext:
    """Names in scope for one cell: its own imports over the notebook's over conventions."""

    cell_imports: Mapping[str, str] = field(default_factory=dict)
    notebook_imports: Mapping[str, str] = field(default_factory=dict)
    notebook_text: str = ""
    source: str = ""
    crash: CrashInfo | None = None
    star_modules: frozenset[str] = frozenset()
    # What the kernel said about objects the cell indexes: receiver text -> the
    # ``inferred_type`` of its index and of its columns (None for a Series' columns).
    axis_types: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def star_imported(self, module: str) -> bool:
        """Did the notebook ``from module import *`` (so bare names may come from it)?"""
        return module in self.star_modules

    def lookup(self, name: str) -> str | None:
        """The qualified name a local name stands for, or None when unknown."""
        found = self.cell_imports.get(name) or self.notebook_imports.get(name)
        return found or CONVENTIONS.get(name)

    def imported(self, name: str) -> bool:
        return name in self.cell_imports or name in self.notebook_imports

    def local_name_for(self, target: str) -> str | None:
        """A local name already bound to ``target`` (``numpy`` -> ``np``), if any."""
        for table in (self.cell_imports, self.notebook_imports):
            for local, qualified in table.items():
                if qualified == target:
                    return local
        for local, qualified in CONVENTIONS.items():
            if qualified == target and re.search(
                rf"^(?!\s*(?:from|import)\b).*(?<![\w.]){re.escape(local)}\.", self.source, re.M
            ):
                return local  # the cell already leans on the conventional alias
        return None


def collect_imports(sources: Iterable[str]) -> dict[str, str]:
    """Local name -> qualified name for every import statement in ``sources``."""
    found: dict[str, str] = {}
    for source in sources:
        if "import" not in source:
            continue
        masked = mask_magics(source)
        text = masked.text if masked is not None else ""
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            _collect_by_lines(text, found)
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        found[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".", 1)[0]
                        found.setdefault(root, root)
                        found[alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _collect_by_lines(text: str, found: dict[str, str]) -> None:
    """Fallback for cells Python 3 cannot parse (Python 2 notebooks): one-line imports."""
    for line in text.splitlines():
        if m := _IMPORT_LINE.match(line):
            for part in m.group(1).split(","):
                name, _, alias = part.strip().partition(" as ")
                name, alias = name.strip(), alias.strip()
                if alias:
                    found[alias] = name
                else:
                    found.setdefault(name.split(".", 1)[0], name.split(".", 1)[0])
        elif m := _FROM_LINE.match(line):
            for part in m.group(2).split(","):
                name, _, alias = part.strip().partition(" as ")
                if name.strip():
                    found[alias.strip() or name.strip()] = f"{m.group(1)}.{name.strip()}"


_STAR = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+\*", re.M)
_PYLAB_MAGIC = re.compile(r"^\s*%pylab\b", re.M)
# ``from pylab import *`` (and the ``%pylab`` magic) star-imports numpy and pyplot too.
_STAR_ALSO = {
    "pylab": ("numpy", "matplotlib.pyplot"),
    "matplotlib.pylab": ("numpy", "matplotlib.pyplot"),
}


def star_imports(sources: Iterable[str]) -> frozenset[str]:
    """The modules the notebook star-imports, with what each brings along."""
    found: set[str] = set()
    for source in sources:
        if "*" not in source and "%pylab" not in source:
            continue
        modules = _STAR.findall(source) + (["pylab"] if _PYLAB_MAGIC.search(source) else [])
        for module in modules:
            found.add(module)
            found.update(_STAR_ALSO.get(module, ()))
    return frozenset(found)
