"""The silent kernel probe, on a real kernel: what it reports, and what it must not touch."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from mlemod_tui.assist.introspect import NOT_DEFINED, describe_names, split_preview
from mlemod_tui.core.kernel import ExecutionFinished, KernelSession

shared_loop = pytest.mark.asyncio(loop_scope="module")

SETUP = """
import time
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

df = pd.DataFrame({"price": [1.0, None, 3.0], "city": ["a", "b", "c"], "rooms": [1, 2, 3]})
wide = pd.DataFrame({f"c{i}": [i] for i in range(45)})
arr = np.array([[1.0, np.nan], [3.0, 4.0]])
labels = np.arange(5)
model = RandomForestClassifier(n_estimators=10)
fitted = RandomForestClassifier(n_estimators=2).fit([[0], [1]], [0, 1])

class Broken:
    def __repr__(self):
        raise RuntimeError("no repr for you")

class Sleepy:
    def __repr__(self):
        time.sleep(30)
        return "finally"

broken, sleepy = Broken(), Sleepy()
huge = list(range(5_000_000))
def scale(values, factor=2.0):
    return values * factor
42
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def kernel() -> AsyncIterator[KernelSession]:
    async with KernelSession() as session:
        async for event in session.execute(SETUP):
            if isinstance(event, ExecutionFinished):
                assert event.status == "ok"
        yield session


async def peek(kernel: KernelSession) -> dict[str, Any]:
    """History, output cache, count, namespace keys and ``_``, read silently."""
    found = await kernel.evaluate_silently(
        "",
        {
            "inputs": "len(In)",
            "outputs": "sorted(Out)",
            "count": "get_ipython().execution_count",
            "names": "sorted(get_ipython().user_ns)",
            "last": "repr(_)",
        },
    )
    assert all(value is not None for value in found.values()), found
    return found


@shared_loop
async def test_a_dataframe_is_described_with_columns_dtypes_nan_and_preview(kernel: KernelSession) -> None:
    found = await describe_names(kernel, ["df"])
    facts, preview = split_preview(found["df"])
    assert facts.splitlines()[0] == "pandas.DataFrame, shape (3, 3)"
    assert "columns (3): price float64, city " in facts and "rooms int64" in facts
    assert "NaN in 1 column(s): price (1)" in facts
    assert preview is not None and "city" in preview and "price" in preview


@shared_loop
async def test_arrays_estimators_functions_modules_and_missing_names(kernel: KernelSession) -> None:
    found = await describe_names(kernel, ["arr", "labels", "model", "fitted", "scale", "np", "nope"])
    assert found["arr"].startswith("numpy.ndarray, shape (2, 2), dtype float64\nNaN: 1")
    assert found["labels"].startswith("numpy.ndarray, shape (5,), dtype int64")
    assert "not fitted" in found["model"] and "n_estimators=10" in found["model"]
    assert found["fitted"].splitlines()[0].endswith(", fitted")
    assert found["scale"] == "function scale(values, factor=2.0)"
    assert found["np"].startswith("module numpy ")
    assert found["nope"] == NOT_DEFINED


@shared_loop
async def test_many_columns_are_capped(kernel: KernelSession) -> None:
    facts, _ = split_preview((await describe_names(kernel, ["wide"]))["wide"])
    assert "columns (45): c0 int64" in facts and "c29 int64" in facts
    assert "c30 int64" not in facts and "(+15 more)" in facts


@shared_loop
async def test_bad_slow_and_huge_objects_cost_one_line_each(kernel: KernelSession) -> None:
    started = time.monotonic()
    found = await describe_names(kernel, ["broken", "sleepy", "huge", "df"], preview_chars=80)
    assert time.monotonic() - started < 5  # the 30 s __repr__ is cut, not waited for
    assert found["broken"] == "__main__.Broken\npreview: <repr failed: RuntimeError>"
    assert found["sleepy"] == "__main__.Sleepy\npreview: <repr took too long>"
    facts, preview = split_preview(found["huge"])
    assert facts == "list, len 5000000"
    assert preview is not None and len(preview) <= 80
    assert found["df"].startswith("pandas.DataFrame")  # names after the bad ones still come


@shared_loop
async def test_previews_can_be_turned_off(kernel: KernelSession) -> None:
    found = await describe_names(kernel, ["df", "huge"], preview_chars=0)
    assert all(split_preview(text)[1] is None for text in found.values())


@shared_loop
async def test_the_probe_leaves_history_count_output_cache_and_namespace_alone(
    kernel: KernelSession,
) -> None:
    before = await peek(kernel)
    await describe_names(kernel, ["df", "arr", "broken", "sleepy", "nope", "model"])
    after = await peek(kernel)
    assert after == before  # len(In), Out keys, execution count, every user name, and `_`
    events = [event async for event in kernel.execute("1 + 1")]
    assert isinstance(events[-1], ExecutionFinished)
    assert events[-1].execution_count == int(before["count"])


@shared_loop
async def test_no_names_no_request(kernel: KernelSession) -> None:
    assert await describe_names(kernel, []) == {}
    assert await describe_names(kernel, ["not an identifier", "1x"]) == {}
