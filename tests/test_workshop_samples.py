"""The workshop kit (issue #6): every sample notebook opens, scans and runs to its documented
outcome.

The outcomes are documented once, in ``sample_notebooks/outcomes.json`` (written by
``sample_notebooks/build_workshop_samples.py``, described in ``sample_notebooks/README.md``
and ``docs/workshop.md``). Each run works on a copy in ``tmp_path``, so nothing is written
into the repository. Cell indices are 0-based and count every cell.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

from mlemod_tui.assist.proposal import proposals_for_kind
from mlemod_tui.cli import main
from mlemod_tui.core.notebook import load_notebook, source_text
from mlemod_tui.core.runtime import parse_duration, stored_timings
from tests.fake_ollama import FakeOllama

SAMPLES = Path(__file__).resolve().parents[1] / "sample_notebooks"
MANIFEST: dict[str, Any] = json.loads((SAMPLES / "outcomes.json").read_text(encoding="utf-8"))
DOCUMENTED: dict[str, Any] = MANIFEST["notebooks"]
NOTEBOOKS = sorted(
    p.name for p in SAMPLES.glob("*.ipynb") if not p.name.endswith(".modernized.ipynb")
)
RUNS = [
    pytest.param(name, number, id=f"{name.removesuffix('.ipynb')}-{number}")
    for name in NOTEBOOKS
    for number in range(len(DOCUMENTED.get(name, {}).get("runs", [])))
]
# What issue #6 asks the kit to exercise, and the words its notebooks' exercises use for it.
EXERCISES = {
    "crash repaired by a rule": "crash repaired by a rule",
    "crash that needs the model": "needs the model",
    "runtime over budget": "runtime over budget",
    "score drift from a changed default": "score drift from a changed default",
    "out-of-order notebook": "out-of-order",
    "an error no code patch fixes": "no code patch fixes",
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_workshop_samples", SAMPLES / "build_workshop_samples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy_samples(tmp_path: Path) -> None:
    for item in SAMPLES.iterdir():
        if item.suffix in (".ipynb", ".csv") and not item.name.endswith(".modernized.ipynb"):
            shutil.copy(item, tmp_path / item.name)


def _stdout_text(path: Path) -> str:
    saved = nbformat.read(path, as_version=4)
    return "".join(
        out.get("text", "")
        for cell in saved.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stdout"
    )


# --------------------------------------------------------------------------- the kit


def test_the_kit_covers_every_exercise_of_the_issue() -> None:
    assert len(NOTEBOOKS) >= 8
    assert set(DOCUMENTED) == set(NOTEBOOKS), "outcomes.json must document every sample"
    described = " | ".join(entry["exercise"] for entry in DOCUMENTED.values())
    for exercise, words in EXERCISES.items():
        assert words in described, f"no sample exercises: {exercise}"


def test_outcomes_json_and_the_new_notebooks_are_what_the_generator_writes() -> None:
    """Edit build_workshop_samples.py, not the files it writes (then run it again)."""
    gen = _generator()
    assert json.loads((SAMPLES / "outcomes.json").read_text(encoding="utf-8")) == gen.outcomes()
    for spec in gen.SPECS:
        expected = nbformat.writes(gen.build_notebook(spec))
        assert (SAMPLES / spec["filename"]).read_text(encoding="utf-8") == expected, spec["filename"]
    reply = (SAMPLES / gen.MODEL_REPLY).read_text(encoding="utf-8")
    assert reply == gen.model_reply()


# --------------------------------------------------------------------------- opens


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_opens_and_starts_with_what_to_try(name: str) -> None:
    notebook = load_notebook(SAMPLES / name)
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert "workshop" in first.metadata.get("tags", []), (
        "the workshop cell is missing: run sample_notebooks/build_workshop_samples.py "
        "(after build_samples.py)"
    )
    assert source_text(first).startswith("### Workshop: what to try")
    assert len(source_text(first).splitlines()) <= 16, "keep the workshop cell short"
    # an old notebook: stored outputs, execution counts and per-cell timings, no cell ids
    raw = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    assert raw["nbformat"] == 4 and raw["nbformat_minor"] < 5
    assert all("id" not in cell for cell in raw["cells"])
    code = [cell for cell in raw["cells"] if cell["cell_type"] == "code"]
    assert code and all(isinstance(cell["execution_count"], int) for cell in code)
    assert set(stored_timings(raw["cells"])) == {
        i for i, cell in enumerate(raw["cells"]) if cell["cell_type"] == "code"
    }


# --------------------------------------------------------------------------- scans


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_scans_to_the_documented_findings(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = DOCUMENTED[name]["scan"]
    code = main(["scan", str(SAMPLES / name), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == expected["exit"]
    [found] = data["notebooks"]
    findings = {str(c["index"]): [f["rule"] for f in c["findings"]] for c in found["cells"]}
    assert findings == expected["findings"]
    order = sorted({(p["kind"], p["cell"]) for p in found.get("order", [])})
    assert order == sorted(tuple(pair) for pair in expected["order"])


def test_the_runtime_rule_offers_n_jobs_for_the_slow_notebook() -> None:
    """What `b` proposes first on the runtime notebook (no kernel needed to know it)."""
    name = "runtime_over_budget_digits_forest.ipynb"
    expected = DOCUMENTED[name]["runtime_rule"]
    notebook = load_notebook(SAMPLES / name)
    sources = {notebook.cells[i].id: source_text(notebook.cells[i]) for i in notebook.code_cell_indices()}
    [proposal, *_] = proposals_for_kind(sources, "runtime-reduction")
    assert proposal.source == expected["source"]
    [patched] = proposal.patch.cells
    assert notebook.index_of(patched.cell_id) == expected["cell"]
    assert "n_jobs=-1" in "\n".join(line for hunk in patched.hunks for line in hunk.lines)


# --------------------------------------------------------------------------- runs


def _check_steps(steps: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(steps) == len(expected), steps
    for step, want in zip(steps, expected, strict=True):
        assert step["kind"] == want["kind"]
        assert step["cell_index"] == want["cell"]
        assert step["applied"] == want["applied"]
        if "ename" in want:
            assert re.match(rf"cell {want['cell']}: {want['ename']}\b", step["problem"]), step["problem"]
        if "source" in want:
            assert (step["source"] or "").startswith(want["source"]), step["source"]
        if "note" in want:
            assert want["note"] in step["note"], step["note"]


@pytest.mark.parametrize(("name", "number"), RUNS)
def test_runs_to_the_documented_outcome(
    name: str, number: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = DOCUMENTED[name]["runs"][number]
    _copy_samples(tmp_path)
    path = tmp_path / name
    before = _digest(path)
    if "churn_data" in run.get("setup", {}):
        assert _generator().main(["--churn-data", str(tmp_path / run["setup"]["churn_data"])]) == 0
    capsys.readouterr()
    args = ["run", str(path), "--quiet", "--json", *run["flags"]]
    if "{scripted_model}" in run["flags"]:
        reply = (SAMPLES / run["scripted_model_reply"]).read_text(encoding="utf-8")
        with FakeOllama(reply=reply) as server:
            code = main([server.url if a == "{scripted_model}" else a for a in args])
    else:
        code = main(args)
    data = json.loads(capsys.readouterr().out)
    assert code == run["exit"], data.get("error")
    assert data["reproducible"] == run["reproducible"]
    if "error" in run:
        assert (data["error"]["cell"], data["error"]["ename"]) == (
            run["error"]["cell"],
            run["error"]["ename"],
        )
    else:
        assert "error" not in data, data["error"]
    _check_steps(data.get("steps", []), run.get("steps", []))
    if run.get("over_budget"):
        budget = run["flags"][run["flags"].index("--budget") + 1]
        assert data["seconds"] > parse_duration(budget)
    if "metric" in run:
        assert run["metric"] in _stdout_text(Path(data["output"]))
    assert _digest(path) == before  # the original is never written
