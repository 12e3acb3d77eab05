"""Which rules could apply to a cell, decided from its text before any parsing.

Two stages: one combined regex of every trigger (rewritten so that each branch starts with a
literal character, which lets the regex engine skip ahead), then each candidate rule's exact
triggers behind the same quick form. A clean cell costs one regex pass.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mlemod_tui.assist.rules.model import Rule


@lru_cache(maxsize=64)
def prefilter(rules: tuple[Rule, ...]) -> re.Pattern[str]:
    """One regex that matches wherever any trigger does; every branch starts with a literal.

    The regex engine skips ahead on the first characters of a flat alternation, unless one
    branch starts with ``\\b``, ``\\w+``, a look-behind or a group: then it tries every
    position of every cell. Such openings are dropped or distributed here (the exact triggers
    are checked afterwards).
    """
    branches = {
        r for rule in rules for t in rule.triggers for b in _branches(t) for r in _relaxed(b)
    }
    return re.compile(_by_first_character(branches) or r"(?!x)x", re.MULTILINE)


def _by_first_character(branches: set[str], depth: int = 3) -> str:
    """``ab|ac|d`` as ``a(?:b|c)|d``: at each position only one group's branches are tried.

    A flat alternation of 250 branches tests every branch at every position; grouped by
    their first character, a position costs one test per group.
    """
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for branch in sorted(branches):
        size = 2 if branch[:1] == "\\" and not branch[1:2].isalnum() else 1
        first, rest = branch[:size], branch[size:]
        if not first or (size == 1 and first in _META) or rest[:1] in ("?", "*", "+", "{"):
            others.append(branch)
        else:
            groups.setdefault(first, []).append(rest)
    grouped = [
        f"{first}(?:{_by_first_character(set(rests), depth - 1) if depth > 1 else '|'.join(rests)})"
        if len(rests) > 1
        else first + rests[0]
        for first, rests in groups.items()
    ]
    return "|".join(grouped + others)


_META = set("()[]{}?*+|^$.\\")


_LEADING = re.compile(r"^(?:\\b|\^|\\s\*|\\w[+*]|\[\(,\]\\s\*|\(\?<[=!](?:[^()]|\([^()]*\))*\))+")


def _relaxed(branch: str) -> list[str]:
    """Branches matching at least where ``branch`` does, each starting with a literal.

    ``\\bsize`` keeps its word boundary as ``s(?<!\\ws)ize``; ``(?:a|b)c`` becomes ``ac|bc``.
    """
    word = re.match(r"\\b([A-Za-z_])", branch)
    if word:
        char = word.group(1)
        return [f"{char}(?<!\\w{char}){branch[3:]}"]
    branch = _LEADING.sub("", branch) or branch
    if branch.startswith("(?:"):
        close = _group_end(branch, 0)
        rest = branch[close + 1 :]
        if rest[:1] not in ("?", "*", "+", "{"):
            return [r + rest for alt in _branches(branch[3:close]) for r in _relaxed(alt)]
    return [branch]


def _skip(pattern: str, i: int) -> int:
    """Index after the token at ``i``: an escape, a character class, or one character."""
    if pattern[i] == "\\":
        return i + 2
    if pattern[i] == "[":
        j = i + 1
        if j < len(pattern) and pattern[j] == "^":
            j += 1
        if j < len(pattern) and pattern[j] == "]":
            j += 1
        while j < len(pattern) and pattern[j] != "]":
            j += 2 if pattern[j] == "\\" else 1
        return j + 1
    return i + 1


def _group_end(pattern: str, start: int) -> int:
    depth, i = 0, start
    while i < len(pattern):
        if pattern[i] == "(":
            depth += 1
        elif pattern[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i = _skip(pattern, i)
    return len(pattern) - 1


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regex."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i = _skip(pattern, i)
    return [*parts, pattern[start:]]


def candidates(source: str, rules: tuple[Rule, ...]) -> list[Rule]:
    if not prefilter(rules).search(source):
        return []
    return [rule for rule in rules if triggered(rule, source)]


def triggered(rule: Rule, text: str) -> bool:
    """The exact triggers, behind their fast literal-first form."""
    quick = _quick(rule)
    return quick is not None and quick.search(text) is not None and rule.triggered(text)


@lru_cache(maxsize=1024)
def _quick(rule: Rule) -> re.Pattern[str] | None:
    if not rule.triggers:
        return None
    branches = {r for t in rule.triggers for b in _branches(t) for r in _relaxed(b)}
    return re.compile(_by_first_character(branches), re.MULTILINE)
