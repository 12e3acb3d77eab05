"""Find metric values in printed notebook text.

The keyword and qualifier vocabulary, the regular expressions built from it,
metric-name normalisation, ANSI/progress-bar clean-up of captured output, and
the line scanners for keyword-led forms (``accuracy: 0.93``), XGBoost/LightGBM
eval logs, ``0.95 (+/- 0.02)`` spreads, ``LR: 0.95 (0.04)`` comparisons and
classification reports.  Pure stdlib; :mod:`mlemod_tui.core.scores` is the
public API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple


class Hit(NamedTuple):
    """A metric found in text, before it is tied to a cell."""

    name: str
    value: float
    percent: bool
    text: str


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
NAME_RE = re.compile(_NAME, re.IGNORECASE)
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

# Not mlemod_tui.progress.strip_ansi / core.outputs.collapse_progress: this one also drops
# OSC title sequences, and _clean_text keeps the last non-blank \r segment (a trailing
# "\r" or "\r   " must not erase a printed metric), which those functions do not.
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")

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
    match = NAME_RE.fullmatch(text)
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


def is_bounded(name: str) -> bool:
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


def joined_text(value: Any) -> str:
    """nbformat allows multi-line strings stored as lists of lines."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return str(value) if value is not None else ""


def output_text(output: Mapping[str, Any]) -> str | None:
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
    return _clean_text(joined_text(raw))


# --------------------------------------------------------------------------
# Scanning printed text
# --------------------------------------------------------------------------


def _looks_measured(number: str, percent: str | None) -> bool:
    """Metrics are fractional or percentages; bare integers are counts or ids."""
    return bool(percent) or "." in number or "e" in number.lower()


def _generic_hit(match: re.Match[str]) -> Hit | None:
    """Turn a keyword match into a hit, rejecting spreads and bare integers."""
    qualifiers = _qualifier_words(match["where"]) + _qualifier_words(match["qual"])
    if any(word in _SPREAD_WORDS for word in qualifiers):
        return None
    if not _looks_measured(match["num"], match["pct"]):
        return None
    name = _join_name(qualifiers, _canonical_keyword(match["kw"]))
    return Hit(name, float(match["num"]), bool(match["pct"]), match.group(0).strip())


def _generic_hits(line: str) -> Iterator[tuple[int, int, Hit]]:
    """Keyword-led forms: ``accuracy: 0.93``, ``RMSE 0.41``, ``AUC=0.87``."""
    for match in _GENERIC_RE.finditer(line):
        hit = _generic_hit(match)
        if hit is not None:
            yield match.start(), match.end(), hit


def _booster_name(dataset: str, metric: str) -> str:
    """XGBoost/LightGBM names: eval set plus metric, e.g. ``valid_0 auc``."""
    return f"{dataset.lower()} {normalise_metric_name(metric)}"


def _booster_hits(line: str) -> Iterator[tuple[int, int, Hit]]:
    """``[99] validation_0-logloss:0.12`` and ``[100] valid_0's auc: 0.91``.

    Only on ``[N]`` iteration lines, so prose like "Cohen's kappa: 0.7" is
    left to the keyword finder.
    """
    if not _ITERATION_LINE_RE.match(line):
        return
    for pattern in (_LGBM_RE, _XGB_RE):
        for match in pattern.finditer(line):
            name = _booster_name(match["ds"], match["metric"])
            yield match.start(), match.end(), Hit(name, float(match["num"]), False, match.group(0))


def _label_before(line: str, end: int) -> str | None:
    """The words printed just before a value, used to name unlabelled forms."""
    match = _LABEL_BEFORE_RE.search(line[:end])
    return match["label"] if match else None


def _spread_hits(line: str) -> Iterator[tuple[int, int, Hit]]:
    """``0.95 (+/- 0.02)``: named after the preceding words, else ``cv score``."""
    if "+-" not in line and "+/-" not in line and "±" not in line:
        return
    for match in _PM_RE.finditer(line):
        if not _looks_measured(match["num"], match["pct"]):
            continue
        label = _label_before(line, match.start())
        name = normalise_metric_name(label) if label else "cv score"
        hit = Hit(name, float(match["num"]), bool(match["pct"]), match.group(0).strip())
        yield match.start(), match.end(), hit


def _mean_std_hits(line: str) -> Iterator[tuple[int, int, Hit]]:
    """The classic model-comparison print ``LR: 0.958333 (0.045644)``."""
    match = _MEAN_STD_RE.match(line) if line.rstrip().endswith(")") else None
    if match and "." in match["num"] and "." in match["std"]:
        name = normalise_metric_name(match["label"])
        yield match.start(), match.end(), Hit(name, float(match["num"]), False, line.strip())


def _scan_line(line: str) -> list[Hit]:
    """All hits on one line, earlier finders winning over overlapping later ones."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Hit]] = []
    for finder in (_booster_hits, _generic_hits, _spread_hits, _mean_std_hits):
        for start, end, hit in finder(line):
            if any(start < stop and begin < end for begin, stop in taken):
                continue
            taken.append((start, end))
            found.append((start, hit))
    return [hit for _, hit in sorted(found, key=lambda pair: pair[0])]


def scan_text(text: str) -> list[Hit]:
    """Hits in printed text; inside a classification report only the accuracy row."""
    hits: list[Hit] = []
    in_report = False
    for line in text.split("\n"):
        if _REPORT_HEADER_RE.search(line):
            in_report = True
            continue
        if in_report:
            match = _REPORT_ACCURACY_RE.match(line)
            if match:
                hits.append(Hit("accuracy", float(match["num"]), False, line.strip()))
            in_report = not _REPORT_END_RE.match(line)
            continue
        hits.extend(_scan_line(line))
    return hits
