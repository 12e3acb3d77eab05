"""Joining messages from the core into what the screen says, without doubled full stops."""

from __future__ import annotations


def clause(text: str) -> str:
    """``text`` without its closing full stop, to continue or bracket it."""
    stripped = text.rstrip()
    return stripped[:-1] if stripped.endswith(".") and not stripped.endswith("..") else stripped


def sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (or its own ? or !)."""
    stripped = clause(text)
    return stripped if stripped.endswith(("?", "!", "…")) else stripped + "."
