"""Errors a user can act on: printed as one clear line, never as a traceback."""

from __future__ import annotations


class MlemodError(Exception):
    """Base of every user-facing error; ``str(err)`` is the whole message."""


class NotebookError(MlemodError):
    """The notebook file cannot be read, parsed or written."""


class KernelError(MlemodError):
    """The Jupyter kernel cannot be started or talked to."""


class KernelDiedError(KernelError):
    """The kernel process exited while we were waiting for it."""
