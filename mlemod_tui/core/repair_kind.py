"""The three kinds of repair, one spelling: the front ends, the loop, the journal and the
report all say which problem a patch is for with a :class:`RepairKind`.

The enum's values are the strings journals, provenance and reports have always used, so an
old journal still loads (``RepairKind("error-repair")``) and JSON output is unchanged (a
``StrEnum`` serializes as its value).
"""

from __future__ import annotations

from enum import StrEnum


class RepairKind(StrEnum):
    """Which problem a proposal or patch addresses."""

    ERROR_REPAIR = "error-repair"  # a cell crashed
    RUNTIME_REDUCTION = "runtime-reduction"  # a cell or the projected total is over budget
    SCORE_CALIBRATION = "score-calibration"  # today's score drifts beyond tolerance

    @property
    def approximates(self) -> bool:
        """A runtime reduction trades fidelity for time (fewer epochs, a subsample): the
        notebook it leaves is an approximation of the author's, and is tracked as one."""
        return self == RepairKind.RUNTIME_REDUCTION
