"""The session report (`--report PATH`): what changed and why, as Markdown or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlemod_tui.core.history import approximations_in_force
from mlemod_tui.core.notebook import write_atomic
from mlemod_tui.core.runtime import format_seconds
from mlemod_tui.core.scores import metric_json
from mlemod_tui.core.session import NotebookSession
from mlemod_tui.repair_loop import LoopResult


def report_data(session: NotebookSession, loop: LoopResult, saved: Path | None) -> dict[str, Any]:
    summary = session.runtime_summary()
    score = session.score_comparison()
    return {
        "notebook": str(session.notebook.path),
        "output": str(saved) if saved else None,
        "reproducible": loop.reproducible,
        "stopped_because": loop.stopped_because or None,
        "verdict": session.overall_result(interrupted=loop.run.interrupted).verdict(),
        "steps": [step.to_json() for step in loop.steps],
        "runtime": {
            "today_seconds": round(summary.total_today, 3),
            "original_seconds": round(sum(session.stored_seconds.values()), 3) or None,
            "budget_seconds": summary.budget,
        },
        "score": {
            "metric": score.reference.name if score.reference else None,
            "reference": score.reference.value if score.reference else None,
            "today": score.today.value if score.today else None,
            "tolerance": score.tolerance,
            "verdict": score.verdict,
            "metrics": [metric_json(c) for c in session.every_score_comparison()],
            "noise": session.noise.to_json() if session.noise else None,
        },
        "environment": session.environment.to_json() if session.environment else None,
        "model_server": session.model_server.to_json() if session.model_server else None,
        # Today's runtime and score before and after each applied patch.
        "effects": [effect.to_json() | {"line": effect.describe()} for effect in session.effects],
        # Runtime reductions still applied: the saved notebook approximates the author's.
        "approximations": [
            {"id": change.id, "source": change.source, "cells": list(change.cell_ids), "diff": change.diff}
            for change in approximations_in_force(session.history.applied)
        ],
        # Why each patch was kept, not kept, rolled back or refused (the journal's verdicts).
        "verdicts": [
            {"event": entry["event"], "id": entry["id"], "reason": entry.get("reason", "")}
            for entry in session.journal.verdicts()
        ],
    }


def render_markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# mlemod-tui report: {Path(data['notebook']).name}",
        "",
        f"- **reproducible:** {'yes' if data['reproducible'] else 'no'}",
        f"- **run:** {data['verdict']}",
    ]
    if data["stopped_because"]:
        lines.append(f"- **stopped because:** {data['stopped_because']}")
    runtime = data["runtime"]
    lines.append(
        f"- **runtime:** today {format_seconds(runtime['today_seconds'])}, original "
        f"{format_seconds(runtime['original_seconds'])}"
        + (f", budget {format_seconds(runtime['budget_seconds'])}" if runtime["budget_seconds"] else "")
    )
    score = data["score"]
    if score["metric"]:
        lines.append(
            f"- **score ({score['metric']}):** reference {score['reference']}, today {score['today']} "
            f"({score['verdict']}, tolerance {score['tolerance']:.0%})"
        )
    metrics = score.get("metrics") or []
    if len(metrics) > 1:
        off = [m for m in metrics if m["verdict"] != "within"]
        lines.append(f"- **stored metrics:** {len(metrics) - len(off)} of {len(metrics)} within tolerance")
        lines += [f"  - differs: {m['line']}" for m in off]
    if score.get("noise"):
        lines.append(f"- **run-to-run noise:** {score['noise']['line']}")
    server = data.get("model_server")
    if server:
        where = "this machine" if server["loopback"] else f"{server['name']}, not this machine"
        lines.append(
            f"- **model server:** {server['host']} ({where}), model {server['model']}, "
            f"{server['requests']} request(s) sent"
        )
    if data["output"]:
        lines.append(f"- **saved:** {data['output']}")
    effects = data.get("effects") or []
    if effects:
        lines += ["", "## Effect of each patch (today, before → after)", ""]
        lines += [f"- {effect['line']}" for effect in effects]
    approximations = data.get("approximations") or []
    if approximations:
        lines += ["", "## Approximations (runtime reductions)", ""]
        lines += [
            f"- `{a['source']}` on {', '.join(a['cells'])}: not the author's computation"
            for a in approximations
        ]
        lines += [
            "",
            "For a final, faithful run open the notebook in `mlemod-tui` and press `F`: the "
            "author's cells come back (journaled, undoable) and the notebook runs from a fresh kernel.",
        ]
    lines += ["", "## Changes", ""]
    if not data["steps"]:
        lines.append("None.")
    for step in data["steps"]:
        status = "applied" if step["applied"] else "not applied"
        if step.get("approximation"):
            status += ", an approximation"
        lines.append(f"### {step['attempt']}. {step['kind']} — {step['problem']} ({status})")
        if step["source"]:
            lines.append(f"Source: `{step['source']}`")
        if step["rationale"]:
            lines += ["", step["rationale"]]
        if step["note"]:
            lines += ["", f"_{step['note']}_"]
        if step["diff"]:
            lines += ["", "```diff", step["diff"].rstrip("\n"), "```"]
        lines.append("")
    return "\n".join(lines) + "\n"


def write_report(path: Path, data: dict[str, Any]) -> Path:
    """``.json`` gets JSON; anything else Markdown."""
    text = json.dumps(data, indent=2) + "\n" if path.suffix == ".json" else render_markdown(data)
    return write_atomic(path, text)
