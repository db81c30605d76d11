"""The pipeline's layering, read from the source: only the model and the solve package import PuLP or highspy, and
no core stage imports a later one, directly or through a module that does (scenario → inputs → layout →
formulation → model → solve → engine → results). Imports inside functions count too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "optimiser"
CORE = ["inputs", "layout", "formulation", "model", "solve", "engine", "results"]
"""The core stages in pipeline order; each may import the earlier ones, never a later one."""
SOLVER_LIBRARIES = {"pulp", "highspy"}


def _unit(path: Path) -> str:
    """A module's top-level name in the package: `optimiser/solve/highs.py` → `solve`, `optimiser/model.py` → `model`."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def _imports(path: Path) -> set[str]:
    """Every module a file imports by absolute name (for `from optimiser import x`, also `optimiser.x`)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "optimiser":
                names |= {f"optimiser.{alias.name}" for alias in node.names}
    return names


FILES = sorted(PACKAGE.rglob("*.py"))
IMPORTS = {path: _imports(path) for path in FILES}


def _graph() -> dict[str, set[str]]:
    """Top-level module → the other top-level modules it imports."""
    graph: dict[str, set[str]] = {}
    for path, names in IMPORTS.items():
        unit = _unit(path)
        targets = {name.split(".")[1] for name in names if name.startswith("optimiser.")}
        graph.setdefault(unit, set()).update(targets - {unit})
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for target in graph.get(stack.pop(), ()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def test_only_the_model_and_the_solve_package_import_solver_libraries():
    importers = {str(path.relative_to(PACKAGE.parent)) for path, names in IMPORTS.items()
                 if {name.split(".")[0] for name in names} & SOLVER_LIBRARIES}
    assert importers, "the check found no importer at all: it reads nothing"
    assert {p for p in importers if p != "optimiser/model.py" and not p.startswith("optimiser/solve/")} == set()


@pytest.mark.parametrize("stage", CORE)
def test_no_core_stage_imports_a_later_one(stage):
    graph = _graph()
    later = set(CORE[CORE.index(stage):])
    reaching = {target for target in graph[stage] if target in later or _reachable(graph, target) & later}
    assert reaching == set(), f"{stage} imports {sorted(reaching)}, which is (or imports) a later stage"


def test_the_check_sees_a_later_stage():
    """The rule is not vacuous: the results stage does reach the solve stage, and the solve stage is reached from it."""
    graph = _graph()
    assert "solve" in _reachable(graph, "results") and "inputs" in _reachable(graph, "solve")
