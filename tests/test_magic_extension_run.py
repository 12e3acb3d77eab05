"""A magic the author's IPython loaded at start-up: a real kernel names the printed
``UsageError`` and ``run --accept rules`` loads the extension in the cell."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.cli import main
from mlemod_tui.core.notebook import load_notebook, source_text


def test_an_unloaded_magic_extension_is_loaded_where_it_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "magic.ipynb"
    cells = ["x = 41", "%autoreload 2\nprint(x + 1)"]
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    output = tmp_path / "out.ipynb"
    code = main(["run", str(path), "--accept", "rules", "--output", str(output)])
    out, _ = capsys.readouterr()
    assert code == 0, out
    assert "UsageError" in out  # the printed error is named, not "the kernel reported an error"
    fixed = load_notebook(output)
    cell = fixed.cells[1]
    assert source_text(cell).splitlines()[0] == (
        "get_ipython().run_line_magic('load_ext', 'autoreload')  # %load_ext autoreload"
    )
    assert "%autoreload 2" in source_text(cell)
    assert "".join(o.get("text", "") for o in cell.outputs).strip() == "42"
