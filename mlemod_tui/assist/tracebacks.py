"""Tracebacks as a model should read them: ANSI colours stripped, library frames collapsed.

IPython tracebacks come as coloured entries: a header, the user's ``Cell In[n]`` frames, the
IPython, standard-library and site-packages frames they pass through, and one exception line
per chained exception. Only the user's last frames and every exception line matter to a fix;
each run of library frames becomes one ``... N library frames ...`` line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlemod_tui.core.execution import CellError

MAX_EXCEPTION_CHARS = 1200

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[@-_]")
_HEADER = re.compile(r"^\S+\s+Traceback \(most recent call last\)")
_USER_FRAME = re.compile(r"^(?:Cell In\s*\[|Input In\s*\[|<ipython-input-|File \"?<ipython-input-)")
_FILE_FRAME = re.compile(
    r"^(?:File\s+\"?(?P<path>[^\"]+?)\"?(?::(?P<line>\d+)|, line (?P<line2>\d+))?,?\s+in\s+"
    r"(?P<func>[\w.<>]+)"
    r"|(?P<oldpath>[/~][^\s]*|[A-Za-z]:\\[^\s]*)\s+in\s+(?P<oldfunc>[\w.<>]+))"
)
_LIBRARY_PATH = re.compile(
    r"(?:site-packages|dist-packages)[/\\]|[/\\]lib[/\\]python\d|[/\\]IPython[/\\]"
    r"|[/\\]ipykernel[/\\]|^<(?!ipython-input)|^[\w.]+[/\\].*\.(?:pyx|pxd|pxi)$"
)
_CHAIN = ("The above exception", "During handling of the above exception")
_CONTEXT_BEFORE = 3


@dataclass(frozen=True)
class _Entry:
    kind: str  # "header", "chain", "user", "library", "exception"
    text: str


def is_library_path(path: str) -> bool:
    """A frame in an installed library, the standard library or IPython, not the user's code."""
    return _LIBRARY_PATH.search(path) is not None


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _classify(raw: str) -> _Entry | None:
    text = strip_ansi(raw).strip("\n")
    first = text.strip().split("\n", 1)[0].strip() if text.strip() else ""
    if not first or set(first) <= {"-"}:
        return None
    if _HEADER.match(first):
        return _Entry("header", "Traceback (most recent call last):")
    if first.startswith(_CHAIN):
        return _Entry("chain", first)
    if _USER_FRAME.match(first):
        return _Entry("user", _frame_text(text))
    match = _FILE_FRAME.match(first)
    if match:
        path = match.group("path") or match.group("oldpath") or ""
        kind = "library" if is_library_path(path) else "user"
        return _Entry(kind, _frame_text(text) if kind == "user" else _where(path, match))
    return _Entry("exception", _cut(text.strip(), MAX_EXCEPTION_CHARS))


def _where(path: str, match: re.Match[str]) -> str:
    """``pandas/core/frame.py:4330 DataFrame.__getitem__``: a library frame in one phrase."""
    short = re.split(r"(?:site-packages|dist-packages|[/\\]lib[/\\]python[\d.]+)[/\\]", path)[-1]
    line = match.group("line") or match.group("line2")
    func = match.group("func") or match.group("oldfunc") or "?"
    return f"{short}{':' + line if line else ''} {func}"


def _frame_text(text: str) -> str:
    """A user frame: its location line and a few context lines up to the arrow."""
    lines = [ln.rstrip() for ln in text.strip("\n").split("\n")]
    head, body = lines[0].strip(), lines[1:]
    arrow = next((i for i, ln in enumerate(body) if re.match(r"^\s*-+>", ln)), None)
    if arrow is not None:
        body = body[max(0, arrow - _CONTEXT_BEFORE) : arrow + 2]
    return "\n".join([head, *body[:8]])


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chains(entries: list[_Entry]) -> list[list[_Entry]]:
    """Split at "The above exception…": each chain ends with its own exception line."""
    chains: list[list[_Entry]] = [[]]
    for entry in entries:
        if entry.kind == "chain" and chains[-1]:
            chains.append([])
        chains[-1].append(entry)
    return [chain for chain in chains if chain]


def _collapse(chain: list[_Entry], keep_user: int) -> list[str]:
    """Runs of library frames become one line; only the last ``keep_user`` user frames stay."""
    users = [i for i, e in enumerate(chain) if e.kind == "user"]
    kept_users = set(users[-keep_user:]) if keep_user > 0 else set()
    out: list[str] = []
    run: list[str] = []
    skipped_users = 0

    def flush() -> None:
        nonlocal skipped_users
        if skipped_users:
            out.append(f"... {skipped_users} earlier frame{'s' * (skipped_users > 1)} ...")
            skipped_users = 0
        if run:
            where = run[0] if len(run) == 1 else f"{run[0]} → {run[-1]}"
            out.append(f"... {len(run)} library frame{'s' * (len(run) > 1)} ({where}) ...")
            run.clear()

    for i, entry in enumerate(chain):
        if entry.kind == "library":
            run.append(entry.text)
        elif entry.kind == "user" and i not in kept_users:
            skipped_users += 1
        else:
            flush()
            out.append(("\n" if entry.kind == "chain" else "") + entry.text)
    flush()
    return out


def clean_traceback(lines: list[str], max_frames: int = 4) -> str:
    """An IPython traceback as a model should read it.

    ANSI colours stripped; IPython/ipykernel, standard-library and site-packages frames
    collapsed into one ``... N library frames ...`` line per run; at most ``max_frames`` user
    frames (the last ones); every exception line kept. ``max_frames=1`` also drops the
    earlier exceptions of a chain; ``max_frames=0`` keeps only the final exception line.
    """
    entries = [e for e in (_classify(raw) for raw in lines) if e is not None]
    if not entries:
        return ""
    chains = _chains(entries)
    if max_frames <= 0:
        return _final_exception(entries)
    if max_frames == 1:
        chains = chains[-1:]
    out: list[str] = []
    for chain in chains:
        out.extend(_collapse(chain, max_frames))
    if out and out[0].lstrip("\n").startswith(_CHAIN):
        out.pop(0)
    return "\n".join(out).strip("\n")


def _final_exception(entries: list[_Entry]) -> str:
    """The last exception line (for a SyntaxError, the last lines of its only entry)."""
    for entry in reversed(entries):
        if entry.kind == "exception":
            return entry.text
        if entry.kind == "user" and re.search(r"^\w[\w.]*(?:Error|Exception)\b", entry.text, re.M):
            return entry.text
    return entries[-1].text


def final_exception_line(error: CellError) -> str:
    """``ename: evalue`` (first 1,200 characters): the one line a context never drops."""
    text = f"{error.ename}: {error.evalue}" if error.evalue else error.ename
    return _cut(strip_ansi(text).strip(), MAX_EXCEPTION_CHARS)


_CELL_LINE = re.compile(r"^(?:Cell In\s*\[\d*\]|Input In\s*\[\d*\]),\s*line\s+(\d+)")
_CELL_FRAME = re.compile(r"^(?:Cell|Input) In\s*\[(\d*)\],\s*line\s+(\d+)")


def failing_line(traceback: list[str]) -> int | None:
    """The line (1-based) of the failing cell where the error came from: the first user frame
    of an IPython traceback (``Cell In[5], line 3``), which is the top-level statement of the
    cell that ran; later frames may sit in functions defined in other cells."""
    for raw in traceback:
        for line in strip_ansi(raw).splitlines():
            match = _CELL_LINE.match(line.strip())
            if match:
                return int(match.group(1))
    return None


def cell_frames(traceback: list[str]) -> list[tuple[int | None, int]]:
    """Every notebook frame of an IPython traceback, outermost first: (execution count of the
    cell that defined the code, line in that cell). A crash inside a function defined in an
    earlier cell has its site there, not in the cell that called it."""
    frames: list[tuple[int | None, int]] = []
    for raw in traceback:
        for line in strip_ansi(raw).splitlines():
            match = _CELL_FRAME.match(line.strip())
            if match:
                count = int(match.group(1)) if match.group(1) else None
                frames.append((count, int(match.group(2))))
    return frames


_PY_FILE_FRAME = re.compile(r"^File (?P<path>[^\n]+?\.py):(?P<line>\d+)(?:,|\s*$|\s+in\s)")


def file_frames(traceback: list[str]) -> list[tuple[str, int]]:
    """Every ``File path.py:LINE`` frame of an IPython traceback, outermost first: the
    notebook's own helper modules among them are where some erosions live."""
    frames: list[tuple[str, int]] = []
    for raw in traceback:
        for line in strip_ansi(raw).splitlines():
            match = _PY_FILE_FRAME.match(line.strip())
            if match:
                frames.append((match.group("path"), int(match.group("line"))))
    return frames
