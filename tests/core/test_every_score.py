"""Every stored metric is compared, not only the last: same cell, same name, same occurrence."""

from __future__ import annotations

from mlemod_tui.core.scores import compare_every_score, describe_metric, differing
from tests.core.test_scores import code, markdown, stream

STORED = [
    markdown("# two models"),
    code("print(...)", stream("validation accuracy: 0.91\ntest accuracy: 0.88\n"), cell_id="a"),
    code("print(...)", stream("test accuracy: 0.80\ntest accuracy: 0.82\n"), cell_id="b"),
]


def _today(first: str, second: str) -> list[dict[str, object]]:
    return [STORED[0], code("print(...)", stream(first), cell_id="a"), code("print(...)", stream(second), cell_id="b")]


def test_a_drift_in_an_earlier_metric_is_seen_even_when_the_last_one_matches() -> None:
    today = _today("validation accuracy: 0.91\ntest accuracy: 0.70\n", "test accuracy: 0.80\ntest accuracy: 0.82\n")
    every = compare_every_score(STORED, today, tolerance=0.05)
    assert [c.verdict for c in every] == ["within", "drifted", "within", "within"]
    [off] = differing(every)
    assert describe_metric(off) == "test accuracy (cell 1): 0.88 -> 0.7 (-20.5%)"


def test_same_named_metrics_in_one_cell_pair_by_occurrence() -> None:
    today = _today("validation accuracy: 0.91\ntest accuracy: 0.88\n", "test accuracy: 0.82\ntest accuracy: 0.80\n")
    every = compare_every_score(STORED, today, tolerance=0.01)
    assert [c.verdict for c in every] == ["within", "within", "drifted", "drifted"]


def test_a_cell_that_did_not_run_today_has_not_produced_its_metrics() -> None:
    every = compare_every_score(STORED, STORED, tolerance=0.05, ran={1})
    assert [c.verdict for c in every] == ["within", "within", "not produced yet", "not produced yet"]
    assert describe_metric(every[2]) == "test accuracy (cell 2): 0.8 -> not produced"


def test_todays_value_comes_from_the_same_printed_line_as_the_reference() -> None:
    """Issue 13 item 1: an old classification report had no accuracy row; today's has one,
    after the notebook's own ``Accuracy:`` line. Today's value is the line's, not the row's."""
    from mlemod_tui.core.scores import compare_scores, reference_score, todays_score

    stored = [code("print(...)", stream("Accuracy: 0.9510\n"), cell_id="m")]
    report = (
        "              precision    recall  f1-score   support\n"
        "    accuracy                           0.97       171\n"
    )
    today = [code("print(...)", stream("Accuracy: 0.9650\n" + report), cell_id="m")]
    reference = reference_score(stored)
    assert reference is not None
    now = todays_score(reference, today)
    assert now is not None and now.value == 0.965
    comparison = compare_scores(reference, now)
    assert comparison.difference is not None and abs(comparison.difference - 0.014) < 1e-9
    [every] = compare_every_score(stored, today)
    assert every.today is not None and every.today.value == 0.965
