"""What the kernel's machine runs: libraries, Python and GPUs, read through the kernel."""

from __future__ import annotations

import platform

import numpy

from mlemod_tui.core.environment import (
    _gpu_rows,
    imported_modules,
    libraries_to_report,
    parse_probe,
    probe_environment,
)
from mlemod_tui.core.kernel import KernelSession


def test_imported_modules_reads_imports_and_survives_magics() -> None:
    sources = ["import numpy as np\n%matplotlib inline\nfrom sklearn.svm import SVC", "import os, pandas"]
    assert imported_modules(sources) == ["numpy", "sklearn", "os", "pandas"]
    assert libraries_to_report(sources) == ["numpy", "pandas", "sklearn"]  # known ML first, no stdlib


def test_the_notebooks_own_modules_are_not_libraries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "preamble.py").write_text("import numpy\n")
    (tmp_path / "mglearn").mkdir()
    (tmp_path / "mglearn" / "__init__.py").write_text("")
    sources = ["from preamble import *\nimport mglearn\nimport pandas as pd"]
    assert libraries_to_report(sources, tmp_path) == ["pandas"]
    assert libraries_to_report(sources) == ["pandas", "preamble", "mglearn"]


def test_nvidia_smi_rows_are_parsed_and_bad_rows_skipped() -> None:
    rows = _gpu_rows("NVIDIA H100 80GB HBM3, 1024, 81559, 37\nTesla K80, [N/A], 11441, 0\n")
    assert len(rows) == 1
    assert rows[0].describe() == "NVIDIA H100 80GB HBM3 1.0/79.6 GiB 37%"


def test_unreadable_probe_output_is_unknown_not_a_crash() -> None:
    assert parse_probe(None).python == "unknown"
    assert parse_probe("not json").gpu_summary() == "no GPU"


async def test_probe_reads_versions_from_the_kernel_without_touching_the_namespace() -> None:
    async with KernelSession() as kernel:
        facts = await probe_environment(kernel, ["numpy", "sklearn", "not_a_real_module_xyz"])
        names = await kernel.evaluate_silently("", {"names": "sorted(k for k in globals() if not k.startswith('_'))"})
    assert facts.python == platform.python_version()
    assert facts.versions["numpy"] == numpy.__version__
    assert facts.versions["not_a_real_module_xyz"] is None
    assert "NAMES" not in names["names"] and "RESULT" not in names["names"]
