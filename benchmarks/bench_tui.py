"""TUI speed, measured against peers in the same run (these machines are noisy).

Prints:
1. time to first paint for a generated 1,000-cell notebook with outputs (goal < 1 s), from
   reading the file to the main screen mounted and rendered;
2. key-press-to-effect delay p50/p95 while a cell prints 200,000 lines (goal p95 < 100 ms);
3. that cell's wall time inside the TUI divided by the headless runner's (goal <= 1.1).

Usage: python benchmarks/bench_tui.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from textual import events

from mlemod_tui.core.execution import NotebookRunner
from mlemod_tui.core.kernel import KernelSession
from mlemod_tui.core.notebook import load_notebook
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.tui.app import MlemodApp
from mlemod_tui.tui.messages import RunCompleted
from mlemod_tui.tui.screens.notebook_screen import NotebookScreen
from mlemod_tui.tui.widgets.cell_view import CellView

FLOOD = "for i in range(200000):\n    print(i)"
SIZE = (160, 48)


def big_notebook(folder: Path, cells: int = 1000) -> Path:
    made = []
    for i in range(cells):
        if i % 10 == 0:
            made.append(new_markdown_cell(f"## Section {i // 10}\nSome explanation."))
            continue
        cell = new_code_cell(f"x_{i} = {i}\nprint('value', x_{i})\nx_{i} * 2", execution_count=i)
        cell.outputs = [
            new_output("stream", name="stdout", text=f"value {i}\n"),
            new_output("execute_result", data={"text/plain": str(i * 2)}, execution_count=i),
        ]
        made.append(cell)
    path = folder / "big.ipynb"
    nbformat.write(new_notebook(cells=made), path)
    return path


def session_for(path: Path) -> NotebookSession:
    notebook = load_notebook(path)
    return NotebookSession(
        notebook, kernel_name="python3", output_path=notebook.default_output_path()
    )


async def first_paint(path: Path) -> float:
    started = time.perf_counter()
    app = MlemodApp(session_for(path), autostart=False)
    async with app.run_test(size=SIZE) as pilot:
        while not isinstance(app.screen, NotebookScreen) or not app.screen.is_mounted:
            await asyncio.sleep(0.001)
        await pilot.pause()  # let the first frame render
        return time.perf_counter() - started


async def flood_in_tui(path: Path) -> tuple[float, list[float]]:
    """Wall time of the flood cell in the TUI, and key-press delays measured during it."""
    seen: list[object] = []
    app = MlemodApp(session_for(path), animations=True)
    delays: list[float] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        while app.session.kernel.state != "idle":
            await pilot.pause(0.02)
        started = time.perf_counter()
        await pilot.press("r")
        view = app.screen.query_one(CellView)
        while not any(isinstance(m, RunCompleted) for m in seen):
            before = view.show_outputs
            pressed = time.perf_counter()
            # A key event as the terminal driver delivers it (Pilot.press waits for the app
            # to be idle, which a flooding app never is, so it would measure that wait).
            app.post_message(events.Key("o", "o"))
            while view.show_outputs == before:  # the effect: outputs toggled
                await asyncio.sleep(0.0005)
            delays.append(time.perf_counter() - pressed)
            await asyncio.sleep(0.05)
        wall = time.perf_counter() - started
        if not view.show_outputs:
            await pilot.press("o")
    return wall, delays


async def flood_headless(path: Path) -> float:
    notebook = load_notebook(path)
    async with KernelSession("python3", cwd=notebook.folder) as kernel:
        runner = NotebookRunner(notebook, kernel)
        started = time.perf_counter()
        await runner.run_all()
        return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


async def main(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        big = big_notebook(folder)
        flood = folder / "flood.ipynb"
        nbformat.write(new_notebook(cells=[new_code_cell(FLOOD)]), flood)

        paints = [await first_paint(big) for _ in range(repeats)]
        print(
            f"first paint, 1,000 cells: min {min(paints):.3f} s,"
            f" median {statistics.median(paints):.3f} s (goal < 1 s)"
        )

        ratios, all_delays = [], []
        for rep in range(repeats):
            # alternate the order so neither side always runs on a warmer machine
            if rep % 2 == 0:
                tui, delays = await flood_in_tui(flood)
                headless = await flood_headless(flood)
            else:
                headless = await flood_headless(flood)
                tui, delays = await flood_in_tui(flood)
            all_delays.extend(delays)
            ratios.append(tui / headless)
            print(f"rep {rep}: flood in TUI {tui:.2f} s, headless {headless:.2f} s, ratio {tui / headless:.2f}, "
                  f"{len(delays)} key presses")
        print(f"key-press-to-effect during the flood: p50 {percentile(all_delays, 0.5) * 1000:.1f} ms, "
              f"p95 {percentile(all_delays, 0.95) * 1000:.1f} ms (goal p95 < 100 ms)")
        print(f"flood wall time TUI / headless: median {statistics.median(ratios):.2f} (goal <= 1.1)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    asyncio.run(main(parser.parse_args().repeats))
