"""Kernel events to nbformat outputs, the way Jupyter stores them.

Consecutive stream chunks of the same stream are coalesced into one output and ``\\r``/``\\b``
progress-bar redraws are collapsed with nbclient's own rules, so a saved notebook looks like
one Jupyter itself would save.
"""

from __future__ import annotations

import re

from nbformat import NotebookNode
from nbformat.v4 import new_output

from mlemod_tui.core.kernel import ErrorRaised, KernelEvent, OutputCleared, RichOutput, StreamText

# nbclient's coalesce_streams rules (nbclient/client.py), so we store what it would; except
# backspaces: nbclient's pattern r"[^\n]\b" means a word boundary, not a backspace (its loop
# never runs, so it keeps them), and applied here it erased text: \x08 is the backspace.
_CARRIAGE_RETURN = re.compile(r".*\r(?=[^\n])")
_BACKSPACE = re.compile(r"[^\n\x08]\x08")  # a character, then the backspace that erases it


def collapse_progress(text: str) -> str:
    """Drop text overwritten by ``\\b`` and ``\\r`` (tqdm/Keras progress bars)."""
    if "\b" in text:
        previous = None
        while previous != text:
            previous, text = text, _BACKSPACE.sub("", text)
    if "\r" in text:
        text = _CARRIAGE_RETURN.sub("", text)
    return text


class OutputCollector:
    """Accumulates one cell's outputs from its kernel events.

    Stream text is kept as a list of chunks and joined once at :meth:`outputs` time, so a
    200,000-line flood costs one join, not 30 growing copies.
    """

    def __init__(self) -> None:
        self._outputs: list[NotebookNode] = []
        self._chunks: dict[int, list[str]] = {}  # index of a stream output -> its text chunks
        self._displays: dict[str, list[int]] = {}  # display id -> indexes of its outputs
        self._clear_pending = False

    def add(self, event: KernelEvent) -> None:
        if isinstance(event, OutputCleared):
            if event.wait:
                self._clear_pending = True
            else:
                self._clear()
            return
        if not isinstance(event, StreamText | RichOutput | ErrorRaised):
            return
        if isinstance(event, RichOutput) and event.output_type == "update_display_data":
            self._update_display(event)
            return
        if self._clear_pending:
            self._clear()
        if isinstance(event, StreamText):
            self._add_stream(event)
        elif isinstance(event, RichOutput):
            if event.display_id:
                self._displays.setdefault(event.display_id, []).append(len(self._outputs))
            self._outputs.append(_rich_output(event))
        else:
            self._outputs.append(
                new_output("error", ename=event.ename, evalue=event.evalue, traceback=list(event.traceback))
            )

    def outputs(self) -> list[NotebookNode]:
        """The cell's outputs in nbformat shape, streams coalesced and progress collapsed."""
        for index, chunks in self._chunks.items():
            self._outputs[index].text = collapse_progress("".join(chunks))
        return list(self._outputs)

    def _clear(self) -> None:
        self._outputs.clear()
        self._chunks.clear()
        self._displays.clear()
        self._clear_pending = False

    def _add_stream(self, event: StreamText) -> None:
        last = len(self._outputs) - 1
        if last >= 0 and last in self._chunks and self._outputs[last].name == event.name:
            self._chunks[last].append(event.text)
            return
        self._outputs.append(new_output("stream", name=event.name, text=""))
        self._chunks[len(self._outputs) - 1] = [event.text]

    def _update_display(self, event: RichOutput) -> None:
        """Replace in place every earlier output that carries the same display id."""
        for index in self._displays.get(event.display_id or "", []):
            self._outputs[index].data = event.data
            self._outputs[index].metadata = dict(event.metadata)


def _rich_output(event: RichOutput) -> NotebookNode:
    # nbformat.v4.new_output is unannotated (returns Any): name the type it builds.
    output: NotebookNode
    if event.output_type == "execute_result":
        output = new_output(
            "execute_result",
            data=event.data,
            metadata=event.metadata,
            execution_count=event.execution_count,
        )
    else:
        output = new_output("display_data", data=event.data, metadata=event.metadata)
    return output
