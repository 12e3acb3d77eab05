"""Cell outputs as Rich text for the screen, with only a bounded tail of huge outputs.

The full output always goes into the saved notebook; the screen shows at most
``MAX_SCREEN_LINES`` lines, because a terminal widget cannot ingest a 200,000-line flood as fast
as a kernel produces it.
"""

from __future__ import annotations

import base64
import struct
from collections import deque
from collections.abc import Iterable
from typing import Any

from rich.text import Text

from mlemod_tui.core.kernel import ErrorRaised, KernelEvent, OutputCleared, RichOutput, StreamText

MAX_SCREEN_LINES = 400


def summarize_mime(data: dict[str, Any]) -> list[str]:
    """One-line summaries of a mime bundle's rich parts: ``[image/png 640×480]``, ``[text/html]``."""
    parts: list[str] = []
    for mime, value in data.items():
        if mime == "text/plain":
            continue
        if mime == "image/png":
            size = png_size(value)
            parts.append(f"[image/png {size[0]}×{size[1]}]" if size else "[image/png]")
        else:
            parts.append(f"[{mime}]")
    return parts


def png_size(value: Any) -> tuple[int, int] | None:
    """Width and height from a base64 PNG's IHDR chunk, without decoding the image."""
    text = "".join(value) if isinstance(value, list) else str(value)
    try:
        head = base64.b64decode(text[:44] + "=" * (-len(text[:44]) % 4), validate=False)
    except ValueError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _text_of(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _rich_lines(output_type: str, data: dict[str, Any], execution_count: int | None) -> list[Text]:
    lines = [Text(summary, style="italic cyan") for summary in summarize_mime(data)]
    plain = _text_of(data.get("text/plain", ""))
    if plain:
        prefix = f"Out[{execution_count}]: " if output_type == "execute_result" and execution_count else ""
        for i, line in enumerate(plain.splitlines() or [""]):
            lines.append(Text.from_ansi((prefix if i == 0 else "") + line))
    return lines


class OutputTail:
    """The last ``limit`` lines of a cell's output, fed live or from stored outputs.

    Handles ``\\r`` progress redraws on the current line and counts what scrolled away, so the
    screen can say how much is hidden.
    """

    def __init__(self, limit: int = MAX_SCREEN_LINES) -> None:
        self.limit = limit
        self.lines: deque[Text] = deque(maxlen=limit)
        self.total_lines = 0
        self._partial = ""
        self._partial_style = ""
        self._clear_pending = False

    @property
    def hidden(self) -> int:
        return max(self.total_lines - len(self.lines), 0)

    def feed(self, event: KernelEvent) -> None:
        if isinstance(event, OutputCleared):
            if event.wait:
                self._clear_pending = True
            else:
                self.clear()
            return
        if self._clear_pending:
            self.clear()
        if isinstance(event, StreamText):
            self._feed_stream(event.text, "red" if event.name == "stderr" else "")
        elif isinstance(event, RichOutput):
            if event.output_type != "update_display_data":
                self._flush_partial()
                self._extend(_rich_lines(event.output_type, event.data, event.execution_count))
        elif isinstance(event, ErrorRaised):
            self._flush_partial()
            self._extend(Text.from_ansi(line) for tb in event.traceback for line in tb.splitlines())

    def feed_outputs(self, outputs: Iterable[dict[str, Any]]) -> None:
        """Stored or finished outputs, in nbformat shape."""
        for output in outputs:
            kind = output.get("output_type")
            if kind == "stream":
                self.feed(StreamText(output.get("name", "stdout"), _text_of(output.get("text"))))
            elif kind in ("execute_result", "display_data"):
                self.feed(
                    RichOutput(kind, output.get("data", {}), {}, output.get("execution_count"))
                )
            elif kind == "error":
                self.feed(
                    ErrorRaised(output.get("ename", ""), output.get("evalue", ""), output.get("traceback", []))
                )
        self._flush_partial()

    def clear(self) -> None:
        self.lines.clear()
        self.total_lines = 0
        self._partial = ""
        self._clear_pending = False

    def render(self) -> Text:
        """The visible tail as one Text, with a note when earlier lines are hidden."""
        parts: list[Text] = []
        if self.hidden:
            parts.append(
                Text(
                    f"… {self.hidden:,} earlier lines hidden (the saved notebook keeps them all)",
                    style="dim italic",
                )
            )
        parts.extend(self.lines)
        if self._partial:
            parts.append(Text.from_ansi(self._partial.rsplit("\r", 1)[-1], style=self._partial_style))
        return Text("\n").join(parts)

    def _feed_stream(self, text: str, style: str) -> None:
        if self._partial and style != self._partial_style:
            self._flush_partial()
        self._partial_style = style
        pieces = (self._partial + text).split("\n")
        self._partial = pieces.pop()
        # Only the last `limit` complete lines can be visible: skip building the rest.
        if len(pieces) > self.limit:
            self.total_lines += len(pieces) - self.limit
            pieces = pieces[-self.limit :]
        for piece in pieces:
            visible = piece.rstrip("\r").rsplit("\r", 1)[-1] if "\r" in piece else piece
            self.lines.append(Text.from_ansi(visible, style=style))
            self.total_lines += 1

    def _flush_partial(self) -> None:
        if self._partial:
            self._feed_stream("\n", self._partial_style)

    def _extend(self, lines: Iterable[Text]) -> None:
        for line in lines:
            self.lines.append(line)
            self.total_lines += 1
