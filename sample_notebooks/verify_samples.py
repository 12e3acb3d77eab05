#!/usr/bin/env python
"""Check the sample notebooks against today's libraries.

    .venv/bin/python sample_notebooks/verify_samples.py [name.ipynb ...]

For every eroded notebook: run it as stored (it must fail at the documented
cell with the documented exception), then apply the documented fix (it must
run to the end and print a metric), and, where the erosion also hides a silent
default change, run the fix plus the old defaults (the metric must match the
stored one). The clean notebook must run through and reproduce its metric.
Nothing is written to disk; notebooks run with this folder as cwd.
"""

import copy
import os
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep this folder free of __pycache__
import build_samples  # noqa: E402


def run(nb):
    """Execute in memory; return (seconds, failing cell index or None, ename, evalue)."""
    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": HERE}})
    t = time.time()
    try:
        client.execute()
    except CellExecutionError as exc:
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                if out.output_type == "error":
                    return time.time() - t, i, out.ename, out.evalue
        return time.time() - t, -1, exc.ename, exc.evalue
    return time.time() - t, None, None, None


def metric(nb, regex):
    text = ""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stdout":
                text += out.text
    found = re.findall(regex, text)
    return float(found[-1]) if found else None


def patched(nb, replacements):
    nb = copy.deepcopy(nb)
    for old, new in replacements:
        hits = 0
        for cell in nb.cells:
            if old in cell.source:
                cell.source = cell.source.replace(old, new)
                hits += 1
        assert hits, "fix not applicable: %r" % old
    return nb


def main(argv):
    ok = True
    for spec in build_samples.SPECS:
        name = spec["filename"]
        if argv and name not in argv:
            continue
        ero = spec["erosion"]
        regex = spec.get("metric_regex") or ero["metric_regex"]
        nb = nbformat.read(os.path.join(HERE, name), as_version=4)
        # build_workshop_samples.py puts a "Workshop: what to try" cell first
        shift = 1 if nb.cells and "workshop" in nb.cells[0].metadata.get("tags", []) else 0
        stored = metric(nb, regex)
        print("== %s  (stored metric %s)" % (name, stored))

        executed = copy.deepcopy(nb)
        secs, cell, ename, evalue = run(executed)
        if ero is None:
            good = cell is None and metric(executed, regex) == stored
            ok &= good
            print("   as stored : %.1fs  %s  metric %s  [%s]" % (
                secs, "runs clean" if cell is None else "FAILED at cell %s: %s: %s" % (cell, ename, evalue),
                metric(executed, regex), "as documented" if good else "UNEXPECTED"))
            continue
        first_line = (evalue or "").splitlines()[0] if evalue else ""
        good = cell == ero["cell"] + shift and ename == ero["exception"] and first_line == ero["message"]
        ok &= good
        print("   as stored : %.1fs  cell %s  %s: %s  [%s]" % (secs, cell, ename, first_line,
                                                             "as documented" if good else "UNEXPECTED"))

        fixed = patched(nb, ero["fixes"])
        secs, cell, ename, evalue = run(fixed)
        value = metric(fixed, regex)
        ok &= cell is None
        print("   fixed     : %.1fs  %s  metric %s" % (
            secs, "runs to the end" if cell is None else "FAILED at cell %s: %s: %s" % (cell, ename, evalue),
            value))
        if ero["reference"]:
            ref = patched(nb, ero["fixes"] + ero["reference"])
            secs, cell, ename, evalue = run(ref)
            value = metric(ref, regex)
            ok &= cell is None
            print("   fix + old defaults: %.1fs  %s  metric %s" % (
                secs, "runs to the end" if cell is None else "FAILED: %s: %s" % (ename, evalue), value))
    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
