"""The house keeps its shape: arrows point down only, no cycles, short modules and functions.

``layers/`` is the ground floor (it imports neither ``pipeline/`` nor ``maps/``), ``maps/``
builds its products from the published tables (it never imports ``pipeline/``), and no module
imports another module's private names. Parsed from the source with :mod:`ast`, so an import
inside a function counts as much as one at the top.

``tests/`` mirrors the house: every product module with logic has its test module at the
mirrored path (``tests/pipeline/rollout/test_fibre.py`` for ``pipeline/rollout/fibre.py``), or
is on a short list that says why not.
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


# --- tests/ mirrors the house -------------------------------------------------------------------

TESTS = REPO_ROOT / "tests"
# Product modules with logic that have no test module at their mirrored path, and why. Keep it
# short: a module with logic of its own gets tests of its own.
WITHOUT_A_TEST_MODULE = {
    "pipeline/run.py": "the driver only sequences, times and records the stages; every run in"
    " tests/e2e/test_run_*.py (tiny region, rollout choice, demo, real Kristiansand) goes"
    " through it, and the failure paths (a failed publish, bad input) are tested there",
    "pipeline/run_info.py": "two frozen records the driver hands publish (RunInfo, RunTables),"
    " no behaviour of their own; every published run in tests/e2e builds and reads them",
}
# Test modules under tests/<room>/ that mirror no single product module, and why.
NOT_A_MIRROR = {
    "tests/maps/test_maps_browser.py": "the map products opened in headless Chromium",
}


def has_logic(path: Path) -> bool:
    """A function or a method defined anywhere, or a class other than an error: constants and
    the error classes (``class InputError(GapmapError)`` with a docstring) are vocabulary."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
        if isinstance(node, ast.ClassDef) and not node.name.endswith(("Error", "Exception")):
            return True
    return False


def mirrored_test_module(path: Path) -> Path:
    """``tests/pipeline/rollout/test_fibre.py`` for ``pipeline/rollout/fibre.py``."""
    relative = path.relative_to(REPO_ROOT)
    return TESTS / relative.parent / f"test_{relative.name}"


def modules_with_logic() -> dict[str, Path]:
    return {
        str(path.relative_to(REPO_ROOT)): path
        for path in MODULES.values()
        if path.name != "__init__.py" and has_logic(path)
    }


def test_has_logic_tells_functions_and_classes_from_constants_and_errors(tmp_path: Path) -> None:
    cases = {
        "constants.py": ("TECHNOLOGIES = ('fiber',)\nCRS_EPSG = 25833\n", False),
        "errors.py": ('class InputError(ValueError):\n    """Bad input."""\n', False),
        "function.py": ("def f() -> int:\n    return 1\n", True),
        "record.py": ("class Record:\n    x: int\n", True),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert has_logic(tmp_path / name) is expected, name
    assert not has_logic(REPO_ROOT / "layers" / "vocabulary.py")


def test_every_module_with_logic_has_a_test_module_at_its_mirrored_path() -> None:
    missing = [
        f"{name}: expected {mirrored_test_module(path).relative_to(REPO_ROOT)}"
        for name, path in modules_with_logic().items()
        if name not in WITHOUT_A_TEST_MODULE and not mirrored_test_module(path).is_file()
    ]
    assert missing == []


def test_the_allow_list_holds_only_modules_with_logic_and_no_test_module() -> None:
    logic = modules_with_logic()
    stale = [
        name
        for name in WITHOUT_A_TEST_MODULE
        if name not in logic or mirrored_test_module(logic[name]).is_file()
    ]
    assert stale == []


def test_every_test_module_under_a_room_mirrors_a_product_module() -> None:
    strays = [
        str(path.relative_to(REPO_ROOT))
        for room in ROOMS
        for path in sorted((TESTS / room).rglob("test_*.py"))
        if str(path.relative_to(REPO_ROOT)) not in NOT_A_MIRROR
        and not (
            REPO_ROOT / path.relative_to(TESTS).parent / path.name.removeprefix("test_")
        ).is_file()
    ]
    assert strays == []


def test_every_test_folder_is_a_package() -> None:
    """Basenames repeat (layers/areas.py, maps/areas.py, pipeline/planning/areas.py): each test
    folder is a package so that its test modules import under names of their own."""
    folders = {path.parent for path in TESTS.rglob("test_*.py")}
    assert (
        sorted(str(f.relative_to(REPO_ROOT)) for f in folders if not (f / "__init__.py").is_file())
        == []
    )
