"""Types and lint are gates: CI runs pytest, so these two tests hold `mypy --strict` and `ruff
check` to clean (the configuration is in pyproject.toml; both come with the `test` extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=280
    )


@pytest.mark.timeout(300)
def test_mypy_strict_is_clean() -> None:
    done = _run("mypy", "--strict", "mlemod_tui")
    assert done.returncode == 0, f"mypy --strict mlemod_tui:\n{done.stdout}{done.stderr}"


@pytest.mark.timeout(300)
def test_ruff_is_clean() -> None:
    done = _run("ruff", "check", "mlemod_tui", "tests", "benchmarks")
    assert done.returncode == 0, f"ruff check mlemod_tui tests benchmarks:\n{done.stdout}{done.stderr}"
