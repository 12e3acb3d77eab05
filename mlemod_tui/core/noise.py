"""Is a drifted score within run-to-run noise? A small re-run study and a one-sample t-test.

An unseeded notebook gives another score on every run (a random split, a random forest without
``random_state``), so a stored 0.951 against today's 0.965 may be chance, not erosion. Following
MLEModernizer's check, the cells that train and score are re-run a few times in the live kernel
(their random state moves on between runs, so each run is a fresh draw) and the stored value is
tested against today's values: within noise when a two-sided t-test at 5 % cannot tell them
apart. A seeded notebook gives the same number every run: its drift is real, no re-run needed.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided 95 % critical values of Student's t by degrees of freedom (n - 1 re-runs).
T_CRITICAL_95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
}
MAX_RERUNS = 10

_SEED = re.compile(
    r"\brandom_state\s*=\s*-?\d+|\b(?:np\.)?random\.seed\s*\(|\bmanual_seed\s*\(|\bset_seed\s*\("
    r"|\bRandomState\s*\(\s*\d|\bdefault_rng\s*\(\s*\d|\bseed\s*\(\s*\d"
)
_TRAINS = re.compile(r"\.fit\w*\s*\(|\bcross_val\w*\s*\(|\btrain_test_split\s*\(|\brandom\b")


def is_seeded(sources: Sequence[str]) -> bool:
    """Do these cells fix their randomness (``random_state=0``, ``np.random.seed(1)``)?"""
    return any(_SEED.search(source) for source in sources)


def trains(source: str) -> bool:
    """Does this cell fit, split or draw at random (where run-to-run noise comes from)?"""
    return _TRAINS.search(source) is not None


@dataclass(frozen=True)
class NoiseCheck:
    """The stored value against ``values``, today's re-runs of the cells behind it."""

    metric: str
    cell_index: int
    reference: float
    values: tuple[float, ...]
    seeded: bool

    @property
    def within(self) -> bool:
        """Can the re-runs not tell the stored value apart from today's (t-test, 5 %)?"""
        if self.seeded or len(self.values) < 2:
            return False
        mean = statistics.fmean(self.values)
        spread = statistics.stdev(self.values)
        if spread == 0:
            return math.isclose(mean, self.reference, rel_tol=1e-9, abs_tol=1e-12)
        t = abs(mean - self.reference) / (spread / math.sqrt(len(self.values)))
        return t <= T_CRITICAL_95[min(len(self.values) - 1, max(T_CRITICAL_95))]

    def describe(self) -> str:
        """One line for the score panel and the report."""
        if self.seeded:
            return f"{self.metric}: the cells are seeded, so the difference is not run-to-run noise"
        mean = statistics.fmean(self.values)
        spread = statistics.stdev(self.values) if len(self.values) > 1 else 0.0
        verdict = "within run-to-run noise" if self.within else "not run-to-run noise"
        return (
            f"{self.metric}: {verdict} ({len(self.values)} runs today: {mean:.4g} ± {spread:.2g}; "
            f"stored {self.reference:.4g})"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "cell": self.cell_index,
            "reference": self.reference,
            "values": list(self.values),
            "seeded": self.seeded,
            "within_noise": self.within,
            "line": self.describe(),
        }
