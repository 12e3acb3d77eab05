"""Textual messages that carry core events up to the screen, in past tense."""

from __future__ import annotations

from textual.message import Message

from mlemod_tui.core.execution import (
    CellFinished,
    CellOutput,
    CellRun,
    CellStarted,
    KernelDied,
    RunEvent,
    RunFinished,
    RunResult,
)
from mlemod_tui.core.kernel import KernelEvent
from mlemod_tui.repair_events import FlowEvent


class CellRunStarted(Message):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index


class CellOutputReceived(Message):
    def __init__(self, index: int, event: KernelEvent) -> None:
        super().__init__()
        self.index = index
        self.event = event


class CellRunFinished(Message):
    def __init__(self, run: CellRun) -> None:
        super().__init__()
        self.run = run


class KernelDeathReported(Message):
    def __init__(self, index: int, message: str) -> None:
        super().__init__()
        self.index = index
        self.message = message


class RunCompleted(Message):
    def __init__(self, result: RunResult) -> None:
        super().__init__()
        self.result = result


def message_for(event: RunEvent) -> Message:
    """The Textual message that carries a core run event."""
    if isinstance(event, CellStarted):
        return CellRunStarted(event.index)
    if isinstance(event, CellOutput):
        return CellOutputReceived(event.index, event.event)
    if isinstance(event, CellFinished):
        return CellRunFinished(event.run)
    if isinstance(event, KernelDied):
        return KernelDeathReported(event.index, event.message)
    if isinstance(event, RunFinished):
        return RunCompleted(event.result)
    raise TypeError(f"unknown run event {event!r}")


class FlowEventReceived(Message):
    """A repair flow event (proposal ready, patch applied, verified, rolled back, clean run)."""

    def __init__(self, event: FlowEvent) -> None:
        super().__init__()
        self.event = event
