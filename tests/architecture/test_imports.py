"""The house as drawn (docs/architecture.md): no import cycle between our modules, counting
imports made inside functions, and the import-linter contracts of setup.cfg kept."""

from __future__ import annotations

import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("diversion", "scheduling", "notifications", "devtools")


def module_graph() -> dict[str, set[str]]:
    """Each of our modules with the modules it imports (at module level or in a function)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    return {
        module: {
            imported
            for imported in graph.find_modules_directly_imported_by(module)
            if imported != module
        }
        for module in graph.modules
    }


def first_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the modules on it, or None when there is none."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return list(error.args[1])
    return None


def test_the_cycle_finder_finds_a_cycle_made_by_an_import_inside_a_function():
    assert first_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert first_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_takes_part_in_an_import_cycle():
    cycle = first_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_import_linter_contracts_are_kept():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_in_the_graph(package):
    assert any(name.startswith(package + ".") for name in module_graph())
