"""Loading, upgrading, validating, editing and saving notebooks (no kernel needed)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nbformat
import pytest

from mlemod_tui.core.notebook import load_notebook, source_text, write_atomic
from mlemod_tui.errors import MlemodError, NotebookError

V3_NOTEBOOK = {
    "metadata": {"name": "old"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [
        {
            "cells": [
                {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Old analysis"]},
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": ["x = 1\n", "print(x)"],
                    "language": "python",
                    "metadata": {},
                    "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["1\n"]}],
                    "prompt_number": 1,
                },
                {"cell_type": "markdown", "metadata": {}, "source": ["Some *text*"]},
                {
                    "cell_type": "code",
                    "collapsed": False,
                    "input": ["x + 1"],
                    "language": "python",
                    "metadata": {},
                    "outputs": [
                        {
                            "metadata": {},
                            "output_type": "pyout",
                            "prompt_number": 2,
                            "text": ["2"],
                        }
                    ],
                    "prompt_number": 2,
                },
            ],
            "metadata": {},
        }
    ],
}


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --------------------------------------------------------------------------- loading


def test_v44_notebook_gets_ids_stable_across_loads(tmp_path: Path, make_notebook) -> None:
    path = make_notebook(tmp_path, ["a = 1", ("markdown", "# Title"), "a + 1"], minor=4)
    assert "id" not in json.loads(path.read_text())["cells"][0]  # really a 4.4 file

    first, second = load_notebook(path), load_notebook(path)

    ids = [cell.id for cell in first.cells]
    assert ids == [cell.id for cell in second.cells]
    assert len(set(ids)) == 3 and all(isinstance(i, str) and i for i in ids)
    assert first.original_version == (4, 4)
    assert first.node.nbformat == 4 and first.node.nbformat_minor >= 5
    nbformat.validate(first.node)  # a valid 4.5 notebook, ids included
    assert first.code_cell_indices() == [0, 2]
    assert first.kernel_name() == "python3"


def test_existing_ids_are_kept_and_duplicates_repaired(
    tmp_path: Path, make_notebook, recwarn: pytest.WarningsRecorder
) -> None:
    path = make_notebook(tmp_path, ["a = 1", "b = 2", "c = 3"])
    raw = json.loads(path.read_text())
    raw["cells"][0]["id"] = "keep-me"
    raw["cells"][1]["id"] = "dup"
    raw["cells"][2]["id"] = "dup"
    path.write_text(json.dumps(raw))

    nb = load_notebook(path)

    ids = [cell.id for cell in nb.cells]
    assert ids[0] == "keep-me" and ids[1] == "dup"
    assert len(set(ids)) == 3
    assert load_notebook(path).cells[2].id == ids[2]  # the repair is deterministic
    assert not [w for w in recwarn if "nbformat" in w.filename]  # and silent (no stderr noise)


def test_v45_cells_without_ids_get_stable_ids_silently(
    tmp_path: Path, make_notebook, recwarn: pytest.WarningsRecorder
) -> None:
    path = make_notebook(tmp_path, ["a = 1", "b = 2"])
    raw = json.loads(path.read_text())
    for cell in raw["cells"]:
        del cell["id"]
    path.write_text(json.dumps(raw))

    ids = [c.id for c in load_notebook(path).cells]

    assert ids == [c.id for c in load_notebook(path).cells]
    assert len(set(ids)) == 2
    assert not [w for w in recwarn if "nbformat" in w.filename]


def test_v3_notebook_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(V3_NOTEBOOK), encoding="utf-8")

    nb = load_notebook(path)

    assert nb.original_version == (3, 0)
    assert nb.node.nbformat == 4
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "markdown", "code"]
    assert source_text(nb.cells[0]).startswith("# Old analysis")
    assert source_text(nb.cells[1]) == "x = 1\nprint(x)"
    assert nb.cells[1].execution_count == 1
    assert nb.cells[1].outputs[0].output_type == "stream"
    assert nb.cells[1].outputs[0].name == "stdout"
    assert nb.cells[3].outputs[0].output_type == "execute_result"
    assert nb.cells[3].outputs[0].data["text/plain"] == "2"
    assert len({c.id for c in nb.cells}) == 4
    assert [c.id for c in load_notebook(path).cells] == [c.id for c in nb.cells]  # stable
    nbformat.validate(nb.node)
    # and it saves as a valid v4 notebook
    out = nb.save(tmp_path / "old.v4.ipynb")
    assert nbformat.read(str(out), as_version=4).nbformat == 4


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("not-json.ipynb", "{ this is not json", "not JSON"),
        ("empty.ipynb", "", "not JSON"),
        ("list.ipynb", "[1, 2, 3]", "not a Jupyter notebook"),
        ("object.ipynb", '{"cells": []}', "not a Jupyter notebook"),
        ("null.ipynb", "null", "not a Jupyter notebook"),
        ("v5.ipynb", '{"nbformat": 5, "nbformat_minor": 0, "cells": []}', "unsupported nbformat version 5"),
        ("v2.ipynb", '{"nbformat": 2, "worksheets": []}', "unsupported nbformat version 2"),
        ("string-version.ipynb", '{"nbformat": "4", "cells": []}', "unsupported nbformat version"),
        (
            "cells-not-list.ipynb",
            '{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": "nope"}',
            "not a valid notebook",
        ),
        (
            "no-cells.ipynb",
            '{"nbformat": 4, "nbformat_minor": 4, "metadata": {}}',
            "not a valid notebook",
        ),
        (
            "cells-not-dicts.ipynb",
            '{"nbformat": 4, "nbformat_minor": "x", "metadata": {}, "cells": [1, 2]}',
            "not a valid notebook",
        ),
        (
            "bad-source.ipynb",
            '{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "code",'
            ' "source": 5, "metadata": {}, "outputs": [], "execution_count": null}]}',
            "not a valid notebook",
        ),
        (
            "bad-v3.ipynb",
            '{"nbformat": 3, "nbformat_minor": 0, "metadata": {}}',
            "not a valid notebook",
        ),
        (
            "bad-cell.ipynb",
            '{"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [{"cell_type": "weird"}]}',
            "not a valid notebook",
        ),
    ],
)
def test_malformed_content_is_one_clear_line(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NotebookError) as info:
        load_notebook(path)
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message
    assert isinstance(info.value, MlemodError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotebookError, match="no such file") as info:
        load_notebook(tmp_path / "nope.ipynb")
    assert "\n" not in str(info.value)


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.ipynb"
    folder.mkdir()
    with pytest.raises(NotebookError, match="is a directory") as info:
        load_notebook(folder)
    assert "\n" not in str(info.value)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.ipynb"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd")
    with pytest.raises(NotebookError, match="not a text file") as info:
        load_notebook(path)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- editing


def test_set_source_changes_only_that_cell(tmp_path: Path, make_notebook) -> None:
    path = make_notebook(
        tmp_path, ["import math", ("markdown", "notes"), "y = math.pi", "print(y)"]
    )
    untouched = load_notebook(path)
    edited = load_notebook(path)
    target = edited.cells[2].id

    edited.set_source(target, "y = math.tau\n# modernized")

    before = json.loads(untouched.save(tmp_path / "before.ipynb").read_text())
    after = json.loads(edited.save(tmp_path / "after.ipynb").read_text())
    assert source_text(after["cells"][2]) == "y = math.tau\n# modernized"
    after["cells"][2]["source"] = before["cells"][2]["source"]
    assert after == before  # metadata, ids, outputs, the other cells: all identical


def test_original_copy_unaffected_by_edits(tmp_path: Path, make_notebook) -> None:
    path = make_notebook(tmp_path, ["a = 1", "b = 2"])
    nb = load_notebook(path)
    cell_id = nb.cells[1].id

    nb.set_source(cell_id, "b = 3")
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="today\n")]
    nb.cells[0].metadata["changed"] = True

    assert source_text(nb.original.cells[1]) == "b = 2"
    assert nb.original.cells[0].outputs == []
    assert "changed" not in nb.original.cells[0].metadata
    assert nb.cell(cell_id).source == "b = 3"
    with pytest.raises(KeyError):
        nb.index_of("no-such-id")


def test_default_output_path(tmp_path: Path, make_notebook) -> None:
    nb = load_notebook(make_notebook(tmp_path, ["1"], name="analysis.ipynb"))
    assert nb.default_output_path() == tmp_path / "analysis.modernized.ipynb"
    assert nb.folder == tmp_path
    assert nb.name == "analysis"


# --------------------------------------------------------------------------- saving


def test_atomic_save_round_trips_and_leaves_no_temp_files(tmp_path: Path, make_notebook) -> None:
    path = make_notebook(tmp_path, ["x = 'héllo ✓'", ("markdown", "ünïcode")])
    nb = load_notebook(path)
    nb.set_source(nb.cells[0].id, "x = 'changed ✓'")
    out = tmp_path / "out.ipynb"

    nb.save(out)
    nb.save(out)  # over an existing file too

    assert _files(tmp_path) == {"nb.ipynb", "out.ipynb"}
    reloaded = load_notebook(out)
    assert reloaded.node == nb.node
    assert source_text(reloaded.cells[0]) == "x = 'changed ✓'"
    assert out.read_text(encoding="utf-8").endswith("\n")


def test_save_preserves_mode_of_existing_file(tmp_path: Path, make_notebook) -> None:
    nb = load_notebook(make_notebook(tmp_path, ["1"]))
    out = tmp_path / "out.ipynb"
    out.write_text("old content")
    os.chmod(out, 0o640)

    nb.save(out)

    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert load_notebook(out).node == nb.node


def test_save_keeps_0644_of_the_original_when_overwriting(tmp_path: Path, make_notebook) -> None:
    source = make_notebook(tmp_path, ["1"])
    os.chmod(source, 0o644)
    nb = load_notebook(source)

    nb.save(source)

    assert stat.S_IMODE(source.stat().st_mode) == 0o644


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_save_of_a_new_file_uses_the_umask_default(
    tmp_path: Path, make_notebook, umask: int
) -> None:
    nb = load_notebook(make_notebook(tmp_path, ["1"]))
    old = os.umask(umask)
    try:
        out = nb.save(tmp_path / "new.ipynb")
    finally:
        os.umask(old)

    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_save_creates_missing_folders(tmp_path: Path, make_notebook) -> None:
    nb = load_notebook(make_notebook(tmp_path, ["1"]))
    out = nb.save(tmp_path / "a" / "b" / "out.ipynb")
    assert out.exists() and load_notebook(out).node == nb.node


def test_failed_save_raises_cleanly_and_leaves_no_temp_file(tmp_path: Path, make_notebook) -> None:
    nb = load_notebook(make_notebook(tmp_path, ["1"]))
    target = tmp_path / "taken.ipynb"
    target.mkdir()  # a folder where the file should go: the final rename fails
    (target / "keep").write_text("x")

    with pytest.raises(NotebookError, match="cannot write") as info:
        nb.save(target)

    assert "\n" not in str(info.value)
    assert _files(tmp_path) == {"nb.ipynb", "taken.ipynb"}
    assert (target / "keep").read_text() == "x"


def test_write_atomic_replaces_whole_content(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("a much longer old content that must not survive\n")
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert _files(tmp_path) == {"f.txt"}
