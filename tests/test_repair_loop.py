"""The headless repair loop end to end: real kernel, real `ollama` client, loopback server."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.cli import main
from tests.fake_ollama import FakeOllama

SAMPLES = Path(__file__).resolve().parents[1] / "sample_notebooks"

CRASHING = [
    "values = [3, 4, 5]\nprint('n =', len(values))",
    "total = sum(values)\nmean = total / len(valuez)\nprint('mean:', mean)",
    "print('done')",
]
GOOD_DIFF = """The list is called `values`; `valuez` is a typo.

```diff
--- a/cell/{cid}
+++ b/cell/{cid}
@@ -1,3 +1,3 @@
 total = sum(values)
-mean = total / len(valuez)
+mean = total / len(values)
 print('mean:', mean)
```
"""


def _write(tmp_path: Path, cells: list[str]) -> Path:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in cells]), path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cell_id(path: Path, index: int) -> str:
    from mlemod_tui.core.notebook import load_notebook

    return load_notebook(path).cells[index].id


def test_model_repairs_a_crash_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, CRASHING)
    before = _digest(path)
    report = tmp_path / "report.json"
    with FakeOllama(reply=GOOD_DIFF.format(cid=_cell_id(path, 1))) as server:
        code = main(
            ["run", str(path), "--accept", "all", "--ollama-host", server.url, "--report", str(report), "--quiet"]
        )
        prompt = server.chat_requests()[0]["messages"][-1]["content"]
    assert code == 0, capsys.readouterr()
    assert "valuez" in prompt and "NameError" in prompt  # the failing cell and its error went to the model
    saved = nbformat.read(tmp_path / "nb.modernized.ipynb", as_version=4)
    assert "len(values)" in saved.cells[1].source
    patches = saved.metadata["mlemod"]["patches"]
    assert patches[0]["source"] == "qwen2.5-coder:7b" and patches[0]["kind"] == "error-repair"
    data = json.loads(report.read_text())
    assert data["reproducible"] is True and data["steps"][0]["applied"] is True
    journal = tmp_path / ".mlemod" / "nb.journal.jsonl"
    assert json.loads(journal.read_text().splitlines()[0])["event"] == "applied"
    assert _digest(path) == before


@pytest.mark.parametrize(
    "reply,fail",
    [
        ("I am not sure what to do here.", None),  # garbage: no code
        ("```python\nmean = total / len(values\n```", None),  # does not compile
        (GOOD_DIFF.format(cid="cell-1").replace("total = sum(values)", "total = sum(other)"), None),  # does not apply
        ("", "drop_midstream"),
        ("", "unknown_model"),
    ],
)
def test_bad_answers_change_nothing(tmp_path: Path, reply: str, fail: str | None) -> None:
    path = _write(tmp_path, CRASHING)
    with FakeOllama(reply=reply, fail=fail) as server:
        code = main(
            ["run", str(path), "--accept", "all", "--ollama-host", server.url, "--max-attempts", "2", "--quiet"]
        )
    assert code == 1
    saved = nbformat.read(tmp_path / "nb.modernized.ipynb", as_version=4)
    assert saved.cells[1].source == CRASHING[1]  # the notebook is unchanged
    assert saved.metadata.get("mlemod", {}).get("patches", []) == []


def test_unreachable_ollama_falls_back_to_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for item in SAMPLES.iterdir():
        if item.suffix in (".ipynb", ".csv") and ".modernized" not in item.name:
            shutil.copy(item, tmp_path / item.name)
    path = tmp_path / "wine_model_comparison.ipynb"
    code = main(["run", str(path), "--accept", "all", "--ollama-host", "http://127.0.0.1:9", "--report", str(tmp_path / "r.md")])
    out = capsys.readouterr().out
    assert "not reachable" in out and "offline rules only" in out
    assert code == 0, out
    report = (tmp_path / "r.md").read_text()
    assert "rule:pandas-append" in report and "reproducible:** yes" in report


def test_accept_none_applies_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, CRASHING)
    assert main(["run", str(path), "--accept", "none", "--quiet"]) == 1
    assert not (tmp_path / ".mlemod").exists()
