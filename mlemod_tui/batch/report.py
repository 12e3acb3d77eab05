"""The batch report (``--report out.md|.json|.csv``): every notebook, then totals by status
and by erosion family (the library whose change each applied patch repaired)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mlemod_tui.batch.predictions import Prediction
from mlemod_tui.batch.result import STATUSES, NotebookResult
from mlemod_tui.core.notebook import write_atomic
from mlemod_tui.core.runtime import format_seconds

COLUMNS = (
    "notebook", "status", "detail", "predicted", "patches", "families", "seconds",
    "stored_seconds", "output", "resumed",
)


def report_data(
    results: Sequence[NotebookResult], predictions: Mapping[str, Prediction], *, seconds: float, interrupted: bool
) -> dict[str, Any]:
    by_status = Counter(result.status for result in results)
    by_family = Counter(family for result in results for family in result.families)
    return {
        "notebooks": len(results),
        "seconds": seconds,
        "interrupted": interrupted,
        "by_status": {status: by_status[status] for status in STATUSES if by_status[status]},
        "by_family": dict(by_family.most_common()),
        "results": [
            result.to_json() | {"predicted": predictions[result.notebook].to_json()}
            if result.notebook in predictions
            else result.to_json()
            for result in results
        ],
    }


def _row(result: Mapping[str, Any]) -> dict[str, str]:
    predicted = result.get("predicted")
    return {
        "notebook": str(result["notebook"]),
        "status": str(result["status"]),
        "detail": str(result.get("detail") or ""),
        "predicted": Prediction(**_tuples(predicted)).describe() if predicted else "",
        "patches": str(len(result.get("patches") or [])),
        "families": ", ".join(result.get("families") or []),
        "seconds": "" if result.get("seconds") is None else f"{result['seconds']:.1f}",
        "stored_seconds": "" if result.get("stored_seconds") is None else f"{result['stored_seconds']:.1f}",
        "output": str(result.get("output") or ""),
        "resumed": "yes" if result.get("resumed") else "",
    }


def _tuples(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}


def render_markdown(data: Mapping[str, Any]) -> str:
    lines = [
        "# mlemod-tui batch report",
        "",
        f"{data['notebooks']} notebooks in {format_seconds(data['seconds'])}"
        + (" (interrupted: the rest were not run)" if data["interrupted"] else ""),
        "",
        "## By status",
        "",
        "| status | notebooks |",
        "| --- | --- |",
    ]
    lines += [f"| {status} | {count} |" for status, count in data["by_status"].items()]
    lines += ["", "## By erosion family (notebooks with a patch applied for it)", ""]
    if data["by_family"]:
        lines += ["| family | notebooks |", "| --- | --- |"]
        lines += [f"| {family} | {count} |" for family, count in data["by_family"].items()]
    else:
        lines.append("No patch was applied.")
    lines += [
        "",
        "## Notebooks",
        "",
        "| notebook | status | predicted | today / stored | patches | detail |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in data["results"]:
        row = _row(result)
        timing = f"{row['seconds'] or '–'} s / {row['stored_seconds'] or '–'} s"
        patches = row["patches"] + (f" ({row['families']})" if row["families"] else "")
        status = row["status"] + (" (stored)" if row["resumed"] else "")
        cells = [Path(row["notebook"]).name, status, row["predicted"], timing, patches, row["detail"]]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def render_csv(data: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for result in data["results"]:
        writer.writerow(_row(result))
    return out.getvalue()


def write_batch_report(path: Path, data: Mapping[str, Any]) -> Path:
    """``.json`` and ``.csv`` by suffix; anything else Markdown."""
    if path.suffix == ".json":
        text = json.dumps(data, indent=2) + "\n"
    elif path.suffix == ".csv":
        text = render_csv(data)
    else:
        text = render_markdown(data)
    return write_atomic(path, text)
