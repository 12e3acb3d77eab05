"""``metadata.mlemod``: what was changed, by whom, in which environment, with what effect.

Written into the saved notebook so the provenance travels with it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mlemod_tui import __version__
from mlemod_tui.core.environment import EnvironmentFacts
from mlemod_tui.core.history import AppliedPatch, approximations_in_force
from mlemod_tui.core.scores import ScoreComparison
from mlemod_tui.model_server import ModelServer


def provenance_record(
    patches: list[AppliedPatch],
    *,
    environment: EnvironmentFacts | None,
    runtime_before: float | None,
    runtime_after: float | None,
    score: ScoreComparison | None,
    model_server: ModelServer | None = None,
    cells_run: int | None = None,
    effects: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``metadata.mlemod`` dictionary for a save."""
    record: dict[str, Any] = {
        "tool": f"mlemod-tui {__version__}",
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        # Each patch with today's runtime and score before and after it (None: not measured).
        "patches": [{**patch.provenance(), "effect": (effects or {}).get(patch.id)} for patch in patches],
        # Runtime reductions still applied: this notebook approximates the author's.
        "approximations": [patch.id for patch in approximations_in_force(patches)],
        "environment": environment.to_json() if environment else None,
        "runtime": {"before_seconds": runtime_before, "after_seconds": runtime_after},
        # Where model requests went (None: no model was configured for this session).
        "model_server": model_server.to_json() if model_server else None,
    }
    if cells_run is not None:
        # How many cells hold today's results: a later save with fewer must not replace this.
        record["results"] = {"cells_run": cells_run}
    if score is not None and score.reference is not None:
        record["score"] = {
            "metric": score.reference.name,
            "before": score.reference.value,
            "after": score.today.value if score.today else None,
            "tolerance": score.tolerance,
            "verdict": score.verdict,
        }
    return record
