"""IPython cells as Python: mask magics before parsing, put them back byte for byte after.

``%matplotlib inline``, ``!pip install x``, ``files = !ls``, ``df?`` and a lone ``;`` are not
Python, so libcst cannot parse a cell holding them. Each such line becomes a ``pass`` placeholder with
the same indentation (so blocks stay valid and line numbers stay put) and is restored
exactly after the rewrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = "pass  # mlemod-magic-{n}"
_RESTORE = re.compile(r"(?m)^[ \t]*pass  # mlemod-magic-(\d+)[ \t]*(?=\r?$)")
# Cell magics whose body is Python; any other (%%bash, %%html, %%writefile...) is not scanned.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit", "skip"})
# ... and a lone ``;`` (IPython's quote escape; notebooks use it to hide a plot's repr).
_LINE_MAGIC = re.compile(
    r"^[ \t]*(?:[%!]|\?)|^[ \t]*[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*[%!]|^[ \t]*;[ \t]*$"
)
_HELP = re.compile(r"^[ \t]*[\w.\[\]()'\"]+\?\??[ \t]*$")
_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True)
class Masked:
    """A cell's text with magics replaced, and the original lines to put back."""

    text: str
    originals: dict[int, str]

    def restore(self, text: str) -> str:
        if not self.originals:
            return text
        return _RESTORE.sub(lambda m: self.originals.get(int(m.group(1)), m.group(0)), text)


def mask_magics(source: str) -> Masked | None:
    """Mask IPython syntax; ``None`` when the cell is not Python at all (``%%bash`` ...)."""
    if not any(mark in source for mark in "%!?;"):
        return Masked(source, {})
    lines = source.splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        name = first.lstrip()[2:].split(None, 1)[0] if first.strip() != "%%" else ""
        if name not in PYTHON_CELL_MAGICS:
            return None
    originals: dict[int, str] = {}
    out: list[str] = []
    for line, free in zip(lines, statement_starts(lines), strict=True):
        body = line.rstrip("\r\n")
        if free and (_LINE_MAGIC.match(body) or _HELP.match(body)):
            n = len(originals)
            originals[n] = body
            indent = body[: len(body) - len(body.lstrip())]
            out.append(indent + PLACEHOLDER.format(n=n) + line[len(body) :])
        else:
            out.append(line)
    return Masked("".join(out), originals)


def statement_starts(lines: list[str]) -> list[bool]:
    """For each line: does it start a statement (outside brackets, strings, continuations)?

    A tiny scanner rather than ``tokenize``, which stops at the first magic line.
    """
    result: list[bool] = []
    depth = 0
    quote: str | None = None  # the open triple quote, if a string spans lines
    continued = False
    for line in lines:
        free = depth == 0 and quote is None and not continued
        result.append(free)
        if free and (_LINE_MAGIC.match(line) or _HELP.match(line.rstrip("\r\n"))):
            continued = False
            continue  # a magic's own text may hold quotes or brackets; do not count them
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if quote is not None:
                if ch == "\\":
                    i += 2
                    continue
                if line.startswith(quote, i):
                    i += len(quote)
                    quote = None
                    continue
                i += 1
                continue
            if ch == "#":
                break
            if ch in "'\"":
                triple = line[i : i + 3]
                if triple in ('"""', "'''"):
                    quote = triple
                    i += 3
                    continue
                end = _end_of_short_string(line, i + 1, ch)
                i = end
                continue
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            i += 1
        stripped = line.rstrip("\r\n")
        continued = quote is None and stripped.endswith("\\")
    return result


def _end_of_short_string(line: str, i: int, q: str) -> int:
    n = len(line)
    while i < n:
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == q:
            return i + 1
        i += 1
    return n
