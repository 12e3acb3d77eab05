"""Per-cell unified diffs: tolerant parsing of model output, context-checked apply, reverse.

A patch is a unified diff of notebook cells keyed by cell id (``--- a/cell/<id>``). Models write
diffs with wrong ``@@`` counts and line numbers, without headers, with CRLF and prose around
them, and unidiff 1.0.1 silently drops lines when the counts are too small (library-facts §5).
So every hunk body is read by our own tokeniser, every header is recounted from its body before
unidiff parses the result, and applying checks every context line: a hunk whose context is not
in the cell is refused, never fuzzed in the way GNU patch does.

A cell's trailing newline is not part of a patch: applying keeps the source's state.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from mlemod_tui.errors import MlemodError


class PatchError(MlemodError):
    """A diff that cannot be parsed or applied; the message says which cell/hunk and why."""


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Hunk:
    """One change group: body lines prefixed ``' '``, ``'-'`` or ``'+'``.

    ``source_start`` is the 1-based line of the old cell where the hunk's old side begins (for a
    pure insertion: the line the new lines go before), or None when the model did not say.
    """

    source_start: int | None
    lines: tuple[str, ...]

    def old_lines(self) -> list[str]:
        """The old side (context and removed lines): what must be found in the cell."""
        return [line[1:] for line in self.lines if line[:1] in (" ", "-")]

    def new_lines(self) -> list[str]:
        """The new side (context and added lines): what replaces the old side."""
        return [line[1:] for line in self.lines if line[:1] in (" ", "+")]

    def removed(self) -> list[str]:
        return [line[1:] for line in self.lines if line[:1] == "-"]

    def added(self) -> list[str]:
        return [line[1:] for line in self.lines if line[:1] == "+"]

    def changes(self) -> bool:
        """Whether the hunk adds or removes anything (context-only hunks are no-ops)."""
        return any(line[:1] in ("+", "-") for line in self.lines)

    def header(self, target_start: int | None = None) -> str:
        """``@@ -a,b +c,d @@`` counted from the body, never taken from a model."""
        old_len, new_len = len(self.old_lines()), len(self.new_lines())
        start = self.source_start or 1
        target = start if target_start is None else target_start
        # Unified-diff convention: an empty side names the line *before* the change.
        a = start - 1 if old_len == 0 else start
        c = target - 1 if new_len == 0 else target
        return f"@@ -{a},{old_len} +{c},{new_len} @@"


@dataclass(frozen=True)
class CellPatch:
    """The hunks of one cell, in order."""

    cell_id: str
    hunks: tuple[Hunk, ...]

    def to_diff(self) -> str:
        """The cell's diff with headers, LF line ends and recounted ``@@`` lines."""
        if not self.hunks:
            return ""
        out = [f"--- a/cell/{self.cell_id}", f"+++ b/cell/{self.cell_id}"]
        offset = 0
        for hunk in self.hunks:
            out.append(hunk.header((hunk.source_start or 1) + offset))
            out.extend(hunk.lines)
            offset += len(hunk.new_lines()) - len(hunk.old_lines())
        return "\n".join(out) + "\n"


@dataclass(frozen=True)
class Patch:
    """A change to one or more cells."""

    cells: tuple[CellPatch, ...]

    def to_diff(self) -> str:
        return "".join(cell.to_diff() for cell in self.cells)

    def hunk_count(self) -> int:
        return sum(len(cell.hunks) for cell in self.cells)

    def cell_ids(self) -> list[str]:
        return [cell.cell_id for cell in self.cells]

    def iter_hunks(self) -> Iterator[tuple[str, int, Hunk]]:
        """``(cell_id, hunk_index, hunk)`` in order: the keys ``apply_patch(accepted=...)`` takes."""
        for cell in self.cells:
            for index, hunk in enumerate(cell.hunks):
                yield cell.cell_id, index, hunk


# --------------------------------------------------------------------------- lines


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_lines(source: str) -> tuple[list[str], bool]:
    """Lines of ``source`` (LF-normalised) and whether it ended with a newline."""
    text = _lf(source)
    if not text:
        return [], False
    ends = text.endswith("\n")
    lines = text.split("\n")
    if ends:
        lines.pop()
    return lines, ends


def _join_lines(lines: list[str], ends: bool) -> str:
    text = "\n".join(lines)
    return text + "\n" if ends and lines else text


# --------------------------------------------------------------------------- making diffs


def diff_sources(cell_id: str, old: str, new: str, context: int = 3) -> CellPatch:
    """Hunks turning ``old`` into ``new`` (one per difflib change group; none if identical)."""
    a, _ = _split_lines(old)
    b, _ = _split_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        body: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                body.extend(" " + line for line in a[i1:i2])
            else:
                body.extend("-" + line for line in a[i1:i2])
                body.extend("+" + line for line in b[j1:j2])
        hunk = Hunk(group[0][1] + 1, tuple(body))
        if hunk.changes():
            hunks.append(hunk)
    return CellPatch(cell_id, tuple(hunks))


def reverse(patch: Patch) -> Patch:
    """The patch that undoes ``patch`` (sides swapped, starts moved to the new side)."""
    cells = []
    for cell in patch.cells:
        hunks, offset = [], 0
        for hunk in cell.hunks:
            start = None if hunk.source_start is None else hunk.source_start + offset
            swapped = tuple(_SWAP.get(line[:1], line[:1]) + line[1:] for line in hunk.lines)
            hunks.append(Hunk(start, swapped))
            offset += len(hunk.new_lines()) - len(hunk.old_lines())
        cells.append(CellPatch(cell.cell_id, tuple(hunks)))
    return Patch(tuple(cells))


_SWAP = {"+": "-", "-": "+"}


# --------------------------------------------------------------------------- fenced blocks


@dataclass(frozen=True)
class FencedBlock:
    """A Markdown code block of a model's answer.

    ``before`` is the last non-blank prose line above the fence, where models put labels like
    ``Cell <id>:``.
    """

    info: str
    body: str
    before: str


_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")


def split_fences(text: str) -> tuple[list[FencedBlock], str]:
    """The fenced blocks of ``text`` and the prose outside them (an unclosed fence runs to the end)."""
    lines = _lf(text).split("\n")
    blocks: list[FencedBlock] = []
    prose: list[str] = []
    since_block: list[str] = []  # a label belongs to the next block only
    i = 0
    while i < len(lines):
        opened = _FENCE_OPEN.match(lines[i])
        if not opened:
            prose.append(lines[i])
            since_block.append(lines[i])
            i += 1
            continue
        end = _fence_end(lines, i + 1, opened.group("fence"))
        indent = opened.group("indent")
        body = [line[len(indent) :] if line.startswith(indent) else line for line in lines[i + 1 : end]]
        before = next((line.strip() for line in reversed(since_block) if line.strip()), "")
        blocks.append(FencedBlock(opened.group("info").strip(), "\n".join(body), before))
        prose.append("")
        since_block = []
        i = end + 1
    return blocks, "\n".join(prose)


def _fence_end(lines: list[str], start: int, fence: str) -> int:
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for j in range(start, len(lines)):
        if closing.match(lines[j]):
            return j
    return len(lines)


def is_diff_info(info: str) -> bool:
    """Whether a fence's info string declares a diff (```` ```diff ````, ```` ```patch ````)."""
    words = info.lower().replace("{", " ").replace(".", " ").split()
    return bool(words) and words[0] in ("diff", "patch", "udiff")


def looks_like_diff(text: str) -> bool:
    """Whether ``text`` holds a hunk header or a ``---``/``+++`` header pair."""
    lines = _lf(text).split("\n")
    return any(line.startswith("@@") or _is_file_header(lines, i) for i, line in enumerate(lines))


# --------------------------------------------------------------------------- parsing


@dataclass
class _RawHunk:
    start: int | None
    lines: list[str] = field(default_factory=list)
    guessed_tail: int = 0  # trailing lines that had no prefix: dropped if nothing follows

    def add(self, line: str, guessed: bool) -> None:
        self.lines.append(line)
        self.guessed_tail = self.guessed_tail + 1 if guessed else 0

    def close(self) -> None:
        if self.guessed_tail:
            del self.lines[-self.guessed_tail :]
            self.guessed_tail = 0


@dataclass
class _RawCell:
    cell_id: str
    hunks: list[_RawHunk] = field(default_factory=list)


_HUNK_HEADER = re.compile(r"^@@+\s*-(\d+)(?:,(\d+))?(?:\s+\+(\d+)(?:,(\d+))?)?\s*@@")


def parse_diff(text: str, default_cell_id: str | None = None) -> Patch:
    """Read a model's diff: fenced or bare, any line ends, headers optional, counts ignored."""
    raw: list[_RawCell] = []
    for body, fenced in _diff_sections(_lf(text)):
        _tokenise(body.split("\n"), fenced, default_cell_id, raw)
    cells = _merge(raw)
    if not cells:
        raise PatchError("the diff has no hunk that changes anything")
    return Patch(_through_unidiff(cells))


def _diff_sections(text: str) -> list[tuple[str, bool]]:
    """The parts of ``text`` that hold diffs: fenced diff blocks, else the bare text."""
    blocks, prose = split_fences(text)
    fenced = [b.body for b in blocks if is_diff_info(b.info) or looks_like_diff(b.body)]
    if fenced:
        return [(body, True) for body in fenced]
    if looks_like_diff(prose):
        return [(prose, False)]
    raise PatchError("no diff found (no '@@' hunk header and no '---'/'+++' header)")


def _tokenise(lines: list[str], fenced: bool, default: str | None, out: list[_RawCell]) -> None:
    """Split diff lines into cells and hunks by their prefixes, ignoring the model's counts."""
    cell: _RawCell | None = None
    hunk: _RawHunk | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_file_header(lines, i):
            if hunk:
                hunk.close()
            hunk = None
            cell = _RawCell(_header_cell_id(line, lines[i + 1], default))
            out.append(cell)
            i += 2
            continue
        if line.startswith("@@"):
            if hunk:
                hunk.close()
            if cell is None:
                cell = _RawCell(_require_default(default))
                out.append(cell)
            hunk = _RawHunk(_hunk_start(line))
            cell.hunks.append(hunk)
        elif hunk is not None:
            hunk = _body_line(hunk, line, fenced)
        i += 1
    if hunk:
        hunk.close()


def _body_line(hunk: _RawHunk, line: str, fenced: bool) -> _RawHunk | None:
    """Add one line to ``hunk``; return None when the line ends it (prose after a bare diff)."""
    if line[:1] in (" ", "+", "-"):
        hunk.add(line, guessed=False)
    elif line.startswith("\\"):
        pass  # "\ No newline at end of file": the source's own state is kept
    elif not line.strip() or fenced:
        # A blank line that lost its leading space is context; inside a fence, so is a line
        # that lost its prefix. Wrong guesses cannot corrupt: context is checked on apply.
        hunk.add(" " + line, guessed=True)
    else:
        hunk.close()
        return None
    return hunk


def _is_file_header(lines: list[str], i: int) -> bool:
    return lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")


def _header_cell_id(source_line: str, target_line: str, default: str | None) -> str:
    old = _path_cell_id(source_line[4:], default)
    new = _path_cell_id(target_line[4:], default)
    if old and new and old != new:
        raise PatchError(f"the diff header renames cell {old!r} to {new!r}; a patch cannot rename cells")
    found = new or old
    if not found:
        raise PatchError(f"the diff header names no cell: {source_line!r} / {target_line!r}")
    return found


def _path_cell_id(path: str, default: str | None) -> str | None:
    """``a/cell/<id>``, ``cell/<id>`` or ``<id>``; a bare ``cell`` or ``*.ipynb`` means the default."""
    path = path.split("\t")[0].strip().strip("'\"")
    if path == "/dev/null":
        return None
    for prefix in ("a/", "b/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    for prefix in ("cell/", "cells/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    if path in ("", "cell", "cells") or path.endswith(".ipynb"):
        return _require_default(default)
    return path


def _require_default(default: str | None) -> str:
    if default is None:
        raise PatchError("the diff names no cell (no '--- a/cell/<id>' header) and no cell is implied")
    return default


def _hunk_start(header: str) -> int | None:
    """The old-side start a header claims; None for a bare ``@@ @@``."""
    found = _HUNK_HEADER.match(header)
    if not found:
        return None
    start = int(found.group(1))
    count = 1 if found.group(2) is None else int(found.group(2))
    return start + 1 if count == 0 else max(start, 1)


def _merge(raw: list[_RawCell]) -> list[CellPatch]:
    """One CellPatch per cell id (first-seen order), keeping only hunks that change something."""
    by_id: dict[str, list[Hunk]] = {}
    for cell in raw:
        hunks = by_id.setdefault(cell.cell_id, [])
        hunks.extend(Hunk(h.start, tuple(h.lines)) for h in cell.hunks)
    cells = [CellPatch(cid, tuple(h for h in hunks if h.changes())) for cid, hunks in by_id.items()]
    return [cell for cell in cells if cell.hunks]


def _through_unidiff(cells: list[CellPatch]) -> tuple[CellPatch, ...]:
    """Parse the recounted diff with unidiff, checking that it kept every line.

    unidiff reads a body by its header's counts, which we just recomputed, so it should agree
    with the tokeniser; should it ever raise or disagree, the tokeniser's reading stands, so no
    line is dropped silently the way unidiff drops them under a model's wrong counts.
    """
    normalised = "".join(cell.to_diff() for cell in cells)
    try:
        parsed = PatchSet(normalised)
    except UnidiffParseError:
        return tuple(cells)
    if len(parsed) != len(cells):
        return tuple(cells)
    result = []
    for cell, pfile in zip(cells, parsed, strict=True):
        hunks = tuple(
            Hunk(ours.source_start, tuple(f"{line.line_type}{line.value.rstrip(chr(10))}" for line in theirs))
            for ours, theirs in zip(cell.hunks, pfile, strict=False)  # counts compared below
        )
        if len(pfile) != len(cell.hunks) or hunks != cell.hunks:
            return tuple(cells)
        result.append(CellPatch(cell.cell_id, hunks))
    return tuple(result)


# --------------------------------------------------------------------------- applying


def apply_hunks(source: str, hunks: Sequence[Hunk]) -> str:
    """Apply ``hunks`` to one cell's source, refusing any hunk whose context is not there."""
    return _apply(source, list(enumerate(hunks, 1)))


def apply_patch(
    sources: Mapping[str, str],
    patch: Patch,
    accepted: Collection[tuple[str, int]] | None = None,
) -> dict[str, str]:
    """New sources of the cells touched by the accepted ``(cell_id, hunk_index)`` hunks (None: all)."""
    for cell in patch.cells:
        if cell.cell_id not in sources:
            raise PatchError(f"unknown cell id {cell.cell_id!r}: the notebook has no such cell")
    result: dict[str, str] = {}
    for cell in patch.cells:
        chosen = [
            (index + 1, hunk)
            for index, hunk in enumerate(cell.hunks)
            if accepted is None or (cell.cell_id, index) in accepted
        ]
        if not chosen:
            continue
        try:
            result[cell.cell_id] = _apply(sources[cell.cell_id], chosen)
        except PatchError as err:
            raise PatchError(f"cell {cell.cell_id!r}: {err}") from None
    return result


def _apply(source: str, numbered: list[tuple[int, Hunk]]) -> str:
    lines, ends = _split_lines(source)
    applier = _Applier(lines)
    for number, hunk in numbered:
        applier.apply(number, hunk)
    return _join_lines(applier.lines, ends)


def _loose(line: str) -> str:
    """Trailing whitespace (and so a blank line's indentation) does not count when matching."""
    return line.rstrip()


@dataclass
class _Applier:
    """Applies hunks in order, tracking the drift between stated and found positions."""

    lines: list[str]
    offset: int = 0
    floor: int = 0  # end of the last applied hunk: where an unplaced hunk is looked for first
    done: list[tuple[int, int]] = field(default_factory=list)  # applied spans, current coords

    def apply(self, number: int, hunk: Hunk) -> None:
        old = hunk.old_lines()
        expected = None if hunk.source_start is None else max(0, hunk.source_start - 1 + self.offset)
        if old:
            pos = self._find(old, expected, exact=True)
            if pos is None:
                pos = self._find(old, expected, exact=False)
            if pos is None:
                raise PatchError(self._refusal(number, hunk, old, expected))
        elif expected is None:
            raise PatchError(f"hunk {number} adds lines but has no context and no line number to place them")
        else:
            pos = min(expected, len(self.lines))
        delta = self._replace(pos, hunk)
        if hunk.source_start is None:
            self.offset += delta
        else:
            self.offset = pos - (hunk.source_start - 1) + delta

    def _find(self, old: list[str], expected: int | None, exact: bool) -> int | None:
        size = len(old)
        hits = [
            pos
            for pos in range(len(self.lines) - size + 1)
            if self._free(pos, size) and self._matches(pos, old, exact)
        ]
        if not hits:
            return None
        if expected is not None:
            return min(hits, key=lambda pos: (abs(pos - expected), pos))
        after = [pos for pos in hits if pos >= self.floor]
        return (after or hits)[0]

    def _matches(self, pos: int, old: list[str], exact: bool) -> bool:
        window = self.lines[pos : pos + len(old)]
        if exact:
            return window == old
        return all(_loose(have) == _loose(want) for have, want in zip(window, old, strict=True))

    def _free(self, pos: int, size: int) -> bool:
        return all(pos + size <= start or end <= pos for start, end in self.done)

    def _replace(self, pos: int, hunk: Hunk) -> int:
        """Swap the old side at ``pos`` for the new side; context keeps the cell's own text."""
        new: list[str] = []
        cursor = pos
        for line in hunk.lines:
            tag, text = line[:1], line[1:]
            if tag == " ":
                new.append(self.lines[cursor])
                cursor += 1
            elif tag == "-":
                cursor += 1
            else:
                new.append(text)
        self.lines[pos:cursor] = new
        delta = len(new) - (cursor - pos)
        self.done = [(s + delta, e + delta) if s >= cursor else (s, e) for s, e in self.done]
        self.done.append((pos, pos + len(new)))
        self.floor = pos + len(new)
        return delta

    def _refusal(self, number: int, hunk: Hunk, old: list[str], expected: int | None) -> str:
        """Name the hunk and the first of its lines that the cell does not have."""
        best, best_pos = -1, 0
        for pos in range(len(self.lines) + 1):
            matched = 0
            while (
                matched < len(old)
                and pos + matched < len(self.lines)
                and _loose(self.lines[pos + matched]) == _loose(old[matched])
            ):
                matched += 1
            closer = expected is not None and abs(pos - expected) < abs(best_pos - expected)
            if matched > best or (matched == best and closer):
                best, best_pos = matched, pos
        where = f"hunk {number} ({hunk.header()})"
        if best == len(old):
            return f"{where} overlaps a hunk applied before it"
        if best == 0:
            return f"{where} does not apply: its line {old[0]!r} is not in the cell"
        return (
            f"{where} does not apply: after {best} matching line(s) at cell line {best_pos + 1}, "
            f"its line {old[best]!r} is not in the cell"
        )
