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

import ast
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal, NamedTuple

__all__ = [
    "MetricSelector",
    "Score",
    "ScoreComparison",
    "Verdict",
    "compare_scores",
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


class _Hit(NamedTuple):
    """A metric found in text, before it is tied to a cell."""

    name: str
    value: float
    percent: bool
    text: str


@dataclass(frozen=True)
class _Hint:
    """What the cell's last statement tells us a bare result means."""

    kind: Literal["scalar", "cv", "evaluate"]
    name: str
    metric_names: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

# (pattern, canonical name); None keeps the matched words (lower-cased).
_KEYWORDS: tuple[tuple[str, str | None], ...] = (
    (r"root[ _-]mean[ _-]squared?[ _-]log(?:arithmic)?[ _-]error|rmsle", "rmsle"),
    (r"root[ _-]mean[ _-]squared?[ _-]error|rmse", "rmse"),
    (r"mean[ _-]squared?[ _-]log(?:arithmic)?[ _-]error|msle", "msle"),
    (r"mean[ _-]squared?[ _-]error|mse", "mse"),
    (r"mean[ _-]absolute[ _-]percentage[ _-]error|mape", "mape"),
    (r"mean[ _-]absolute[ _-]error|mae", "mae"),
    (r"median[ _-]absolute[ _-]error", "median absolute error"),
    (r"log[ _-]?loss", "log loss"),
    (r"cross[ _-]?entropy", "cross entropy"),
    (r"balanced[ _-]acc(?:uracy)?", "balanced accuracy"),
    (r"top[ _-]?[1-9]\d?", None),
    (r"roc[ _-]?auc|auc[ _-]?roc|auroc", "roc auc"),
    (r"pr[ _-]?auc|auc[ _-]?pr|auprc", "pr auc"),
    (r"auc", "auc"),
    (r"average[ _-]precision", "average precision"),
    (r"accuracy|acc", "accuracy"),
    (r"precision", "precision"),
    (r"recall", "recall"),
    (r"sensitivity", "sensitivity"),
    (r"specificity", "specificity"),
    (r"f1|f[ _-]?measure|f[ _-]score", "f1"),
    (r"f[ _-]?beta", "fbeta"),
    (r"r2|r\^2|r²|r[ _-]squared", "r2"),
    (r"explained[ _-]variance", "explained variance"),
    (r"(?:cohen(?:'s)?[ _-])?kappa", "kappa"),
    (r"mcc|matthews(?:[ _-]corr(?:elation)?)?(?:[ _-]?coef(?:ficient)?)?", "mcc"),
    (r"miou", "mean iou"),
    (r"iou|intersection[ _-]over[ _-]union", "iou"),
    (r"jaccard", "jaccard"),
    (r"dice(?:[ _-]coef(?:ficient)?)?", "dice"),
    (r"bleu", "bleu"),
    (r"rouge(?:[ _-]?(?:lsum|[12l]))?", None),
    (r"perplexity|ppl", "perplexity"),
    (r"(?-i:mAP)", "map"),
    (r"silhouette", "silhouette"),
    (r"brier", "brier"),
    (r"error(?:[ _-]rate)?", "error"),
    (r"loss", "loss"),
    (r"score", "score"),
)

# Words that may precede a keyword and become part of the name.
_QUALIFIERS = (
    r"testing|test|training|train|validation|valid|val|dev|evaluation|eval"
    r"|holdout|hold[ _-]out|oob|out[ _-]of[ _-]bag|in[ _-]sample|out[ _-]of[ _-]sample|oos"
    r"|cross[ _-]?val(?:idation|idated|id)?|cv|k[ _-]?fold|\d+[ _-]?fold"
    r"|mean|average|avg|median|overall|final|best|minimum|min|maximum|max"
    r"|macro|micro|weighted|samples|binary|categorical|sparse|multiclass|multi"
    r"|adjusted|adj|negative|neg|top[ _-]?[1-9]\d?"
    r"|set|data|model|baseline"
    r"|standard[ _-]deviation|stdev|std|variance|var"
)
# Qualifiers that make the number a spread, not the metric itself.
_SPREAD_WORDS = frozenset({"std", "stdev", "standard deviation", "variance", "var"})
# Qualifiers that add nothing to the name ("Model accuracy" is "accuracy").
_SILENT_WORDS = frozenset({"set", "data", "model"})

_LOWER_TOKENS = frozenset(
    {
        "loss", "error", "errors", "rmse", "mse", "mae", "mape", "smape", "msle",
        "rmsle", "logloss", "mlogloss", "merror", "nll", "l1", "l2", "perplexity",
        "ppl", "wer", "cer", "deviance", "entropy", "crossentropy", "hinge",
        "huber", "brier",
    }
)
_NEGATED_TOKENS = frozenset({"neg", "negative"})
# Metrics that live in 0..1 and are often printed on a 0..100 scale.
_BOUNDED_TOKENS = frozenset(
    {
        "accuracy", "precision", "recall", "f1", "auc", "sensitivity",
        "specificity", "iou", "dice", "jaccard", "bleu",
    }
)

# --------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------

_NUM = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
_LOOSE_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# A number must end cleanly: not a version (1.2.0), date (2021-03-04),
# fraction (3/10), time (12:30) or a unit (5ms).
_NUM_END = r"(?!\.?\d)(?![A-Za-z_])(?![/:]\d)(?!-\d)"
_PLUS_MINUS = r"(?:\+/-|\+-|±)"
_SPREAD = (
    r"(?:[ \t]*\([ \t]*" + _PLUS_MINUS + r"?[ \t]*" + _NUM + r"[ \t]?%?[ \t]*\)"
    r"|[ \t]*" + _PLUS_MINUS + r"[ \t]*" + _NUM + r"[ \t]?%?)"
)
_KEYWORD_ALTERNATION = "|".join(pattern for pattern, _ in _KEYWORDS)
_WORD_GAP = r"(?:[ \t]+|[_-])"
_NAME = (
    r"(?P<qual>(?:(?:" + _QUALIFIERS + r")" + _WORD_GAP + r"){0,4})"
    r"(?P<kw>" + _KEYWORD_ALTERNATION + r")"
    r"(?:" + _WORD_GAP + r"score)?"
    r"(?![A-Za-z0-9])"
)
_WHERE = (
    r"(?P<where>[ \t]+(?:on|for|over|in)[ \t]+(?:the[ \t]+)?"
    r"[\w-]+(?:[ \t]+[\w-]+)?(?=[ \t]*(?:[:=]|is\b)))?"
)
_SEP = (
    r"""(?P<sep>['"]?(?:[ \t]*(?:[:=]|->)[ \t]*"""
    r"|[ \t]+(?:is|was|of|are)(?:[ \t]*:)?[ \t]+|[ \t]+))"
)
_WRAP = r"(?P<wrap>(?:np\.|numpy\.)?float(?:16|32|64)?\()?"

# The leading letter lookahead is only a speed-up: it lets the engine skip
# digits and progress-bar characters before trying the long alternations.
_GENERIC_RE = re.compile(
    r"(?=[A-Za-z])(?<![A-Za-z0-9_])" + _NAME + _WHERE + _SEP + _WRAP
    + r"(?P<num>" + _NUM + r")" + _NUM_END + r"(?(wrap)\))"
    + r"(?P<pct>[ \t]?%)?(?P<spread>" + _SPREAD + r")?",
    re.IGNORECASE,
)
_NAME_RE = re.compile(_NAME, re.IGNORECASE)
_KEYWORD_RES = tuple(
    (re.compile(pattern, re.IGNORECASE), canonical) for pattern, canonical in _KEYWORDS
)
_QUALIFIER_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:" + _QUALIFIERS + r")(?![A-Za-z0-9])", re.IGNORECASE
)

_ITERATION_LINE_RE = re.compile(r"^\s*\[\d+\]")
_XGB_RE = re.compile(
    r"(?<![\w-])(?P<ds>[A-Za-z][\w]*)-(?P<metric>[A-Za-z][\w@.]*?):"
    r"(?P<num>" + _NUM + r")" + _NUM_END + r"(?:\+" + _NUM + r")?"
)
_LGBM_RE = re.compile(
    r"(?<![\w'])(?P<ds>[A-Za-z][\w]*)'s[ \t]+(?P<metric>[A-Za-z][\w@.]*?)[ \t]*:[ \t]*"
    r"(?P<num>" + _NUM + r")" + _NUM_END + r"(?:[ \t]*\+[ \t]*" + _NUM + r")?"
)
_PM_RE = re.compile(
    r"(?<![\w.])(?P<num>" + _NUM + r")" + _NUM_END + r"(?P<pct>[ \t]?%)?[ \t]*"
    r"(?:\([ \t]*" + _PLUS_MINUS + r"[ \t]*" + _NUM + r"[ \t]?%?[ \t]*\)"
    r"|" + _PLUS_MINUS + r"[ \t]*" + _NUM + r"[ \t]?%?)"
)
_LABEL_WORDS = r"[A-Za-z][\w.'()-]*(?:[ \t]+[A-Za-z(][\w.'()-]*){0,3}"
_LABEL_BEFORE_RE = re.compile(r"(?P<label>" + _LABEL_WORDS + r")[ \t]*[:=]?[ \t]*$")
_MEAN_STD_RE = re.compile(
    r"^[ \t]*(?P<label>" + _LABEL_WORDS + r")[ \t]*:[ \t]*"
    r"(?P<num>" + _NUM + r")[ \t]*\([ \t]*(?P<std>" + _NUM + r")[ \t]*\)[ \t]*$"
)

_REPORT_HEADER_RE = re.compile(r"precision\s+recall\s+f1-score\s+support")
_REPORT_ACCURACY_RE = re.compile(r"^\s*accuracy\s+(?P<num>" + _NUM + r")\s+\d+\s*$")
_REPORT_END_RE = re.compile(r"^\s*(?:weighted avg|avg / total)\b")

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
_NP_FLOAT_RE = re.compile(r"(?:np|numpy)\.float(?:16|32|64|128)?\(([^()]*)\)")
_SCALAR_RES = tuple(
    re.compile(pattern, re.DOTALL)
    for pattern in (
        r"(?P<num>" + _LOOSE_NUM + r")",
        r"tensor\((?P<num>" + _LOOSE_NUM + r")(?:,[^()]*)?\)",
        r"tf\.Tensor\((?P<num>" + _LOOSE_NUM + r"), shape=\(\), dtype=\w+\)",
        r"<tf\.Tensor: shape=\(\), dtype=\w+, numpy=(?P<num>" + _LOOSE_NUM + r")>",
    )
)
_SEQUENCE_RE = re.compile(
    r"(?:array\()?\s*[\[(](?P<body>[^\[\]()]*)[\])]\s*(?:,\s*dtype=\w+)?\s*\)?",
    re.DOTALL,
)
_MAGIC_EXPR_RE = re.compile(r"%(?:time|timeit|prun)\s+(.*)")

# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Lower-case and collapse separators so spelling variants compare equal."""
    words = re.sub(r"[\s_]+", " ", text.lower()).strip()
    return re.sub(r"\btop[ -]?(\d+)\b", r"top-\1", words)


@lru_cache(maxsize=1024)
def _canonical_keyword(keyword: str) -> str:
    """Map a matched keyword to its one canonical spelling (cached: long logs repeat it)."""
    for pattern, canonical in _KEYWORD_RES:
        if pattern.fullmatch(keyword):
            return canonical if canonical is not None else _plain(keyword.replace("-", " "))
    return _plain(keyword)


def _canonical_qualifier(word: str) -> str:
    """Fold qualifier spellings; silent ones become empty."""
    plain = _plain(word.replace("-", " "))
    if re.fullmatch(r"cross ?val(?:idation|idated|id)?", plain):
        return "cv"
    if plain in _SILENT_WORDS:
        return ""
    return plain


def _qualifier_words(text: str | None) -> list[str]:
    """Qualifier words found in ``text``, canonical and in order."""
    if not text:
        return []
    return list(_cached_qualifier_words(text))


@lru_cache(maxsize=1024)
def _cached_qualifier_words(text: str) -> tuple[str, ...]:
    """Cached because training logs repeat the same qualifiers thousands of times."""
    return tuple(_canonical_qualifier(m.group(0)) for m in _QUALIFIER_RE.finditer(text))


def _join_name(qualifiers: Sequence[str], keyword: str) -> str:
    """Build a name from qualifiers and keyword, dropping repeats and blanks."""
    words: list[str] = []
    for word in [*qualifiers, keyword]:
        if word and word not in words:
            words.append(word)
    return " ".join(words)


@lru_cache(maxsize=1024)
def normalise_metric_name(raw: str) -> str:
    """Normalise a metric name so printed, coded and typed forms compare equal."""
    text = raw.strip().strip("'\"").strip().rstrip(":=").strip().strip("_")
    match = _NAME_RE.fullmatch(text)
    if match is None:
        return _plain(text)
    return _join_name(_qualifier_words(match["qual"]), _canonical_keyword(match["kw"]))


@lru_cache(maxsize=1024)
def infer_lower_is_better(name: str) -> bool:
    """Guess the direction from the name: losses and errors go down."""
    tokens = re.findall(r"[a-z0-9]+", name.lower())
    if tokens and tokens[0] in _NEGATED_TOKENS:
        return False  # sklearn's neg_* scorers negate errors so higher is better
    return any(
        token in _LOWER_TOKENS or token.endswith(("loss", "error")) for token in tokens
    )


def _is_bounded(name: str) -> bool:
    """True for metrics that live in 0..1 (and so may be printed as 0..100)."""
    return any(token in _BOUNDED_TOKENS for token in re.findall(r"[a-z0-9]+", name))


# --------------------------------------------------------------------------
# Text clean-up
# --------------------------------------------------------------------------


def _apply_backspaces(text: str) -> str:
    """Replay backspaces as a terminal would (old Keras progress bars use them)."""
    if "\b" not in text:
        return text
    out: list[str] = []
    for char in text:
        if char != "\b":
            out.append(char)
        elif out and out[-1] != "\n":
            out.pop()
    return "".join(out)


def _last_segment(line: str) -> str:
    """Keep what a carriage-return-overwritten line finally showed."""
    parts = [part for part in line.split("\r") if part.strip()]
    return parts[-1] if parts else ""


def _clean_text(text: str) -> str:
    """Strip ANSI colours and progress-bar redraws from captured output."""
    text = _apply_backspaces(_ANSI_RE.sub("", text))
    return "\n".join(_last_segment(line) for line in text.split("\n"))


def _join(value: Any) -> str:
    """nbformat allows multi-line strings stored as lists of lines."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return str(value) if value is not None else ""


def _output_text(output: Mapping[str, Any]) -> str | None:
    """The plain text an output showed, or None for errors and rich-only output."""
    kind = output.get("output_type")
    if kind == "stream":
        raw = output.get("text")
    elif kind in ("execute_result", "display_data"):
        raw = (output.get("data") or {}).get("text/plain")
    else:
        return None
    if raw is None:
        return None
    return _clean_text(_join(raw))


# --------------------------------------------------------------------------
# Scanning printed text
# --------------------------------------------------------------------------


def _looks_measured(number: str, percent: str | None) -> bool:
    """Metrics are fractional or percentages; bare integers are counts or ids."""
    return bool(percent) or "." in number or "e" in number.lower()


def _generic_hit(match: re.Match[str]) -> _Hit | None:
    """Turn a keyword match into a hit, rejecting spreads and bare integers."""
    qualifiers = _qualifier_words(match["where"]) + _qualifier_words(match["qual"])
    if any(word in _SPREAD_WORDS for word in qualifiers):
        return None
    if not _looks_measured(match["num"], match["pct"]):
        return None
    name = _join_name(qualifiers, _canonical_keyword(match["kw"]))
    return _Hit(name, float(match["num"]), bool(match["pct"]), match.group(0).strip())


def _generic_hits(line: str) -> Iterator[tuple[int, int, _Hit]]:
    """Keyword-led forms: ``accuracy: 0.93``, ``RMSE 0.41``, ``AUC=0.87``."""
    for match in _GENERIC_RE.finditer(line):
        hit = _generic_hit(match)
        if hit is not None:
            yield match.start(), match.end(), hit


def _booster_name(dataset: str, metric: str) -> str:
    """XGBoost/LightGBM names: eval set plus metric, e.g. ``valid_0 auc``."""
    return f"{dataset.lower()} {normalise_metric_name(metric)}"


def _booster_hits(line: str) -> Iterator[tuple[int, int, _Hit]]:
    """``[99] validation_0-logloss:0.12`` and ``[100] valid_0's auc: 0.91``.

    Only on ``[N]`` iteration lines, so prose like "Cohen's kappa: 0.7" is
    left to the keyword finder.
    """
    if not _ITERATION_LINE_RE.match(line):
        return
    for pattern in (_LGBM_RE, _XGB_RE):
        for match in pattern.finditer(line):
            name = _booster_name(match["ds"], match["metric"])
            yield match.start(), match.end(), _Hit(name, float(match["num"]), False, match.group(0))


def _label_before(line: str, end: int) -> str | None:
    """The words printed just before a value, used to name unlabelled forms."""
    match = _LABEL_BEFORE_RE.search(line[:end])
    return match["label"] if match else None


def _spread_hits(line: str) -> Iterator[tuple[int, int, _Hit]]:
    """``0.95 (+/- 0.02)``: named after the preceding words, else ``cv score``."""
    if "+-" not in line and "+/-" not in line and "±" not in line:
        return
    for match in _PM_RE.finditer(line):
        if not _looks_measured(match["num"], match["pct"]):
            continue
        label = _label_before(line, match.start())
        name = normalise_metric_name(label) if label else "cv score"
        hit = _Hit(name, float(match["num"]), bool(match["pct"]), match.group(0).strip())
        yield match.start(), match.end(), hit


def _mean_std_hits(line: str) -> Iterator[tuple[int, int, _Hit]]:
    """The classic model-comparison print ``LR: 0.958333 (0.045644)``."""
    match = _MEAN_STD_RE.match(line) if line.rstrip().endswith(")") else None
    if match and "." in match["num"] and "." in match["std"]:
        name = normalise_metric_name(match["label"])
        yield match.start(), match.end(), _Hit(name, float(match["num"]), False, line.strip())


def _scan_line(line: str) -> list[_Hit]:
    """All hits on one line, earlier finders winning over overlapping later ones."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, _Hit]] = []
    for finder in (_booster_hits, _generic_hits, _spread_hits, _mean_std_hits):
        for start, end, hit in finder(line):
            if any(start < stop and begin < end for begin, stop in taken):
                continue
            taken.append((start, end))
            found.append((start, hit))
    return [hit for _, hit in sorted(found, key=lambda pair: pair[0])]


def _scan_text(text: str) -> list[_Hit]:
    """Hits in printed text; inside a classification report only the accuracy row."""
    hits: list[_Hit] = []
    in_report = False
    for line in text.split("\n"):
        if _REPORT_HEADER_RE.search(line):
            in_report = True
            continue
        if in_report:
            match = _REPORT_ACCURACY_RE.match(line)
            if match:
                hits.append(_Hit("accuracy", float(match["num"]), False, line.strip()))
            in_report = not _REPORT_END_RE.match(line)
            continue
        hits.extend(_scan_line(line))
    return hits


# --------------------------------------------------------------------------
# Bare results (execute_result of model.score(...), model.evaluate(...))
# --------------------------------------------------------------------------


def _parse_scalar(text: str) -> float | None:
    """A lone number, also as numpy/torch/tf reprs print it."""
    text = _NP_FLOAT_RE.sub(r"\1", text).strip()
    for pattern in _SCALAR_RES:
        match = pattern.fullmatch(text)
        if match:
            return float(match["num"])
    return None


def _parse_sequence(text: str) -> list[float] | None:
    """A flat list/tuple/array of numbers, e.g. ``[0.31, 0.93]``."""
    match = _SEQUENCE_RE.fullmatch(_NP_FLOAT_RE.sub(r"\1", text).strip())
    if not match:
        return None
    items = [item for item in re.split(r"[,\s]+", match["body"]) if item]
    if not items or not all(re.fullmatch(_LOOSE_NUM, item) for item in items):
        return None
    return [float(item) for item in items]


def _evaluate_names(count: int, hint: _Hint, earlier: Sequence[Score]) -> list[str]:
    """Names for Keras ``evaluate`` results: loss first, then the metrics."""
    if len(hint.metric_names) == count - 1:
        return ["loss", *hint.metric_names]
    printed: list[str] = []
    for score in earlier:
        if score.name not in printed and score.name != "loss" and not score.name.startswith("val "):
            printed.append(score.name)
    if len(printed) == count - 1:
        return ["loss", *printed]
    if count == 2:
        return ["loss", "metric"]
    return ["loss", *(f"metric {i}" for i in range(1, count))]


def _bare_hits(text: str, hint: _Hint | None, earlier: Sequence[Score]) -> list[_Hit]:
    """Hits for an output that is nothing but a number or a list of numbers."""
    if hint is None:
        return []
    shown = text.strip()
    scalar = _parse_scalar(shown)
    if scalar is not None:
        return [_Hit(hint.name, scalar, False, shown)]
    values = _parse_sequence(shown)
    if not values:
        return []
    if hint.kind == "cv":
        return [_Hit(hint.name, sum(values) / len(values), False, shown)]
    if hint.kind == "evaluate":
        names = _evaluate_names(len(values), hint, earlier)
        return [_Hit(name, value, False, shown) for name, value in zip(names, values)]
    return []


# --------------------------------------------------------------------------
# Reading the cell source
# --------------------------------------------------------------------------


def _strip_magics(source: str) -> str:
    """Make IPython cells parseable: drop magics, keep ``%time expr`` as ``expr``."""
    lines: list[str] = []
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        timed = _MAGIC_EXPR_RE.match(stripped)
        if stripped.startswith("%%"):
            lines.append("")
        elif timed:
            lines.append(indent + timed.group(1))
        elif stripped.startswith(("%", "!")):
            lines.append(indent + "pass")
        else:
            lines.append(line)
    return "\n".join(lines)


def _parse_module(source: str) -> ast.Module | None:
    """Parse a cell, or None when it is not (modern) Python."""
    try:
        return ast.parse(_strip_magics(source))
    except (SyntaxError, ValueError):
        return None


def _call_name(call: ast.Call) -> str | None:
    """``model.score(...)`` -> ``score``; ``f1_score(...)`` -> ``f1_score``."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _is_metric_function(name: str) -> bool:
    """sklearn-style metric functions: ``*_score``, ``*_error``, ``*_loss``."""
    return name.endswith(("_score", "_error", "_loss")) or name in {
        "matthews_corrcoef",
        "log_loss",
    }


def _keyword_is_false(call: ast.Call, keyword: str) -> bool:
    """True when the call passes ``keyword=False`` (e.g. ``squared=False``)."""
    return any(
        kw.arg == keyword and isinstance(kw.value, ast.Constant) and kw.value.value is False
        for kw in call.keywords
    )


def _call_hint(call: ast.Call, sqrt_seen: bool, metric_names: tuple[str, ...]) -> _Hint | None:
    """What a scoring call in the last statement means for its result."""
    name = _call_name(call)
    if name is None:
        return None
    if name == "cross_val_score":
        return _Hint("cv", "cv score")
    if name == "evaluate":
        return _Hint("evaluate", "loss", metric_names)
    if name == "score":
        return _Hint("scalar", "score")
    if not _is_metric_function(name):
        return None
    metric = normalise_metric_name(name)
    if metric == "mse" and (sqrt_seen or _keyword_is_false(call, "squared")):
        metric = "rmse"
    return _Hint("scalar", metric)


def _metric_identifier(identifier: str) -> str | None:
    """A variable named like a metric (``test_acc``, ``rmse``) names its value."""
    text = identifier.strip("_")
    if not text or _NAME_RE.fullmatch(text) is None:
        return None
    return normalise_metric_name(text)


def _identifier_hint(node: ast.expr) -> _Hint | None:
    """Hint for a last line that is just a metric-named variable or attribute."""
    if isinstance(node, ast.Name):
        identifier = node.id
    elif isinstance(node, ast.Attribute):
        identifier = node.attr
    else:
        return None
    name = _metric_identifier(identifier)
    return _Hint("scalar", name) if name else None


def _expr_hint(
    node: ast.expr, assigned: Mapping[str, _Hint], metric_names: tuple[str, ...]
) -> _Hint | None:
    """The outermost scoring call (or scored variable) in an expression."""
    sqrt_seen = False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            if _call_name(sub) == "sqrt":
                sqrt_seen = True
                continue
            hint = _call_hint(sub, sqrt_seen, metric_names)
            if hint is not None:
                return hint
        elif isinstance(sub, ast.Name) and sub.id in assigned:
            hint = assigned[sub.id]
            if sqrt_seen and hint.name == "mse":
                return _Hint("scalar", "rmse")
            return hint
    return _identifier_hint(node)


def _tuple_hints(target: ast.Tuple | ast.List, hint: _Hint) -> dict[str, _Hint]:
    """``loss, acc = model.evaluate(...)``: name each unpacked value."""
    out: dict[str, _Hint] = {}
    for index, element in enumerate(target.elts):
        if not isinstance(element, ast.Name):
            continue
        name = _metric_identifier(element.id)
        if name is None and index == 0:
            name = "loss"
        elif name is None and index - 1 < len(hint.metric_names):
            name = hint.metric_names[index - 1]
        out[element.id] = _Hint("scalar", name or "metric")
    return out


def _assigned_hints(
    statements: Sequence[ast.stmt], metric_names: tuple[str, ...]
) -> dict[str, _Hint]:
    """Variables assigned from scoring calls earlier in the cell."""
    assigned: dict[str, _Hint] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            continue
        hint = _expr_hint(value, assigned, metric_names)
        for target in targets:
            if isinstance(target, ast.Name):
                if hint is None:
                    assigned.pop(target.id, None)
                else:
                    assigned[target.id] = hint
            elif isinstance(target, (ast.Tuple, ast.List)) and hint and hint.kind == "evaluate":
                assigned.update(_tuple_hints(target, hint))
    return assigned


def _last_code_line(source: str) -> str:
    """Last non-blank, non-comment line, for cells that do not parse."""
    for line in reversed(source.splitlines()):
        if line.strip() and not line.strip().startswith("#"):
            return line
    return ""


def _regex_hint(source: str, metric_names: tuple[str, ...]) -> _Hint | None:
    """Best-effort hint when the cell is not parseable Python."""
    line = _last_code_line(source)
    if "cross_val_score(" in line:
        return _Hint("cv", "cv score")
    if ".evaluate(" in line:
        return _Hint("evaluate", "loss", metric_names)
    if ".score(" in line:
        return _Hint("scalar", "score")
    match = re.search(r"\b(\w+_(?:score|error|loss)|matthews_corrcoef)\(", line)
    if not match:
        return None
    metric = normalise_metric_name(match.group(1))
    if metric == "mse" and ("sqrt(" in line or "squared=False" in line):
        metric = "rmse"
    return _Hint("scalar", metric)


def _result_hint(source: str, metric_names: tuple[str, ...]) -> _Hint | None:
    """How to read a bare result, judged from the cell's last statement."""
    if not source.strip():
        return None
    tree = _parse_module(source)
    if tree is None:
        return _regex_hint(source, metric_names)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    assigned = _assigned_hints(tree.body[:-1], metric_names)
    return _expr_hint(tree.body[-1].value, assigned, metric_names)


def _metric_label(node: ast.expr) -> str | None:
    """Name of one entry of Keras ``metrics=[...]``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return normalise_metric_name(node.value)
    if isinstance(node, ast.Call):
        node = node.func
    identifier = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    if not isinstance(identifier, str):
        return None
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", identifier)
    return normalise_metric_name(snake)


def _keras_metric_names(source: str) -> tuple[str, ...] | None:
    """Metric names from ``model.compile(..., metrics=[...])`` in a cell."""
    if ".compile(" not in source:
        return None
    tree = _parse_module(source)
    if tree is None:
        found = re.search(r"metrics\s*=\s*\[([^\]]*)\]", source)
        if not found:
            return None
        quoted = re.findall(r"['\"]([^'\"]+)['\"]", found.group(1))
        return tuple(normalise_metric_name(item) for item in quoted)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) == "compile":
            for keyword in node.keywords:
                if keyword.arg == "metrics" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                    labels = (_metric_label(element) for element in keyword.value.elts)
                    return tuple(label for label in labels if label)
    return None


# --------------------------------------------------------------------------
# Public extraction
# --------------------------------------------------------------------------


def _to_score(hit: _Hit, cell_index: int, cell_id: str | None) -> Score:
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
    source_text = _join(source)
    if keras_metrics is None:
        keras_metrics = _keras_metric_names(source_text)  # compile and evaluate in one cell
    hint = _result_hint(source_text, tuple(keras_metrics or ()))
    scores: list[Score] = []
    for output in outputs:
        text = _output_text(output)
        if text is None:
            continue
        hits = _bare_hits(text, hint, scores)
        if not hits and not _is_table_repr(output, text):
            hits = _scan_text(text)
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
        source = _join(cell.get("source", ""))
        keras_metrics = _keras_metric_names(source) or keras_metrics
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
    return replace(pool[-1], lower_is_better=reference.lower_is_better)


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------


def _percent_scale(score: Score) -> bool:
    """Printed with %, or a 0..1 metric printed as e.g. ``93.1``."""
    return score.percent or (_is_bounded(score.name) and 1 < score.value <= 100)


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
