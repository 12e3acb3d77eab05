"""Per-cell patches: the LLM-style diffs of library-facts §5, context-checked apply, round trips."""

from __future__ import annotations

import random

import pytest
from unidiff import PatchSet

from mlemod_tui.core.patch import (
    CellPatch,
    Hunk,
    Patch,
    PatchError,
    apply_hunks,
    apply_patch,
    diff_sources,
    parse_diff,
    reverse,
)
from mlemod_tui.errors import MlemodError

# A 10-line cell; the expected change is on line 8 (as in library-facts §5).
SOURCE = "\n".join(
    [
        "import pandas as pd",
        "from sklearn.ensemble import RandomForestClassifier",
        "",
        'df = pd.read_csv("train.csv")',
        'extra = pd.read_csv("extra.csv")',
        "",
        "# combine both files",
        "df = df.append(extra, ignore_index=True)",
        'X, y = df.drop(columns=["target"]), df["target"]',
        "model = RandomForestClassifier(n_estimators=10).fit(X, y)",
    ]
)
OLD_8 = "df = df.append(extra, ignore_index=True)"
NEW_8 = "df = pd.concat([df, extra], ignore_index=True)"
EXPECTED = SOURCE.replace(OLD_8, NEW_8)
BODY = [" ", " # combine both files", f"-{OLD_8}", f"+{NEW_8}", ' X, y = df.drop(columns=["target"]), df["target"]']
HEADERS = "--- a/cell/c1\n+++ b/cell/c1\n"


def _diff(header: str, body: list[str] = BODY, headers: str = HEADERS) -> str:
    return headers + header + "\n" + "\n".join(body) + "\n"


def _applied(text: str) -> str:
    patch = parse_diff(text, default_cell_id="c1")
    # Never lose lines: the one change survives whatever the model's counts said.
    assert [h.removed() for _, _, h in patch.iter_hunks()] == [[OLD_8]]
    assert [h.added() for _, _, h in patch.iter_hunks()] == [[NEW_8]]
    return apply_patch({"c1": SOURCE}, patch)["c1"]


# --------------------------------------------------------------------------- library-facts §5


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("@@ -6,4 +6,4 @@", id="good"),
        pytest.param("@@ -12,4 +12,4 @@", id="wrong-start-after"),
        pytest.param("@@ -1,4 +1,4 @@", id="wrong-start-before"),
        pytest.param("@@ -6,3 +6,3 @@", id="counts-too-small"),
        pytest.param("@@ -6,1 +6,1 @@", id="counts-far-too-small"),
        pytest.param("@@ -6,6 +6,6 @@", id="counts-too-big"),
        pytest.param("@@ @@", id="bare-at-at"),
        pytest.param("@@", id="bare-single"),
        pytest.param("@@ -6,4 +6,4 @@ def section():", id="section-heading"),
    ],
)
def test_llm_hunk_headers_are_recounted(header: str) -> None:
    assert _applied(_diff(header)) == EXPECTED


def test_bare_hunk_has_unknown_start() -> None:
    patch = parse_diff(_diff("@@ @@"))
    assert patch.cells[0].hunks[0].source_start is None


def test_no_headers_uses_default_cell() -> None:
    text = _diff("@@ -6,4 +6,4 @@", headers="")
    assert parse_diff(text, default_cell_id="c1").cell_ids() == ["c1"]
    assert _applied(text) == EXPECTED


def test_no_headers_and_no_default_is_an_error() -> None:
    with pytest.raises(PatchError, match="names no cell"):
        parse_diff(_diff("@@ -6,4 +6,4 @@", headers=""))


def test_crlf_diff() -> None:
    text = _diff("@@ -6,4 +6,4 @@").replace("\n", "\r\n")
    patch = parse_diff(text)
    assert patch.cell_ids() == ["c1"]
    assert not any("\r" in line for _, _, h in patch.iter_hunks() for line in h.lines)
    assert _applied(text) == EXPECTED


def test_crlf_source_is_normalised() -> None:
    patch = parse_diff(_diff("@@ -6,4 +6,4 @@"))
    assert apply_patch({"c1": SOURCE.replace("\n", "\r\n")}, patch)["c1"] == EXPECTED


def test_blank_context_line_without_leading_space() -> None:
    body = ["", *BODY[1:]]
    assert _applied(_diff("@@ -6,4 +6,4 @@", body)) == EXPECTED


def test_fenced_diff_with_prose_around() -> None:
    text = (
        "The cell uses `DataFrame.append`, removed in pandas 2.0.\n\n"
        "```diff\n" + _diff("@@ -6,4 +6,4 @@") + "```\n\n"
        "This keeps the row order.\n- it also works on pandas 1.x\n"
    )
    assert _applied(text) == EXPECTED


def test_unfenced_diff_with_prose_around() -> None:
    text = "Here is the fix:\n\n" + _diff("@@ -6,4 +6,4 @@") + "\nThis keeps the row order.\n"
    assert _applied(text) == EXPECTED


def test_hallucinated_context_line_is_refused() -> None:
    body = [" ", " # merge the two frames", f"-{OLD_8}", f"+{NEW_8}", BODY[-1]]
    patch = parse_diff(_diff("@@ -6,4 +6,4 @@", body))
    with pytest.raises(PatchError) as caught:
        apply_patch({"c1": SOURCE}, patch)
    message = str(caught.value)
    assert "cell 'c1'" in message and "hunk 1" in message
    assert "# merge the two frames" in message
    assert isinstance(caught.value, MlemodError)


def test_hallucinated_removed_line_is_refused() -> None:
    body = [" # combine both files", "-df = df.append(extra)", f"+{NEW_8}"]
    with pytest.raises(PatchError, match=r"df = df.append\(extra\)"):
        apply_hunks(SOURCE, parse_diff(_diff("@@ @@", body)).cells[0].hunks)


def test_garbage_is_not_a_diff() -> None:
    with pytest.raises(PatchError, match="no diff found"):
        parse_diff("I could not find a problem in this cell.", default_cell_id="c1")


def test_context_only_diff_changes_nothing() -> None:
    with pytest.raises(PatchError, match="no hunk that changes"):
        parse_diff(_diff("@@ -6,2 +6,2 @@", BODY[:2]))


# --------------------------------------------------------------------------- headers and paths


@pytest.mark.parametrize(
    ("old", "new"),
    [("a/cell/abc-1", "b/cell/abc-1"), ("cell/abc-1", "cell/abc-1"), ("abc-1", "abc-1"), ("/dev/null", "b/cell/abc-1")],
)
def test_cell_paths(old: str, new: str) -> None:
    text = _diff("@@ -6,4 +6,4 @@", headers=f"--- {old}\t2024-01-01\n+++ {new}\n")
    assert parse_diff(text).cell_ids() == ["abc-1"]


def test_renaming_cell_is_an_error() -> None:
    with pytest.raises(PatchError, match="rename"):
        parse_diff(_diff("@@ -6,4 +6,4 @@", headers="--- a/cell/x\n+++ b/cell/y\n"))


def test_header_is_recounted_from_body() -> None:
    hunk = Hunk(6, tuple(BODY))
    assert hunk.header() == "@@ -6,4 +6,4 @@"
    assert hunk.old_lines() == ["", "# combine both files", OLD_8, BODY[-1][1:]]
    assert hunk.new_lines() == ["", "# combine both files", NEW_8, BODY[-1][1:]]
    assert Hunk(3, ("+a", "+b")).header() == "@@ -2,0 +3,2 @@"
    assert Hunk(3, ("-a",)).header(7) == "@@ -3,1 +6,0 @@"


def test_to_diff_recounts_and_unidiff_agrees() -> None:
    patch = parse_diff(_diff("@@ -6,1 +6,1 @@"))
    text = patch.to_diff()
    assert text.startswith("--- a/cell/c1\n+++ b/cell/c1\n@@ -6,4 +6,4 @@\n")
    parsed = PatchSet(text)
    assert parsed[0][0].source_length == 4 and parsed[0][0].target_length == 4
    assert parse_diff(text) == patch


# --------------------------------------------------------------------------- applying

LONG = "\n".join(f"value_{i} = compute({i})" for i in range(1, 41))


def test_multi_hunk_with_offsets() -> None:
    new = LONG.replace("value_3 = compute(3)", "value_3 = compute(3)\nextra_a = 1\nextra_b = 2\nextra_c = 3")
    new = new.replace("value_30 = compute(30)", "value_30 = compute(300)")
    cell = diff_sources("c", LONG, new)
    assert len(cell.hunks) == 2
    assert apply_hunks(LONG, cell.hunks) == new
    # A model that numbers the second hunk in new-file coordinates: found by nearest match.
    shifted = (cell.hunks[0], Hunk(cell.hunks[1].source_start + 3, cell.hunks[1].lines))
    assert apply_hunks(LONG, shifted) == new


def test_stated_line_wins_over_earlier_identical_context() -> None:
    block = "for epoch in range(10):\n    train()\n"
    source = "setup()\n" + block + "between()\n" + block + "done()"
    hunk = Hunk(6, (" for epoch in range(10):", "-    train()", "+    train(fast=True)"))
    result = apply_hunks(source, [hunk])
    assert result.split("\n")[2] == "    train()"
    assert result.split("\n")[5] == "    train(fast=True)"


def test_whitespace_tolerant_match_keeps_cell_context() -> None:
    source = "a = 1   \n    \nb = 2"
    hunk = Hunk(1, (" a = 1", " ", "-b = 2", "+b = 3"))
    assert apply_hunks(source, [hunk]) == "a = 1   \n    \nb = 3"


def test_insertion_needs_a_place() -> None:
    assert apply_hunks("a\nb", [Hunk(2, ("+x",))]) == "a\nx\nb"
    with pytest.raises(PatchError, match="no context and no line number"):
        apply_hunks("a\nb", [Hunk(None, ("+x",))])


def test_overlapping_duplicate_hunk_is_refused() -> None:
    # The second hunk's old side only exists in what the first one wrote: never edit that again.
    hunks = [Hunk(1, (" a", "-b", "+c")), Hunk(1, (" a", "-c", "+e"))]
    with pytest.raises(PatchError, match="hunk 2 .*overlaps"):
        apply_hunks("a\nb\nd", hunks)


@pytest.mark.parametrize("tail", ["", "\n"])
def test_trailing_newline_state_is_preserved(tail: str) -> None:
    hunk = Hunk(2, (" x = 1", "-y = 2", "+y = 3"))
    assert apply_hunks("w = 0\nx = 1\ny = 2" + tail, [hunk]) == "w = 0\nx = 1\ny = 3" + tail
    assert apply_hunks("a\nb" + tail, [Hunk(1, ("-a", "-b"))]) == ""


def test_patch_on_empty_cell() -> None:
    cell = diff_sources("c", "", "import numpy as np\n")
    assert cell.hunks[0].header() == "@@ -0,0 +1,1 @@"
    assert apply_hunks("", cell.hunks) == "import numpy as np"


MULTI_CELL = """Two cells need changes.

```diff
--- a/cell/load
+++ b/cell/load
@@ -1,2 +1,2 @@
-df = pd.read_csv("data.csv", error_bad_lines=False)
+df = pd.read_csv("data.csv", on_bad_lines="skip")
 df.head()
--- a/cell/fit
+++ b/cell/fit
@@ -1,3 +1,3 @@
 from sklearn.model_selection import train_test_split
-from sklearn.cross_validation import cross_val_score
+from sklearn.model_selection import cross_val_score
 scores = cross_val_score(model, X, y)
@@ -5,2 +5,2 @@
 print(scores.mean())
-print(model.best_score_)
+print(round(model.best_score_, 3))
```
"""
SOURCES = {
    "load": 'df = pd.read_csv("data.csv", error_bad_lines=False)\ndf.head()',
    "fit": "from sklearn.model_selection import train_test_split\n"
    "from sklearn.cross_validation import cross_val_score\n"
    "scores = cross_val_score(model, X, y)\n"
    "# report\n"
    "print(scores.mean())\n"
    "print(model.best_score_)\n",
    "plot": "plt.show()",
}


def test_multi_cell_patch() -> None:
    patch = parse_diff(MULTI_CELL)
    assert patch.cell_ids() == ["load", "fit"]
    assert patch.hunk_count() == 3
    new = apply_patch(SOURCES, patch)
    assert set(new) == {"load", "fit"}
    assert new["load"] == 'df = pd.read_csv("data.csv", on_bad_lines="skip")\ndf.head()'
    assert "sklearn.model_selection import cross_val_score" in new["fit"]
    assert new["fit"].endswith("print(round(model.best_score_, 3))\n")


def test_accepted_subset_of_hunks() -> None:
    patch = parse_diff(MULTI_CELL)
    new = apply_patch(SOURCES, patch, accepted={("fit", 1)})
    assert list(new) == ["fit"]
    assert "sklearn.cross_validation" in new["fit"]  # hunk 0 was rejected
    assert "round(model.best_score_, 3)" in new["fit"]
    assert apply_patch(SOURCES, patch, accepted=set()) == {}


def test_unknown_cell_id_is_refused() -> None:
    patch = parse_diff(MULTI_CELL)
    with pytest.raises(PatchError, match="unknown cell id 'fit'"):
        apply_patch({"load": SOURCES["load"]}, patch)


def test_failing_hunk_names_cell_and_hunk() -> None:
    sources = dict(SOURCES, fit=SOURCES["fit"].replace("print(model.best_score_)", "print(best)"))
    with pytest.raises(PatchError, match=r"cell 'fit': hunk 2 .*print\(model.best_score_\)"):
        apply_patch(sources, parse_diff(MULTI_CELL))


def test_hunks_for_one_cell_in_separate_blocks_merge() -> None:
    text = (
        "```diff\n--- a/cell/fit\n+++ b/cell/fit\n@@ -1,3 +1,3 @@\n"
        " from sklearn.model_selection import train_test_split\n"
        "-from sklearn.cross_validation import cross_val_score\n"
        "+from sklearn.model_selection import cross_val_score\n```\n"
        "and\n```diff\n@@ -6 +6 @@\n-print(model.best_score_)\n+print(1)\n```\n"
    )
    patch = parse_diff(text, default_cell_id="fit")
    assert patch.cell_ids() == ["fit"] and patch.hunk_count() == 2


# --------------------------------------------------------------------------- round trips

VOCAB = ["x = 1", "y = x + 1", "", "print(y)", "    return y", "model.fit(X, y)", "# note", "plt.show()"]


def _random_edit(rng: random.Random, lines: list[str]) -> list[str]:
    out = list(lines)
    for _ in range(rng.randint(1, 5)):
        op = rng.choice(["insert", "delete", "replace"])
        at = rng.randint(0, len(out))
        if op == "insert" or not out:
            out[at:at] = rng.choices(VOCAB, k=rng.randint(1, 3))
        elif op == "delete":
            del out[min(at, len(out) - 1) : min(at, len(out) - 1) + rng.randint(1, 3)]
        else:
            out[min(at, len(out) - 1)] = rng.choice(VOCAB) + " # changed"
    return out


@pytest.mark.parametrize("context", [0, 1, 3])
def test_diff_sources_apply_round_trip(context: int) -> None:
    rng = random.Random(20240501 + context)
    for _ in range(150):
        old_lines = rng.choices(VOCAB, k=rng.randint(0, 30))
        tail = rng.choice(["", "\n"]) if old_lines else ""
        old = "\n".join(old_lines) + tail
        new_lines = _random_edit(rng, old_lines)
        new = "\n".join(new_lines) + (tail if new_lines else "")
        new = _with_tail(new, old.endswith("\n"))  # a patch keeps the source's final newline
        cell = diff_sources("c", old, new, context=context)
        assert apply_hunks(old, cell.hunks) == new, (old, new, cell)
        if new:  # an emptied cell keeps no trailing-newline state to restore
            assert apply_hunks(new, reverse(Patch((cell,))).cells[0].hunks) == old, (old, new)
        reparsed = parse_diff(Patch((cell,)).to_diff()) if cell.hunks else Patch(())
        assert apply_patch({"c": old}, reparsed).get("c", old) == new


def _with_tail(text: str, ends: bool) -> str:
    body = text[:-1] if text.endswith("\n") else text
    return body + "\n" if ends and body else body


def test_identical_sources_give_no_hunks() -> None:
    assert diff_sources("c", SOURCE, SOURCE + "\n") == CellPatch("c", ())


def test_reverse_round_trip() -> None:
    patch = parse_diff(MULTI_CELL)
    new = dict(SOURCES, **apply_patch(SOURCES, patch))
    undo = reverse(patch)
    assert reverse(undo) == patch
    assert apply_patch(new, undo) == {cid: SOURCES[cid] for cid in ("load", "fit")}
    assert undo.cells[0].hunks[0].removed() == patch.cells[0].hunks[0].added()
