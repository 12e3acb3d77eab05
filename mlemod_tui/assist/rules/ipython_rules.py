"""IPython: line magics whose extension the author's own IPython loaded at start-up.

``%watermark`` or ``%memit`` ran for the author because their profile loaded the extension;
a fresh kernel prints ``UsageError: Line magic function `%watermark` not found.`` The fix loads
the extension in the cell, where the notebook can be seen to need it. It is written as the
call IPython makes for ``%load_ext`` (the rule engine sees magics only as masked lines).
"""

from __future__ import annotations

import importlib.util
import re

import libcst as cst

from mlemod_tui.assist.rules.cst_tools import RuleTransformer
from mlemod_tui.assist.rules.model import Crash, Rule
from mlemod_tui.assist.rules.patterns import factory
from mlemod_tui.assist.rules.source import mask_magics

# magic -> the extension (an importable module) that defines it
EXTENSION_OF_MAGIC = {
    "watermark": "watermark",
    "memit": "memory_profiler",
    "mprun": "memory_profiler",
    "lprun": "line_profiler",
    "autoreload": "autoreload",
    "aimport": "autoreload",
    "sql": "sql",
    "pycodestyle": "pycodestyle_magic",
    "flake8": "pycodestyle_magic",
}
_BUILT_IN = {"autoreload"}  # IPython.extensions.autoreload
_MISSING = re.compile(r"Line magic function `%(\w+)` not found")
_MAGIC_LINE = re.compile(r"^\s*%(\w+)")
_MARK = re.compile(r"# mlemod-magic-(\d+)")


def _available(extension: str) -> bool:
    return extension in _BUILT_IN or importlib.util.find_spec(extension) is not None


class LoadMagicExtension(RuleTransformer):
    """Crash-only: put ``%load_ext EXT`` (as IPython's own call) before the first use of the
    magic the kernel did not know."""

    whole_module = True  # the magic is a masked line no trigger sees

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        crash = self.ctx.crash
        missing = _MISSING.search(crash.evalue) if crash is not None else None
        comment = original_node.trailing_whitespace.comment
        mark = _MARK.search(comment.value) if comment is not None else None
        if missing is None or mark is None or getattr(self, "_loaded", False):
            return updated_node
        masked = mask_magics(self.ctx.source)
        line = masked.originals.get(int(mark.group(1)), "") if masked is not None else ""
        used = _MAGIC_LINE.match(line)
        magic = missing.group(1)
        extension = EXTENSION_OF_MAGIC.get(magic)
        if used is None or used.group(1) != magic or extension is None:
            return updated_node
        if not _available(extension):
            self.hit(original_node, fixed=False, note=f"`pip install {extension}` first.")
            return updated_node
        self._loaded = True
        self.hit(original_node)
        load = cst.parse_statement(
            f"get_ipython().run_line_magic('load_ext', '{extension}')  # %load_ext {extension}\n"
        )
        return cst.FlattenSentinel([load, updated_node])


RULES: list[Rule] = [
    Rule(
        id="ipython-magic-extension",
        library="ipython",
        changed_in="not a release: the author's profile (startup extensions)",
        kind="crash",
        summary="a line magic from an extension the author's IPython loaded at start-up",
        replacement="`%load_ext watermark` before `%watermark`",
        triggers=(r"^\s*%(?:" + "|".join(EXTENSION_OF_MAGIC) + r")\b",),
        transformer=factory(LoadMagicExtension),
        crash=Crash(("UsageError",), _MISSING.pattern),
        crash_only=True,
    ),
]
