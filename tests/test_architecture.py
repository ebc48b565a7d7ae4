"""The house keeps its shape: arrows point down only, no cycles, short modules and functions.

``layers/`` is the ground floor (it imports neither ``pipeline/`` nor ``maps/``), ``maps/``
builds its products from the published tables (it never imports ``pipeline/``), and no module
imports another module's private names. Parsed from the source with :mod:`ast`, so an import
inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("layers", "pipeline", "maps")
FORBIDDEN = {"layers": ("pipeline", "maps"), "maps": ("pipeline",)}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for room in ROOMS
        for path in sorted((REPO_ROOT / room).rglob("*.py"))
    }


MODULES = product_modules()


def imported_modules(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) of every absolute import of a product module in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [alias.name for alias in node.names]
            submodules = [f"{node.module}.{n}" for n in names if f"{node.module}.{n}" in MODULES]
            if submodules:
                yield from ((node.lineno, module, []) for module in submodules)
            else:
                yield node.lineno, node.module, names


def dependencies(name: str) -> set[str]:
    """The product modules ``name`` imports."""
    return {
        module
        for _, module, _ in imported_modules(MODULES[name])
        if module in MODULES and module != name
    }


def test_the_house_has_its_three_rooms() -> None:
    assert {name.split(".")[0] for name in MODULES} == set(ROOMS)
    assert len(MODULES) > 40


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_arrows_point_down_only(room: str) -> None:
    wrong = [
        f"{MODULES[name].relative_to(REPO_ROOT)}:{line} imports {module}"
        for name in MODULES
        if name.split(".")[0] == room
        for line, module, _ in imported_modules(MODULES[name])
        if module.split(".")[0] in FORBIDDEN[room]
    ]
    assert wrong == []


def test_no_module_imports_another_modules_private_names() -> None:
    private = [
        f"{MODULES[name].relative_to(REPO_ROOT)}:{line} imports {n} from {module}"
        for name in MODULES
        for line, module, names in imported_modules(MODULES[name])
        for n in names
        if n.startswith("_") and module.split(".")[0] in ROOMS
    ]
    assert private == []


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` (the modules in order, the first repeated), or []."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return []

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return []


def test_find_cycle_finds_a_cycle_and_only_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []


def test_no_import_cycles() -> None:
    graph = {name: dependencies(name) for name in MODULES}
    # a package's __init__ importing its own modules is no cycle of the house
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    assert find_cycle(graph) == []


def test_no_module_over_400_lines() -> None:
    long = {
        str(path.relative_to(REPO_ROOT)): lines
        for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_60_lines() -> None:
    long = {
        f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.name}": length
        for path in MODULES.values()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    }
    assert long == {}
