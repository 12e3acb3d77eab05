"""Per-cell overhead and output-flood throughput: our runner against nbclient.

    python benchmarks/bench_execution.py [--reps 5] [--cells 200] [--lines 200000]

Two workloads, each run through
  ours:     KernelSession + NotebookRunner.run_all()
  nbclient: NotebookClient.async_setup_kernel() + async_execute_cell() per cell
on the same kernelspec, in the same process, repetitions alternating which goes first.
Kernel start and shutdown are excluded: only the execution loop is timed. Besides wall time
it prints our process's CPU time (client side) and the kernel process's CPU time.

Goals (DESIGN/library facts): ours / nbclient <= 0.8 per trivial cell, <= 1.0 on the flood.
The figures scatter with machine load; compare the ratios taken within one repetition.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.core.execution import NotebookRunner
from mlemod_tui.core.kernel import KernelSession
from mlemod_tui.core.notebook import load_notebook

KERNEL = "python3"


@dataclass
class Sample:
    wall: float  # seconds for the whole loop
    client_cpu: float  # our process, seconds
    kernel_cpu: float  # the kernel process, seconds
    chars: int  # stream characters stored (a correctness check)


def write_notebook(folder: Path, name: str, sources: list[str]) -> Path:
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, str(path))
    return path


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _stream_chars(cells: list) -> int:
    return sum(
        len(output.get("text", ""))
        for cell in cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


async def run_ours(path: Path) -> Sample:
    notebook = load_notebook(path)
    async with KernelSession(KERNEL, cwd=path.parent) as kernel:
        pid = int((await kernel.evaluate_silently("import os", {"pid": "os.getpid()"}))["pid"])
        kernel_process = psutil.Process(pid)
        runner = NotebookRunner(notebook, kernel)
        kernel_before, client_before = _cpu(kernel_process), time.process_time()
        started = time.perf_counter()
        result = await runner.run_all()
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        kernel_cpu = _cpu(kernel_process) - kernel_before
    assert result.succeeded, result.verdict()
    return Sample(wall, client_cpu, kernel_cpu, _stream_chars(notebook.cells))


async def run_nbclient(path: Path) -> Sample:
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(
        nb, kernel_name=KERNEL, resources={"metadata": {"path": str(path.parent)}}
    )
    async with client.async_setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        kernel_process = psutil.Process(client.km.provisioner.process.pid)
        kernel_before, client_before = _cpu(kernel_process), time.process_time()
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index)
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        kernel_cpu = _cpu(kernel_process) - kernel_before
    return Sample(wall, client_cpu, kernel_cpu, _stream_chars(nb.cells))


RUNNERS = {"ours": run_ours, "nbclient": run_nbclient}


def _fmt(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    return f"{min(values) * scale:.{digits}f} / {statistics.median(values) * scale:.{digits}f}"


async def bench(name: str, path: Path, reps: int, per: int, unit: str, scale: float) -> list[float]:
    """Run ``path`` reps times through both peers; print per-rep figures; return the ratios."""
    samples: dict[str, list[Sample]] = {"ours": [], "nbclient": []}
    ratios: list[float] = []
    print(f"\n== {name} ({unit}; min / median over {reps} reps)")
    for rep in range(reps):
        order = ["ours", "nbclient"] if rep % 2 == 0 else ["nbclient", "ours"]
        got = {}
        for peer in order:
            got[peer] = await RUNNERS[peer](path)
            samples[peer].append(got[peer])
        ratio = got["ours"].wall / got["nbclient"].wall
        ratios.append(ratio)
        print(
            f"  rep {rep + 1} ({order[0]} first): ours {got['ours'].wall / per * scale:8.2f}  "
            f"nbclient {got['nbclient'].wall / per * scale:8.2f}  ratio {ratio:.2f}  "
            f"(chars {got['ours'].chars} / {got['nbclient'].chars})"
        )
    for peer, rows in samples.items():
        print(
            f"  {peer:<9} wall {_fmt([s.wall / per for s in rows], scale)} {unit}   "
            f"client CPU {_fmt([s.client_cpu / per for s in rows], scale)}   "
            f"kernel CPU {_fmt([s.kernel_cpu / per for s in rows], scale)}"
        )
    print(
        f"  ratio ours/nbclient: min {min(ratios):.2f}  median {statistics.median(ratios):.2f}"
        f"  max {max(ratios):.2f}"
    )
    return ratios


async def main_async(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="mlemod-bench-") as tmp:
        folder = Path(tmp)
        trivial = write_notebook(folder, "trivial.ipynb", ["x = 1"] * args.cells)
        flood = write_notebook(
            folder, "flood.ipynb", [f"for i in range({args.lines}):\n    print(i)"]
        )
        # one untimed warm-up of each peer: imports, kernelspec lookup, file caches
        await run_ours(write_notebook(folder, "warm.ipynb", ["x = 1"] * 5))
        await run_nbclient(folder / "warm.ipynb")
        per_cell = await bench(
            f"{args.cells} cells of `x = 1`", trivial, args.reps, args.cells, "ms/cell", 1000
        )
        flooded = await bench(
            f"one cell printing {args.lines:,} lines", flood, args.reps, 1, "s", 1
        )
    cell_median, flood_median = statistics.median(per_cell), statistics.median(flooded)
    print(
        f"\nsummary: per-cell ratio median {cell_median:.2f} (goal <= 0.8), "
        f"flood ratio median {flood_median:.2f} (goal <= 1.0)"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--cells", type=int, default=200)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {psutil.cpu_count()} CPUs, load {psutil.getloadavg()}")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
