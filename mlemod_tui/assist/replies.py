"""A model's answer → a patch, or a reason why not that can be fed back in an "ask again".

Answers come as one fenced diff, or as whole replacement cells marked with their cell id, or as
a single unmarked code block meant for the cell the proposal is about. Whatever the form, the
result is re-derived with :func:`diff_sources` from the cells as they would end up, so the hunks
a person reviews carry true line numbers and apply strictly; and a result that does not
compile, or changes nothing, is refused here rather than shown as a proposal. So is an answer
that parrots the prompt's answer-format instructions (small models copy them word for word):
its "rationale" would be our own text shown as the model's.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from mlemod_tui.assist.prompts import PLACEHOLDER_LINES, format_phrases, rule_phrases
from mlemod_tui.core.patch import (
    FencedBlock,
    Patch,
    PatchError,
    apply_patch,
    diff_sources,
    is_diff_info,
    looks_like_diff,
    parse_diff,
    split_fences,
)

RATIONALE_LIMIT = 600  # characters of prose kept: a reason, not an essay

_PYTHON_INFOS = {"", "python", "py", "python3", "ipython", "ipython3", "ipy", "jupyter"}
# Cell magics whose body is Python (and so can be compiled); any other cell magic is not checked.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "python", "python3"}

_ID = r"[`'\"]?(?P<id>[\w.-]+)[`'\"]?"
_SEP = r"(?:[\s_-]*id)?(?:\s*[:=#]\s*|\s+)"
_INFO_MARK = re.compile(rf"\bcell{_SEP}{_ID}", re.IGNORECASE)
_COMMENT_MARK = re.compile(rf"^\s*#\s*(?:%%\s*)?\[?cell\]?{_SEP}{_ID}\s*:?\s*$", re.IGNORECASE)
_LABEL_MARK = re.compile(rf"^(?:(?:in|for)\s+)?cell{_SEP}{_ID}(?:\s*\(.*\))?$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedReply:
    """What an answer amounts to: a patch, the model's reasons, or why there is no patch."""

    patch: Patch | None
    rationale: str
    error: str | None


@dataclass(frozen=True)
class _Outcome:
    patch: Patch | None = None
    error: str | None = None


def parse_reply(text: str, *, target_cell_id: str, sources: Mapping[str, str]) -> ParsedReply:
    """Turn an answer about ``target_cell_id`` into a checked patch against ``sources``."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ParsedReply(None, "", "the answer is empty")
    blocks, prose = split_fences(text)
    own_prose = prose if blocks else _lead_in(text)
    rationale = _rationale(_without_rules(own_prose))
    echo = echoed_instructions(own_prose, [b.body for b in blocks] if blocks else [text])
    if echo is not None:
        return ParsedReply(None, rationale, echo)
    diff_outcome: _Outcome | None = None
    if any(is_diff_info(b.info) or looks_like_diff(b.body) for b in blocks) or (
        not blocks and looks_like_diff(text)
    ):
        diff_outcome = _from_diff(text, target_cell_id, sources)
        if diff_outcome.patch:
            return ParsedReply(diff_outcome.patch, rationale, None)
    code_outcome = _from_code(blocks, text, target_cell_id, sources)
    if code_outcome.patch:
        return ParsedReply(code_outcome.patch, rationale, None)
    if diff_outcome is not None and code_outcome.error == _NO_CODE:
        return ParsedReply(None, rationale, diff_outcome.error)
    return ParsedReply(None, rationale, code_outcome.error)


def echoed_instructions(prose: str, code: list[str]) -> str | None:
    """Why an answer is a copy of the answer-format instructions, or None when it is not.

    A placeholder line (``-old line``, ``<the complete new cell>``) anywhere, or a format
    sentence in the prose, means the model repeated the example instead of answering.
    """
    for body in code:
        for line in body.split("\n"):
            bare = line.strip()
            if bare[:1] in "+- " and bare[1:2] != bare[:1]:
                bare = bare[1:].strip()
            bare = bare.strip("`").strip()
            if bare.lower() in PLACEHOLDER_LINES or _PLACEHOLDER.fullmatch(bare):
                return (
                    f"the answer copies the format example's placeholder line {bare!r} instead of "
                    "real code: give the actual lines of the cell"
                )
    flat = _flat(prose)
    for phrase in format_phrases():
        if _flat(phrase) in flat:
            return (
                f"the answer repeats the answer-format instructions ({phrase!r}) instead of "
                "explaining the change in its own words"
            )
    return None


_PLACEHOLDER = re.compile(r"<(?:the |your |a )?[a-z][a-z -]{2,40}>", re.IGNORECASE)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _without_rules(prose: str) -> str:
    """The prose without lines that repeat the prompt's role, rules or task."""
    phrases = [_flat(p) for p in rule_phrases()]
    kept = [line for line in prose.split("\n") if not any(p in _flat(line) for p in phrases)]
    return "\n".join(kept)


_NO_CODE = "no code found in the answer (expected a fenced diff or a fenced Python cell)"


def _lead_in(text: str) -> str:
    """The prose above an unfenced diff or cell (all of it when there is no code)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(("@@", "--- ")) or _bare_code(line):
            return "\n".join(lines[:i])
    return text


def _rationale(prose: str) -> str:
    text = re.sub(r"\n{3,}", "\n\n", prose).strip()
    return text if len(text) <= RATIONALE_LIMIT else text[: RATIONALE_LIMIT - 1].rstrip() + "…"


# --------------------------------------------------------------------------- diffs


def _from_diff(text: str, target: str, sources: Mapping[str, str]) -> _Outcome:
    try:
        patch = parse_diff(text, default_cell_id=target)
    except PatchError as err:
        return _Outcome(error=f"the diff cannot be read: {err}")
    try:
        new_sources = apply_patch(sources, patch)
    except PatchError as err:
        return _Outcome(error=f"the diff does not apply: {err}")
    return _checked(new_sources, sources)


# --------------------------------------------------------------------------- code blocks


def _from_code(blocks: list[FencedBlock], text: str, target: str, sources: Mapping[str, str]) -> _Outcome:
    """Replacement cells: marked blocks by id, else one unmarked block for ``target``."""
    code = [b for b in blocks if _is_code(b)]
    if not blocks and _bare_code(text):
        code = [FencedBlock("", text.strip("\n"), "")]
    if not code:
        return _Outcome(error=_NO_CODE)
    marked: dict[str, str] = {}
    unmarked: list[str] = []
    for block in code:
        cell_id, body = _block_cell(block, sources)
        body = _unnumbered(body)
        if not body.strip():
            continue  # an empty block is a formatting slip, never a request to empty a cell
        if cell_id is None:
            unmarked.append(body)
        elif cell_id not in sources:
            return _Outcome(error=_unknown(cell_id, sources))
        else:
            marked[cell_id] = body
    if not marked:
        if not unmarked:
            return _Outcome(error=_NO_CODE)
        if len(unmarked) > 1:
            return _Outcome(
                error=f"{len(unmarked)} unmarked code blocks: give one block, or mark each with "
                "its cell id ('# cell: <id>' as its first line)"
            )
        if target not in sources:
            return _Outcome(error=_unknown(target, sources))
        marked[target] = unmarked[0]
    return _checked(marked, sources)


_NUMBERED_LINE = re.compile(r"^\s*(?P<n>\d+) \|(?: (?P<code>.*))?$")


def _unnumbered(body: str) -> str:
    """A block copied with the prompt's ``  1 | code`` numbering, without it.

    Small models copy the numbered listing the context shows them despite being told not
    to; only a block numbered on every line, consecutively, is taken as such a copy.
    """
    lines = body.split("\n")
    found = [_NUMBERED_LINE.match(line) for line in lines]
    if not lines or not all(found):
        return body
    numbers = [int(m.group("n")) for m in found if m]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return body
    return "\n".join(m.group("code") or "" for m in found if m)


def _is_code(block: FencedBlock) -> bool:
    if is_diff_info(block.info) or looks_like_diff(block.body):
        return False
    return _language(block.info) in _PYTHON_INFOS or bool(_INFO_MARK.search(block.info))


def _language(info: str) -> str:
    words = info.lstrip("{.").split()
    first = words[0].lower() if words else ""
    return "" if "=" in first or ":" in first or first == "cell" else first


def _bare_code(text: str) -> bool:
    """An answer with no fences counts as code only if it compiles and does more than name things."""
    if compiles(text) is not None:
        return False
    try:
        tree = ast.parse(_mask_ipython(text) or "")
    except SyntaxError:
        return False
    trivial = (ast.Name, ast.Constant, ast.Attribute)
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, trivial)) for node in tree.body)


def _block_cell(block: FencedBlock, sources: Mapping[str, str]) -> tuple[str | None, str]:
    """The cell a block is marked for (info string, first-line comment, label above) and its code."""
    body = _trim_blank_edges(block.body)
    found = _INFO_MARK.search(block.info)
    if found:
        return found.group("id"), body
    first, _, rest = body.partition("\n")
    found = _COMMENT_MARK.match(first)
    if found and not _is_existing_line(first, sources):
        return found.group("id"), _trim_blank_edges(rest)
    return _label_cell(block.before, sources), body


def _label_cell(label: str, sources: Mapping[str, str]) -> str | None:
    """``Cell <id>:``, ``**cell-3**``, or a short line about a cell that names a known id."""
    plain = label.replace("*", "").replace("`", "").strip().lstrip("#").strip().rstrip(":.").strip()
    if not plain:
        return None
    if plain in sources:
        return plain
    found = _LABEL_MARK.match(plain)
    if found:
        return found.group("id")
    if "cell" in plain.lower():
        known: list[str] = [word for word in re.findall(r"[\w.-]+", plain) if word in sources]
        if known:
            return known[-1]
    return None


def _is_existing_line(line: str, sources: Mapping[str, str]) -> bool:
    """A ``# Cell 3`` comment the cell already had is content, not a marker."""
    stripped = line.strip()
    return any(stripped == other.strip() for source in sources.values() for other in source.split("\n"))


def _trim_blank_edges(text: str) -> str:
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def _unknown(cell_id: str, sources: Mapping[str, str]) -> str:
    known = list(sources)
    shown = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
    return f"unknown cell id {cell_id!r} (the notebook's cells are: {shown})"


# --------------------------------------------------------------------------- checks


def _checked(new_sources: Mapping[str, str], sources: Mapping[str, str]) -> _Outcome:
    """Re-derive clean hunks; refuse cells that do not compile and answers that change nothing."""
    cells = []
    for cell_id, new in new_sources.items():
        cell = diff_sources(cell_id, sources[cell_id], new)
        if not cell.hunks:
            continue
        problem = compiles(new)
        if problem:
            return _Outcome(error=f"cell {cell_id!r} does not compile: {problem}")
        cells.append(cell)
    if not cells:
        return _Outcome(error="the answer changes nothing: the proposed code equals the current cell")
    return _Outcome(patch=Patch(tuple(cells)))


def compiles(source: str) -> str | None:
    """None if ``source`` compiles as a notebook cell, else ``"line N: message"``.

    IPython magics and shell lines are masked line for line (numbers stay true), and top-level
    ``await`` is allowed, as the kernel allows both.
    """
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    if _compile(text) is None:
        return None
    masked = _mask_ipython(text)
    return None if masked is None else _compile(masked)


def _compile(text: str) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (`is` with a literal) are not errors
            compile(text, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as err:
        return f"line {err.lineno or '?'}: {err.msg}"
    except ValueError as err:  # null bytes
        return f"line ?: {err}"
    return None


_ASSIGNED_MAGIC = re.compile(r"^(\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*)[%!]")
_HELP = re.compile(r"^\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_CONTINUES = ("\\", "(", "[", "{", ",", "+", "-", "*", "/", "%", "=")


def _mask_ipython(text: str) -> str | None:
    """``text`` with magic and shell lines replaced by ``pass``; None for a non-Python cell magic."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = (lines[first].lstrip()[2:].split() or [""])[0]
        if name not in _PYTHON_CELL_MAGICS:
            return None
        lines[first] = ""
    previous = ""
    for i, line in enumerate(lines):
        if not previous.rstrip().endswith(_CONTINUES):
            lines[i] = _mask_line(line)
        if line.strip():
            previous = line
    return "\n".join(lines)


def _mask_line(line: str) -> str:
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    assigned = _ASSIGNED_MAGIC.match(line)
    if assigned:
        return assigned.group(1) + "None"
    if (stripped.startswith(("%", "!")) and not stripped.startswith("!=")) or _HELP.match(line):
        return indent + "pass"
    return line
