"""The headless core must never import Textual: only mlemod_tui/tui/ may. And the layers hold:
the core (mlemod_tui.core) imports nothing from assist or the TUI, the TUI nothing from the CLI,
no module takes another's private names, and the core has no import cycle."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import mlemod_tui

PACKAGE_DIR = Path(mlemod_tui.__file__).parent
UI_PACKAGE = "mlemod_tui.tui"


def headless_modules() -> list[str]:
    """Every module of the package outside the tui subpackage, found without importing any."""
    found = ["mlemod_tui"]
    pending = [(PACKAGE_DIR, "mlemod_tui.")]
    while pending:
        folder, prefix = pending.pop()
        for info in pkgutil.iter_modules([str(folder)], prefix):
            if info.name == UI_PACKAGE or info.name.startswith(UI_PACKAGE + "."):
                continue
            found.append(info.name)
            if info.ispkg:
                pending.append((folder / info.name.rsplit(".", 1)[1], info.name + "."))
    return sorted(found)


MODULES = headless_modules()

CHECK = """
import importlib, sys
importlib.import_module({name!r})
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
assert not loaded, f"{name} imported Textual: {{loaded[:5]}}"
"""


def test_the_walk_finds_the_core() -> None:
    for name in ("mlemod_tui.cli", "mlemod_tui.headless", "mlemod_tui.core.kernel"):
        assert name in MODULES
    assert not [m for m in MODULES if m.startswith(UI_PACKAGE)]


@pytest.mark.parametrize("name", MODULES)
def test_module_does_not_import_textual(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK.format(name=name)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_run_help_does_not_import_textual() -> None:
    code = (
        "import sys\nfrom mlemod_tui.cli import main\n"
        "assert main(['run', '--help']) == 0\n"
        "assert 'textual' not in sys.modules, 'run --help imported Textual'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "mlemod-tui run" in done.stdout


# -- layering, read from the source (every import: module level, inside functions, and under
# TYPE_CHECKING), so a lazy import cannot hide a dependency the layers forbid -------------------

MODULE_FILES = {
    ".".join(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted(PACKAGE_DIR.rglob("*.py"))
}
CORE_PACKAGE = "mlemod_tui.core"


@dataclass(frozen=True)
class ImportedName:
    line: int
    module: str  # the module imported from (absolute)
    name: str | None  # the name taken from it (``from module import name``), None for ``import``


def imports_of(module: str) -> list[ImportedName]:
    path = MODULE_FILES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[ImportedName] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend(ImportedName(node.lineno, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found.extend(ImportedName(node.lineno, source, alias.name) for alias in node.names)
    return found


def modules_reached(imported: ImportedName) -> set[str]:
    """The package's modules an import loads: the module and, for ``from package import sub``,
    the submodule."""
    reached = {imported.module}
    if imported.name is not None:
        reached.add(f"{imported.module}.{imported.name}")
    return {m for m in reached if m in MODULE_FILES}


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def offending_imports(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{MODULE_FILES[module].relative_to(PACKAGE_DIR.parent)}:{imported.line} imports {target}"
        for module in MODULE_FILES
        if any(within(module, package) for package in packages)
        for imported in imports_of(module)
        for target in sorted(modules_reached(imported) | {imported.module})
        if any(within(target, bad) for bad in forbidden)
    ]


def test_the_source_walk_finds_the_package() -> None:
    assert {"mlemod_tui", "mlemod_tui.core.scores", "mlemod_tui.tui.app", "mlemod_tui.cli"} <= set(MODULE_FILES)
    assert any(i.name == "KernelSession" for i in imports_of("mlemod_tui.core.session"))


def test_the_core_imports_nothing_from_assist_or_the_tui() -> None:
    assert offending_imports((CORE_PACKAGE,), ("mlemod_tui.assist", UI_PACKAGE)) == []


def test_the_tui_imports_nothing_from_the_cli() -> None:
    assert offending_imports((UI_PACKAGE,), ("mlemod_tui.cli",)) == []


def test_no_private_name_is_imported_from_another_module() -> None:
    """A name with a leading underscore is its module's own: a second module that needs it
    gets it made public (or moved), not reached into."""
    found = [
        f"{MODULE_FILES[module].relative_to(PACKAGE_DIR.parent)}:{imported.line} "
        f"imports {imported.module}.{imported.name}"
        for module in MODULE_FILES
        for imported in imports_of(module)
        if imported.name
        and imported.name.startswith("_")
        and not imported.name.startswith("__")
        and within(imported.module, "mlemod_tui")
    ]
    assert found == []


def import_graph(modules: list[str]) -> dict[str, set[str]]:
    """Which of ``modules`` each of them imports."""
    return {
        module: {t for imported in imports_of(module) for t in modules_reached(imported)}
        & set(modules) - {module}
        for module in modules
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for target in graph[node]:
            if target not in order:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], order[target])
        if low[node] == order[node]:
            component = [stack.pop()]
            while component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in order:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_scores_and_score_source_are_not_a_cycle() -> None:
    graph = import_graph([f"{CORE_PACKAGE}.scores", f"{CORE_PACKAGE}.score_source"])
    assert f"{CORE_PACKAGE}.score_source" in graph[f"{CORE_PACKAGE}.scores"]
    assert graph[f"{CORE_PACKAGE}.score_source"] == set()


def test_the_core_has_no_import_cycle() -> None:
    """Not even through a lazy import or one under TYPE_CHECKING (scores <-> score_source was)."""
    assert cycles(import_graph([m for m in MODULE_FILES if within(m, CORE_PACKAGE)])) == []
