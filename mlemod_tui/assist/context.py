"""What a prompt carries: the few facts a model needs to fix one notebook problem, in budget.

Context is the product: a small local model answers well when it sees exactly the failing
cell (numbered), the traceback without library noise, the earlier cells that define the
names the cell uses (found with ``ast``, not the whole notebook), those names' live values
(read silently from the kernel), the library versions involved and the known-erosion hints.

Shrinking order, when a repair context is over its token budget (one step at a time, each
repeated until the context fits or the step has nothing left to take):

1. kernel-state previews: cut short, then removed (types, shapes, columns stay);
2. defining cells: the furthest from the failing cell dropped first;
3. the traceback: only the last frame, then only the final exception line;
4. hints: the last-listed dropped first;
5. then, only if still over: the kernel state, then the environment.

The failing cell with its line numbers and the final exception line are never dropped.
Runtime contexts shrink the timings table, then the least slow of the slowest cells (the
slowest stays), then the environment; score contexts drop the furthest producing cells,
then changed defaults, then the environment (the score and its cell stay).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from mlemod_tui.assist.code_analysis import (
    MAX_DEFINING_CELLS,
    Definers,
    defining_cells,
    defining_cells_in,
    names_used,
)
from mlemod_tui.assist.introspect import split_preview
from mlemod_tui.assist.kernel_state import (
    PREVIEW_CHARS,
    names_to_describe,
    read_kernel_state,
    state_text,
)
from mlemod_tui.assist.libraries import (
    environment_text,
    libraries_of,
    modules_involved,
    modules_involved_in,
    traceback_libraries,
)
from mlemod_tui.assist.tracebacks import clean_traceback, final_exception_line
from mlemod_tui.core.execution import CellError
from mlemod_tui.core.kernel import KernelSession
from mlemod_tui.core.notebook import Notebook, source_text
from mlemod_tui.core.repair_kind import RepairKind
from mlemod_tui.core.runtime import format_seconds, summarize_runtime
from mlemod_tui.core.scores import Score, compare_scores

REPAIR = RepairKind.ERROR_REPAIR
RUNTIME = RepairKind.RUNTIME_REDUCTION
SCORE = RepairKind.SCORE_CALIBRATION
KINDS = (REPAIR, RUNTIME, SCORE)

CHARS_PER_TOKEN = 3.5
SHORT_PREVIEW_CHARS = 60


@dataclass(frozen=True)
class Section:
    """One titled part of a prompt; lower ``priority`` numbers are dropped or shrunk last."""

    title: str
    text: str
    priority: int


@dataclass(frozen=True)
class PromptContext:
    """What one prompt carries, and what was left out to fit the budget."""

    kind: RepairKind
    sections: tuple[Section, ...]
    dropped: tuple[str, ...] = ()

    def render(self) -> str:
        """Markdown the model reads: one ``##`` heading per section, then what was left out."""
        parts = [f"## {s.title}\n{s.text.rstrip()}" for s in self.sections]
        if self.dropped:
            parts.append("(left out to fit the context budget: " + "; ".join(self.dropped) + ")")
        return "\n\n".join(parts) + "\n"

    def tokens(self) -> int:
        return estimate_tokens(self.render())

    def section(self, title_start: str) -> Section | None:
        """The first section whose title starts with ``title_start`` (tests, front ends)."""
        return next((s for s in self.sections if s.title.startswith(title_start)), None)


def estimate_tokens(text: str) -> int:
    """A conservative token count (~3.5 characters a token: code and tracebacks tokenize
    densely), so a context that fits here fits the model."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def numbered(source: str, start: int = 1) -> str:
    """``  1 | code`` lines, numbered like the traceback's ``Cell In[n], line k``."""
    lines = source.splitlines() or [""]
    width = max(3, len(str(start + len(lines) - 1)))
    return "\n".join(f"{start + i:>{width}} | {line}".rstrip() for i, line in enumerate(lines))


def fenced(text: str, lang: str = "python") -> str:
    """A fenced block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


# --------------------------------------------------------------------------- fitting the budget

D = TypeVar("D")
Step = Callable[[D], "tuple[D, str] | None"]


def _fit(
    kind: RepairKind,
    draft: D,
    compose: Callable[[D], list[Section]],
    steps: Sequence[Step[D]],
    budget_tokens: int,
) -> PromptContext:
    """Apply ``steps`` in order, each as often as needed, until the context fits."""
    dropped: list[str] = []

    def build() -> PromptContext:
        return PromptContext(kind, tuple(compose(draft)), tuple(dropped))

    context = build()
    for step in steps:
        while context.tokens() > budget_tokens:
            taken = step(draft)
            if taken is None:
                break
            draft, label = taken
            if label not in dropped:
                dropped.append(label)
            context = build()
    return context


# --------------------------------------------------------------------------- error repair


@dataclass(frozen=True)
class _RepairDraft:
    index: int
    cell_id: str
    failing: str
    ename: str
    error_line: str
    traceback: tuple[str, ...]
    frames: int
    definers: tuple[tuple[int, str, str], ...]  # (index, id, title) nearest last
    sources: tuple[str, ...]
    state: tuple[tuple[str, str], ...] | None
    preview: int
    hints: tuple[str, ...]
    environment: str | None


def _traceback_text(draft: _RepairDraft) -> str:
    """The cleaned traceback, with the final exception line added when it lacks one."""
    cleaned = clean_traceback(list(draft.traceback), draft.frames) if draft.traceback else ""
    ename = draft.ename.rsplit(".", 1)[-1]
    has_line = ename and re.search(rf"^{re.escape(ename)}\b", cleaned, re.M)
    if not has_line and draft.error_line not in cleaned:
        cleaned = f"{cleaned}\n{draft.error_line}" if cleaned else draft.error_line
    return cleaned


def _compose_repair(draft: _RepairDraft) -> list[Section]:
    sections = [
        Section(f"Failing cell {draft.index} (id {draft.cell_id})", fenced(numbered(draft.failing)), 0),
        Section("Error", fenced(_traceback_text(draft), "text"), 3),
    ]
    for j, _cell_id, title in draft.definers:
        sections.append(Section(title, fenced(draft.sources[j]), 4))
    if draft.state:
        state = state_text(draft.state, draft.preview)
        sections.append(Section("Kernel state of the names it uses", state, 5))
    if draft.environment:
        sections.append(Section("Environment", draft.environment, 1))
    if draft.hints:
        hints = "\n".join(f"- {h}" for h in draft.hints)
        sections.append(Section("Known erosions that match", hints, 2))
    return sections


def _trim_previews(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    has_preview = any(split_preview(d)[1] is not None for _, d in draft.state or ())
    if not has_preview or draft.preview <= 0:
        return None
    preview = SHORT_PREVIEW_CHARS if draft.preview > SHORT_PREVIEW_CHARS else 0
    return replace(draft, preview=preview), "kernel-state previews"


def _drop_furthest_definer(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    if not draft.definers:
        return None
    (j, cell_id, _), rest = draft.definers[0], draft.definers[1:]
    return replace(draft, definers=rest), f"earlier cell {j} (id {cell_id})"


def _shorten_traceback(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    if draft.frames <= 0 or not draft.traceback:
        return None
    frames = 1 if draft.frames > 1 else 0
    return replace(draft, frames=frames), "traceback frames before the last"


def _drop_last_hint(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    if not draft.hints:
        return None
    return replace(draft, hints=draft.hints[:-1]), f"hint {len(draft.hints)}"


def _drop_state(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    return None if not draft.state else (replace(draft, state=None), "kernel state")


def _drop_environment(draft: _RepairDraft) -> tuple[_RepairDraft, str] | None:
    return None if not draft.environment else (replace(draft, environment=None), "environment")


REPAIR_STEPS: tuple[Step[_RepairDraft], ...] = (
    _trim_previews,
    _drop_furthest_definer,
    _shorten_traceback,
    _drop_last_hint,
    _drop_state,
    _drop_environment,
)


def code_sources(notebook: Notebook) -> list[str]:
    """Every cell's source by index; markdown and raw cells read as empty (they bind nothing)."""
    return [source_text(c) if c.get("cell_type") == "code" else "" for c in notebook.cells]


def _definer_titles(
    definers: Definers, cells: Sequence[int], used: Sequence[str], notebook: Notebook
) -> tuple[tuple[int, str, str], ...]:
    """(index, id, title) per defining cell; the title says which used names it defines."""
    names = dict.fromkeys(used)
    for j in cells:
        names.update(dict.fromkeys(definers.facts(j).uses))
    out = []
    for j in cells:
        cell_id = str(notebook.cells[j].get("id", f"cell-{j}"))
        facts = definers.facts(j)
        bound = [n for n in names if n in facts.binds or n in facts.modifies]
        what = ", ".join(bound[:8])
        title = f"Earlier cell {j} (id {cell_id})" + (f", defines {what}" if what else "")
        out.append((j, cell_id, title))
    return tuple(out)


async def build_repair_context(
    notebook: Notebook,
    index: int,
    error: CellError,
    *,
    kernel: KernelSession | None,
    versions: Mapping[str, str | None],
    python: str,
    hints: Sequence[str] = (),
    budget_tokens: int = 6000,
) -> PromptContext:
    """The error-repair context for code cell ``index`` that raised ``error``."""
    sources = code_sources(notebook)
    failing = sources[index]
    used = names_used(failing)
    definers = Definers(sources)
    cells = defining_cells_in(definers, index, used, MAX_DEFINING_CELLS)
    modules = modules_involved_in(definers, [index, *cells])
    modules += [m for m in traceback_libraries(error.traceback, versions) if m not in modules]
    draft = _RepairDraft(
        index=index,
        cell_id=str(notebook.cells[index].get("id", f"cell-{index}")),
        failing=failing,
        ename=error.ename,
        error_line=final_exception_line(error),
        traceback=tuple(error.traceback),
        frames=4,
        definers=_definer_titles(definers, cells, used, notebook),
        sources=tuple(sources),
        state=await read_kernel_state(kernel, names_to_describe(used, definers, index)),
        preview=PREVIEW_CHARS,
        hints=tuple(h.strip() for h in hints if h and h.strip()),
        environment=environment_text(python, modules, versions),
    )
    return _fit(REPAIR, draft, _compose_repair, REPAIR_STEPS, budget_tokens)


# --------------------------------------------------------------------------- runtime


@dataclass(frozen=True)
class _RuntimeDraft:
    summary: str
    rows: tuple[str, ...]  # timing rows, slowest first
    slow: tuple[tuple[str, str], ...]  # (title, fenced source), slowest first
    environment: str | None


def _timing_rows(
    notebook: Notebook, today: Mapping[int, float], stored: Mapping[int, float]
) -> list[str]:
    """Table rows, slowest first (by the larger of today's and the stored time)."""

    def slowness(i: int) -> float:
        return -max(today.get(i, 0.0), stored.get(i, 0.0))

    indices = sorted(set(today) | set(stored), key=slowness)
    rows = []
    for i in indices:
        cell_id = notebook.cells[i].get("id", f"cell-{i}") if 0 <= i < len(notebook.cells) else "?"
        now, then = today.get(i), stored.get(i)
        ratio = f"x{now / then:.1f}" if now is not None and then else "—"
        rows.append(f"| {i} | {cell_id} | {format_seconds(now)} | {format_seconds(then)} | {ratio} |")
    return rows


def _runtime_summary(
    notebook: Notebook,
    today: Mapping[int, float],
    stored: Mapping[int, float],
    budget: float | None,
) -> str:
    remaining = [i for i in notebook.code_cell_indices() if i not in today]
    summary = summarize_runtime(today, stored, remaining, budget)
    lines = [
        f"Budget: {format_seconds(budget) if budget is not None else 'none set'}",
        f"Today so far: {format_seconds(summary.total_today)} over {len(today)} cell(s)",
        "Original (stored) total: "
        + (format_seconds(sum(stored.values())) if stored else "not recorded"),
    ]
    if summary.ratio is not None:
        lines.append(f"Today / original on cells measured both ways: x{summary.ratio:.2f}")
    if summary.projected_total is not None and remaining:
        projected = format_seconds(summary.projected_total)
        lines.append(f"Projected total with the {len(remaining)} cell(s) not run yet: {projected}")
    if budget is not None:
        lines.append("Over budget." if summary.over_budget else "Within budget so far.")
    return "\n".join(lines)


def _compose_runtime(draft: _RuntimeDraft) -> list[Section]:
    table = "| cell | id | today | stored | today/stored |\n|---|---|---|---|---|\n"
    table += "\n".join(draft.rows)
    sections = [Section("Runtime and budget", draft.summary + "\n\n" + table, 0)]
    sections += [Section(title, text, 2 + rank) for rank, (title, text) in enumerate(draft.slow)]
    if draft.environment:
        sections.append(Section("Environment", draft.environment, 1))
    return sections


def _trim_rows(draft: _RuntimeDraft) -> tuple[_RuntimeDraft, str] | None:
    keep = max(len(draft.slow), 1)
    if len(draft.rows) <= keep:
        return None
    rows = draft.rows[: max(keep, len(draft.rows) // 2)]
    return replace(draft, rows=rows), "timings of the faster cells"


def _drop_least_slow(draft: _RuntimeDraft) -> tuple[_RuntimeDraft, str] | None:
    if len(draft.slow) <= 1:
        return None
    return replace(draft, slow=draft.slow[:-1]), f"source of {draft.slow[-1][0].split(',')[0].lower()}"


def _drop_runtime_environment(draft: _RuntimeDraft) -> tuple[_RuntimeDraft, str] | None:
    return None if not draft.environment else (replace(draft, environment=None), "environment")


RUNTIME_STEPS: tuple[Step[_RuntimeDraft], ...] = (
    _trim_rows,
    _drop_least_slow,
    _drop_runtime_environment,
)


def build_runtime_context(
    notebook: Notebook,
    *,
    today: Mapping[int, float],
    stored: Mapping[int, float],
    budget: float | None,
    slowest: int = 3,
    versions: Mapping[str, str | None] | None = None,
    python: str = "unknown",
    budget_tokens: int = 6000,
) -> PromptContext:
    """The runtime-reduction context: per-cell timings, the budget, the slowest cells."""
    sources = code_sources(notebook)
    ranked = sorted(
        (i for i in set(today) | set(stored) if 0 <= i < len(sources) and sources[i].strip()),
        key=lambda i: -(today[i] if i in today else stored.get(i, 0.0)),
    )[:slowest]
    slow = []
    for i in ranked:
        took = today.get(i, stored.get(i))
        when = "today" if i in today else "originally"
        cell_id = notebook.cells[i].get("id", f"cell-{i}")
        title = f"Slow cell {i} (id {cell_id}), {format_seconds(took)} {when}"
        slow.append((title, fenced(numbered(sources[i]))))
    modules = modules_involved(sources, ranked) if ranked else libraries_of(sources)
    draft = _RuntimeDraft(
        summary=_runtime_summary(notebook, today, stored, budget),
        rows=tuple(_timing_rows(notebook, today, stored)),
        slow=tuple(slow),
        environment=environment_text(python, modules, versions or {}),
    )
    return _fit(RUNTIME, draft, _compose_runtime, RUNTIME_STEPS, budget_tokens)


# --------------------------------------------------------------------------- score


@dataclass(frozen=True)
class _ScoreDraft:
    summary: str
    score_cell: Section | None
    producers: tuple[tuple[int, str, str], ...]  # (index, title, fenced source), furthest first
    defaults: tuple[str, ...]
    environment: str | None


def _score_line(label: str, score: Score) -> str:
    pct = "%" if score.percent else ""
    where = f" (cell {score.cell_index})" if score.cell_index >= 0 else ""
    printed = score.text.strip()[:120]
    return f"{label}: {score.name} = {score.value:g}{pct}{where}, printed as `{printed}`"


def _score_summary(reference: Score, today: Score | None, tolerance: float) -> str:
    comparison = compare_scores(reference, today, tolerance)
    direction = "lower" if reference.lower_is_better else "higher"
    lines = [_score_line("Reference (stored)", reference)]
    lines.append(_score_line("Today", today) if today else "Today: not produced yet")
    if comparison.relative is not None:
        sign = "better" if comparison.improved else "worse"
        lines.append(
            f"Difference: {comparison.difference:+.4g} ({comparison.relative:.1%}, {sign}); "
            f"{direction} is better"
        )
    lines.append(f"Tolerance: {tolerance:.1%} relative; verdict: {comparison.verdict}")
    return "\n".join(lines)


def _compose_score(draft: _ScoreDraft) -> list[Section]:
    sections = [Section("Score", draft.summary, 0)]
    if draft.score_cell is not None:
        sections.append(draft.score_cell)
    sections += [Section(title, text, 4) for _, title, text in draft.producers]
    if draft.defaults:
        defaults = "\n".join(f"- {d}" for d in draft.defaults)
        sections.append(Section("Library defaults that changed", defaults, 2))
    if draft.environment:
        sections.append(Section("Environment", draft.environment, 1))
    return sections


def _drop_furthest_producer(draft: _ScoreDraft) -> tuple[_ScoreDraft, str] | None:
    if not draft.producers:
        return None
    j = draft.producers[0][0]
    return replace(draft, producers=draft.producers[1:]), f"earlier cell {j}"


def _drop_last_default(draft: _ScoreDraft) -> tuple[_ScoreDraft, str] | None:
    if not draft.defaults:
        return None
    return replace(draft, defaults=draft.defaults[:-1]), f"changed default {len(draft.defaults)}"


def _drop_score_environment(draft: _ScoreDraft) -> tuple[_ScoreDraft, str] | None:
    return None if not draft.environment else (replace(draft, environment=None), "environment")


SCORE_STEPS: tuple[Step[_ScoreDraft], ...] = (
    _drop_furthest_producer,
    _drop_last_default,
    _drop_score_environment,
)


def _score_cell_index(notebook: Notebook, reference: Score, today: Score | None) -> int | None:
    for score in (reference, today):
        if score is None:
            continue
        if score.cell_id is not None:
            try:
                return notebook.index_of(score.cell_id)
            except KeyError:
                pass
        if 0 <= score.cell_index < len(notebook.cells):
            return score.cell_index
    return None


def build_score_context(
    notebook: Notebook,
    *,
    reference: Score,
    today: Score | None,
    tolerance: float,
    changed_defaults: Sequence[str] = (),
    versions: Mapping[str, str | None] | None = None,
    python: str = "unknown",
    budget_tokens: int = 6000,
) -> PromptContext:
    """The score-calibration context: reference vs today, the cells that produce the score,
    the parameters whose library defaults changed."""
    sources = code_sources(notebook)
    index = _score_cell_index(notebook, reference, today)
    score_cell = None
    producers: list[tuple[int, str, str]] = []
    involved: list[str] = []
    if index is not None:
        cell_id = notebook.cells[index].get("id", f"cell-{index}")
        title = f"Cell {index} (id {cell_id}) that reports the score"
        score_cell = Section(title, fenced(numbered(sources[index])), 0)
        cells = defining_cells(sources, index, names_used(sources[index]))
        for j in cells:
            title = f"Earlier cell {j} (id {notebook.cells[j].get('id', f'cell-{j}')}) that produces it"
            producers.append((j, title, fenced(sources[j])))
        involved = modules_involved(sources, [index, *cells])
    draft = _ScoreDraft(
        summary=_score_summary(reference, today, tolerance),
        score_cell=score_cell,
        producers=tuple(producers),
        defaults=tuple(d.strip() for d in changed_defaults if d and d.strip()),
        environment=environment_text(python, involved or libraries_of(sources), versions or {}),
    )
    return _fit(SCORE, draft, _compose_score, SCORE_STEPS, budget_tokens)
