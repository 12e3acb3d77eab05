"""Find metric values in notebook outputs and compare the stored one with today's.

Old notebooks carry their own proof of what they achieved: the printed
accuracy, the Keras progress line, the XGBoost eval log.  This module reads
those values back out of nbformat v4 outputs so a revived notebook can be
judged against its own past.  It is pure stdlib on purpose: the TUI and the
headless runner both call it, and it must be testable without a kernel.

Metric names are normalised to lower-case words separated by single spaces
(``val_loss`` -> ``"val loss"``, ``Test acc`` -> ``"test accuracy"``,
``mean_squared_error`` -> ``"mse"``) so that the same metric printed in two
slightly different ways, or asked for on the command line, compares equal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from mlemod_tui.core.score_source import bare_hits, keras_metric_names, result_hint
from mlemod_tui.core.score_text import (
    Hit,
    infer_lower_is_better,
    is_bounded,
    joined_text,
    normalise_metric_name,
    output_text,
    scan_text,
)

__all__ = [
    "MetricSelector",
    "Score",
    "ScoreComparison",
    "Verdict",
    "compare_scores",
    "compare_every_score",
    "describe_metric",
    "metric_json",
    "differing",
    "extract_scores",
    "infer_lower_is_better",
    "normalise_metric_name",
    "notebook_scores",
    "reference_score",
    "todays_score",
]

Verdict = Literal["within", "drifted", "not produced yet", "no reference"]

DEFAULT_TOLERANCE = 0.10


@dataclass(frozen=True)
class Score:
    """One metric value found in one cell's outputs."""

    name: str
    value: float
    percent: bool
    cell_index: int
    cell_id: str | None
    text: str
    lower_is_better: bool

    @property
    def fraction(self) -> float:
        """The value on a 0..1 scale when it was printed as a percentage."""
        return self.value / 100 if self.percent else self.value


@dataclass(frozen=True)
class ScoreComparison:
    """Stored score versus today's, with the verdict the UI shows."""

    reference: Score | None
    today: Score | None
    difference: float | None
    relative: float | None
    tolerance: float
    verdict: Verdict
    improved: bool | None


# --------------------------------------------------------------------------
# Public extraction
# --------------------------------------------------------------------------


def _to_score(hit: Hit, cell_index: int, cell_id: str | None) -> Score:
    """Attach cell coordinates and the inferred direction to a hit."""
    return Score(
        name=hit.name,
        value=hit.value,
        percent=hit.percent,
        cell_index=cell_index,
        cell_id=cell_id,
        text=hit.text,
        lower_is_better=infer_lower_is_better(hit.name),
    )


def extract_scores(
    outputs: Sequence[Mapping[str, Any]],
    source: str = "",
    *,
    cell_index: int = 0,
    cell_id: str | None = None,
    keras_metrics: Sequence[str] | None = None,
) -> list[Score]:
    """Metric values shown by one cell, in the order they appear.

    ``source`` lets a bare number (``0.93`` after ``model.score(...)``) or a
    list (``[0.31, 0.93]`` after ``model.evaluate(...)``) be recognised;
    ``keras_metrics`` names the values after the loss in such a list
    (default: the ``metrics=[...]`` of a ``compile`` call in ``source``).
    Error outputs are ignored.
    """
    source_text = joined_text(source)
    if keras_metrics is None:
        keras_metrics = keras_metric_names(source_text)  # compile and evaluate in one cell
    hint = result_hint(source_text, tuple(keras_metrics or ()))
    scores: list[Score] = []
    for output in outputs:
        text = output_text(output)
        if text is None:
            continue
        hits = bare_hits(text, hint, [score.name for score in scores])
        if not hits and not _is_table_repr(output, text):
            hits = scan_text(text)
        scores.extend(_to_score(hit, cell_index, cell_id) for hit in hits)
    return scores


def _is_table_repr(output: Mapping[str, Any], text: str) -> bool:
    """A multi-line value repr (a pandas Series or DataFrame) is data, not printed metrics:
    breast-cancer feature names such as "area error  0.0560" are not an error metric."""
    return output.get("output_type") in ("execute_result", "display_data") and "\n" in text.strip()


def notebook_scores(cells: Sequence[Mapping[str, Any]]) -> list[Score]:
    """All scores of all code cells, in notebook order."""
    scores: list[Score] = []
    keras_metrics: tuple[str, ...] | None = None
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = joined_text(cell.get("source", ""))
        keras_metrics = keras_metric_names(source) or keras_metrics
        scores.extend(
            extract_scores(
                cell.get("outputs") or [],
                source,
                cell_index=index,
                cell_id=cell.get("id"),
                keras_metrics=keras_metrics,
            )
        )
    return scores


# --------------------------------------------------------------------------
# Selecting the reference and today's score
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricSelector:
    """``--metric NAME_OR_REGEX``: an exact (normalised) name, else a regex."""

    raw: str
    name: str
    pattern: re.Pattern[str]

    @classmethod
    def parse(cls, text: str) -> MetricSelector:
        """Build a selector; text that is not a valid regex is matched literally."""
        raw = text.strip()
        if not raw:
            raise ValueError("metric selector must not be empty")
        try:
            pattern = re.compile(raw, re.IGNORECASE)
        except re.error:
            pattern = re.compile(re.escape(raw), re.IGNORECASE)
        return cls(raw=raw, name=normalise_metric_name(raw), pattern=pattern)

    def is_exact(self, score: Score) -> bool:
        """Case-insensitive name equality (after normalising both sides)."""
        return score.name == self.name or score.name == self.raw.lower()

    def matches(self, score: Score) -> bool:
        """Exact name, or the regex found in the name or the printed text."""
        return (
            self.is_exact(score)
            or self.pattern.search(score.name) is not None
            or self.pattern.search(score.text) is not None
        )

    def select(self, scores: Sequence[Score]) -> list[Score]:
        """Exact-name matches when there are any, so ``accuracy`` skips ``val accuracy``."""
        exact = [score for score in scores if self.is_exact(score)]
        return exact or [score for score in scores if self.matches(score)]


def _target_score(
    metric: str | None, target: float, candidates: Sequence[Score], lower_is_better: bool | None
) -> Score:
    """A synthetic reference for ``--target``; not tied to any cell."""
    if metric is None:
        name = "target"
    elif candidates:
        name = candidates[-1].name
    else:
        name = MetricSelector.parse(metric).name
    direction = infer_lower_is_better(name) if lower_is_better is None else lower_is_better
    return Score(
        name=name,
        value=float(target),
        percent=False,
        cell_index=-1,
        cell_id=None,
        text=f"target {target:g}",
        lower_is_better=direction,
    )


def reference_score(
    cells: Sequence[Mapping[str, Any]],
    metric: str | None = None,
    target: float | None = None,
    lower_is_better: bool | None = None,
) -> Score | None:
    """The score the notebook originally reported: the last one (or last matching).

    ``target`` replaces the stored value with a synthetic Score at cell -1,
    named after the metric (or ``"target"``); ``lower_is_better`` forces the
    direction.
    """
    scores = notebook_scores(cells)
    if metric is not None:
        scores = MetricSelector.parse(metric).select(scores)
    if target is not None:
        return _target_score(metric, target, scores, lower_is_better)
    if not scores:
        return None
    if lower_is_better is None:
        return scores[-1]
    return replace(scores[-1], lower_is_better=lower_is_better)


def _resolve_cell(reference: Score, cells: Sequence[Mapping[str, Any]]) -> int | None:
    """Today's index of the reference cell: by id, else by position.

    Falls back to position when the id is missing, because nbformat invents
    fresh random ids for old notebooks that never had any.
    """
    if reference.cell_id is not None:
        for index, cell in enumerate(cells):
            if cell.get("id") == reference.cell_id:
                return index
    if 0 <= reference.cell_index < len(cells):
        if cells[reference.cell_index].get("cell_type") == "code":
            return reference.cell_index
    return None


def todays_score(reference: Score, cells: Sequence[Mapping[str, Any]]) -> Score | None:
    """Today's value of the reference metric: same name, same cell, last one.

    Only the reference's own cell is searched (a same-named value elsewhere
    may measure something else).  A ``--target`` reference (cell -1) has no
    cell, so the last same-named score anywhere is used, or simply the last
    score when it is named ``"target"``.  The direction is copied from the
    reference so a forced ``lower_is_better`` carries over.
    """
    scores = notebook_scores(cells)
    if reference.cell_index < 0:
        pool = [s for s in scores if reference.name == "target" or s.name == reference.name]
    else:
        index = _resolve_cell(reference, cells)
        if index is None:
            return None
        pool = [s for s in scores if s.cell_index == index and s.name == reference.name]
    if not pool:
        return None
    same_line = [s for s in pool if line_shape(s.text) == line_shape(reference.text)]
    return replace((same_line or pool)[-1], lower_is_better=reference.lower_is_better)


# A number as line_shape takes it out: thousands separators and a percent sign belong to it.
_SHAPE_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?%?")


_NUMPY_SCALAR = re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str)\w*\(([^()]*)\)")


def line_shape(text: str) -> str:
    """A printed line with its numbers taken out: ``Accuracy: 0.9510`` and ``Accuracy: 0.9650``
    are the same line of the same cell, ``accuracy   0.97   171`` (a report's row) is not."""
    # numpy 2 prints scalars as ``np.float64(0.48)`` where numpy 1 printed ``0.48``.
    text = _NUMPY_SCALAR.sub(r"\1", text)
    shape = " ".join(_SHAPE_NUMBER.sub("#", text).lower().split())
    # numpy 1.14 changed array printing (``[ 0.6,  0.4]`` -> ``[0.6, 0.4]``): spacing at
    # brackets and separators is layout, not a different line.
    return re.sub(r"\s*([\[\](){},:;])\s*", r"\1", shape)


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------


def _percent_scale(score: Score) -> bool:
    """Printed with %, or a 0..1 metric printed as e.g. ``93.1``."""
    return score.percent or (is_bounded(score.name) and 1 < score.value <= 100)


def _in_reference_units(reference: Score, today: Score) -> float:
    """Today's value rescaled when one side is a percentage and the other a fraction."""
    value = today.value
    if _percent_scale(reference) and not _percent_scale(today) and 0 <= value <= 1:
        return value * 100
    if _percent_scale(today) and not _percent_scale(reference) and 0 <= reference.value <= 1:
        return value / 100
    return value


def _relative(difference: float, reference: float) -> float:
    """|difference| / |reference|; a change from zero is infinitely large."""
    if reference == 0:
        return 0.0 if difference == 0 else math.inf
    return abs(difference) / abs(reference)


def compare_scores(
    reference: Score | None, today: Score | None, tolerance: float = DEFAULT_TOLERANCE
) -> ScoreComparison:
    """Judge today's score against the reference within a relative tolerance."""
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    if reference is None:
        return ScoreComparison(reference, today, None, None, tolerance, "no reference", None)
    if today is None:
        return ScoreComparison(reference, None, None, None, tolerance, "not produced yet", None)
    value = _in_reference_units(reference, today)
    difference = value - reference.value
    if abs(difference) <= 1e-9 * max(1.0, abs(reference.value), abs(value)):
        difference = 0.0  # rescaling noise (0.931 * 100) is not a change
    relative = _relative(difference, reference.value)
    verdict: Verdict = "within" if relative <= tolerance + 1e-12 else "drifted"
    improved = difference < 0 if reference.lower_is_better else difference > 0
    return ScoreComparison(reference, today, difference, relative, tolerance, verdict, improved)


# --------------------------------------------------------------------------
# Every stored metric, not only the reference
# --------------------------------------------------------------------------


def _keyed(scores: Sequence[Score], cells: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str, int], Score]:
    """Each score keyed by (its cell's id or position, its name and printed line, which
    occurrence of that line in that cell)."""
    seen: dict[tuple[str, str], int] = {}
    keyed: dict[tuple[str, str, int], Score] = {}
    for score in scores:
        cell = cells[score.cell_index] if 0 <= score.cell_index < len(cells) else {}
        where = str(cell.get("id") or f"#{score.cell_index}")
        label = f"{score.name}\x00{line_shape(score.text)}"
        count = seen.get((where, label), 0)
        seen[(where, label)] = count + 1
        keyed[(where, label, count)] = score
    return keyed


def compare_every_score(
    stored_cells: Sequence[Mapping[str, Any]],
    today_cells: Sequence[Mapping[str, Any]],
    tolerance: float = DEFAULT_TOLERANCE,
    ran: Collection[int] | None = None,
) -> list[ScoreComparison]:
    """Every metric the notebook stored against the same metric today: same cell (by id, else
    position), same name on the same printed line (numbers aside), same occurrence. A real notebook stores several
    (validation and test, per model); only the last one used to be compared, so a drift in
    the others went unseen. ``ran``: cell indices whose outputs are today's (others count as
    "not produced yet")."""
    stored = _keyed(notebook_scores(stored_cells), stored_cells)
    today = _keyed(notebook_scores(today_cells), today_cells)
    comparisons = []
    for key, reference in stored.items():
        now = today.get(key)
        if now is not None and ran is not None and now.cell_index not in ran:
            now = None
        comparisons.append(compare_scores(reference, now, tolerance))
    return comparisons


# A number as printed, for the precision the author printed it with (_printed_step).
_PRINTED_NUMBER = re.compile(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?")


def _printed_step(score: Score) -> float:
    """Half a unit of the last digit the author printed (``0.96`` -> 0.005)."""
    for token in _PRINTED_NUMBER.findall(score.text):
        try:
            number = float(token)
        except ValueError:
            continue
        if abs(number - score.value) <= 1e-9 * max(1.0, abs(score.value)):
            mantissa = token.lower().split("e")[0]
            decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
            return 0.5 * 10.0**-decimals
    return 0.0


def as_printed(comparison: ScoreComparison) -> bool:
    """Does today's value print as the author's did (within rtol 1e-3, or half a unit of the
    last printed digit)? "Within tolerance" is not the same number: a re-run reproduces a
    notebook when its numbers reappear."""
    reference, today = comparison.reference, comparison.today
    if reference is None or today is None:
        return False
    slack = max(1e-3 * abs(reference.value), _printed_step(reference)) + 1e-12
    return abs(today.value - reference.value) <= slack


def differing(comparisons: Sequence[ScoreComparison]) -> list[ScoreComparison]:
    """The comparisons that are not within tolerance (drifted, or not produced today)."""
    return [c for c in comparisons if c.verdict in ("drifted", "not produced yet")]


def describe_metric(comparison: ScoreComparison) -> str:
    """``accuracy (cell 5): 0.951 -> 0.965 (+1.5%)``: one line per metric for reports."""
    reference, today = comparison.reference, comparison.today
    assert reference is not None
    where = f"{reference.name} (cell {reference.cell_index})"
    if today is None or comparison.difference is None:
        return f"{where}: {reference.value:g} -> not produced"
    sign = "+" if comparison.difference >= 0 else "-"
    relative = comparison.relative if comparison.relative is not None else 0.0
    return f"{where}: {reference.value:g} -> {today.value:g} ({sign}{relative:.1%})"


def metric_json(comparison: ScoreComparison) -> dict[str, Any]:
    """One stored metric against today's, as the JSON report and ``run --json`` give it."""
    reference, today = comparison.reference, comparison.today
    assert reference is not None
    return {
        "metric": reference.name,
        "cell": reference.cell_index,
        "reference": reference.value,
        "today": today.value if today else None,
        "verdict": comparison.verdict,
        "line": describe_metric(comparison),
    }
