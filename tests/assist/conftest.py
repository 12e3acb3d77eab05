"""Markers for the rule tests: ``syntax_only`` (library not installed: the rewrite is checked
on the syntax tree only) and ``samples`` (runs the sample notebooks on a real kernel)."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")  # rule cases draw plots; never open a window


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "syntax_only: the library is not installed; only the rewrite is checked"
    )
    config.addinivalue_line(
        "markers", "samples: executes the sample notebooks with nbclient (about 40 s)"
    )
