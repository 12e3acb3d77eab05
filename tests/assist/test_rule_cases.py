"""Every rule, old code -> fixed code.

For installed libraries the old snippet must fail (or warn, or drift) today exactly as the
catalogue says and the fixed one must run; for the others the rewrite is checked on the
syntax tree (``syntax_only``). A crash's real message must lead back to its rule.
"""

from __future__ import annotations

import pytest

from mlemod_tui.assist.rules import RULES_BY_ID, apply_rules, match_crash, scan_source
from mlemod_tui.assist.rules.source import mask_magics
from tests.assist.case import Case, first_line, run_snippet
from tests.assist.cases_pandas import NUMPY, PANDAS
from tests.assist.cases_plotting import MATPLOTLIB, SEABORN
from tests.assist.cases_python import PYTHON
from tests.assist.cases_sklearn import SCIPY, SKLEARN
from tests.assist.cases_syntax import SYNTAX_ONLY

CASES: list[Case] = [
    *PANDAS,
    *NUMPY,
    *SKLEARN,
    *SCIPY,
    *MATPLOTLIB,
    *SEABORN,
    *PYTHON,
    *SYNTAX_ONLY,
]


def _warned(outcome, expected: tuple[str, str]) -> bool:  # type: ignore[no-untyped-def]
    category, fragment = expected
    return any(
        category in [c.__name__ for c in w.category.__mro__] and fragment in str(w.message)
        for w in outcome.warnings
    )


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_rule_case(case: Case) -> None:
    rule = RULES_BY_ID[case.rule]
    ename = evalue = None
    if not case.syntax_only:
        old = run_snippet(case.setup, case.old)
        if case.error:
            assert old.error is not None, f"{case.id}: the old code ran without an error"
            assert type(old.error).__name__ == case.error[0], repr(old.error)
            assert case.error[1] in str(old.error), str(old.error)
            ename, evalue = type(old.error).__name__, first_line(old.error)
        else:
            assert old.error is None, repr(old.error)
        if case.warns:
            assert _warned(old, case.warns), [str(w.message)[:80] for w in old.warnings]
        if case.check and old.error is None and not case.warns:
            assert not eval(case.check, old.namespace), "the old code already behaves as fixed"
        if rule.crash_only and not ename and case.warns:  # a warning names the erosion
            warned = next(w for w in old.warnings if w.category.__name__ == case.warns[0])
            ename, evalue = warned.category.__name__, str(warned.message).splitlines()[0]
    elif case.error:
        ename, evalue = case.error

    if rule.crash_only or not rule.fixable:
        assert ename, "a crash-only rule needs the crash"
        found = [
            f
            for f in match_crash(case.old, ename, evalue or "", preamble=case.setup)
            if f.rule_id == case.rule
        ]
        assert found, f"match_crash did not name {case.rule}"
    else:
        findings = scan_source(case.old, preamble=case.setup, include_runtime=True)
        found = [f for f in findings if f.rule_id == case.rule]
        assert found, f"scan_source missed it; found {[f.rule_id for f in findings]}"
        assert found[0].lines, "a static finding has line numbers"
        fixed, applied = apply_rules(case.old, [case.rule], preamble=case.setup)
        if case.fixed is not None:
            assert (fixed, applied) == (case.fixed, [case.rule])
        else:
            assert (fixed, applied) == (case.old, [])
            assert found[0].hint, "a rule without a patch explains what to do"
    assert found[0].new_source == case.fixed

    if ename and rule.crash is not None:
        named = [f.rule_id for f in match_crash(case.old, ename, evalue or "", preamble=case.setup)]
        assert case.rule in named, f"{ename}: {evalue} -> {named}"

    if case.fixed is None:
        return
    masked = mask_magics(case.fixed)  # the fixed cell as the engine parses it (magics masked)
    compile(masked.text if masked is not None else case.fixed, "<fixed>", "exec")
    if case.syntax_only:
        return
    new = run_snippet(case.setup, case.fixed)
    assert new.error is None, repr(new.error)
    if case.warns:
        assert not _warned(new, case.warns), "the fixed code still warns"
    if case.check:
        assert eval(case.check, new.namespace), f"check failed: {case.check}"


def test_every_rule_has_a_case() -> None:
    covered = {c.rule for c in CASES}
    missing = sorted(set(RULES_BY_ID) - covered)
    assert not missing, f"rules without a test case: {missing}"


def test_applying_every_rule_to_every_case_never_breaks_the_syntax() -> None:
    for case in CASES:
        fixed, _ = apply_rules(case.old, preamble=case.setup)
        if fixed != case.old:
            compile(fixed, case.id, "exec")
