"""The real-notebook corpus manifest is well-formed, and its restore script starts.

No network and no mirrors: this reads corpus/manifest.json and runs ``restore.py --help`` and
``--list`` only. The notebooks themselves are third-party files restored on demand (see
corpus/README.md), so nothing here may depend on them being present.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MANIFEST = CORPUS / "manifest.json"
RESTORE = CORPUS / "restore.py"

# The list: the corpus may only come from these repositories (others are held out).
ALLOWED_REPOS = {
    "wesm/pydata-book",
    "jvns/pandas-cookbook",
    "amueller/scipy-2017-sklearn",
    "amueller/introduction_to_ml_with_python",
    "udacity/machine-learning",
    "rasbt/python-machine-learning-book",
    "rhiever/Data-Analysis-and-Machine-Learning-Projects",
    "jrjohansson/scientific-python-lectures",
    "nborwankar/LearnDataScience",
    "ethen8181/machine-learning",
    "dipanjanS/practical-machine-learning-with-python",
}
REQUIRED = {
    "id": str,
    "repo": str,
    "commit": str,
    "commit_date": str,
    "path": str,
    "support": list,
    "needs": list,
    "stored_metrics": list,
    "runtime_seconds": (int, float),
}
METRIC_FIELDS = {"cell", "name", "occurrence", "value", "percent", "text"}


@pytest.fixture(scope="module")
def entries() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["notebooks"]


def test_at_least_forty_notebooks(entries: list[dict[str, Any]]) -> None:
    assert len(entries) >= 40


def test_every_entry_has_the_fields(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        for name, kind in REQUIRED.items():
            assert isinstance(entry.get(name), kind), (entry.get("id"), name)
        assert "first_error" in entry, entry["id"]


def test_ids_are_unique_and_folder_safe(entries: list[dict[str, Any]]) -> None:
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) for name in ids), ids


def test_sources_are_allowed_repos_at_full_commits(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        assert entry["repo"] in ALLOWED_REPOS, entry["id"]
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry["id"]
        assert entry.get("ref") is None or entry["ref"].startswith("refs/"), entry["id"]


def test_commits_are_dated_2013_to_2019(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        assert "2013" <= entry["commit_date"][:4] <= "2019", (entry["id"], entry["commit_date"])


def test_paths_are_relative_and_stay_inside_the_repo(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        assert entry["path"].endswith(".ipynb"), entry["id"]
        for path in [entry["path"], *entry["support"]]:
            assert not path.startswith("/") and ".." not in Path(path).parts, (entry["id"], path)


def test_first_error_and_metrics_are_shaped(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        error = entry["first_error"]
        if error is not None:
            assert {"cell", "ename", "message"} <= set(error), entry["id"]
            assert isinstance(error["ename"], str) and error["ename"], entry["id"]
        for metric in entry["stored_metrics"]:
            assert METRIC_FIELDS <= set(metric), (entry["id"], metric)
            assert isinstance(metric["value"], (int, float)), (entry["id"], metric)


def test_every_notebook_crashes_or_has_metrics_to_drift(entries: list[dict[str, Any]]) -> None:
    """A corpus notebook is there because today's libraries break it (or may change its
    numbers); one that runs clean with nothing to compare measures nothing."""
    for entry in entries:
        assert entry["first_error"] is not None or entry["stored_metrics"], entry["id"]


def test_restore_help_and_list_work_offline() -> None:
    help_text = subprocess.run(
        [sys.executable, str(RESTORE), "--help"], capture_output=True, text=True, timeout=60
    )
    assert help_text.returncode == 0, help_text.stderr
    assert "--mirrors" in help_text.stdout
    listed = subprocess.run(
        [sys.executable, str(RESTORE), "--list"], capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(json.loads(MANIFEST.read_text())["notebooks"])


def test_restore_without_mirrors_fails_cleanly(tmp_path: Path) -> None:
    """No mirror and --offline: one error line per repository and exit 1, no traceback."""
    result = subprocess.run(
        [sys.executable, str(RESTORE), "--offline", "--mirrors", str(tmp_path / "none"),
         "--clone-dir", str(tmp_path / "clones"), "--dest", str(tmp_path / "out"),
         "--only", json.loads(MANIFEST.read_text())["notebooks"][0]["id"]],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no mirror" in result.stderr
