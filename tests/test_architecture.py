"""The house plan holds: the layer order, faces over services and core only, no import circles.

The contracts live in pyproject.toml (``[tool.importlinter]``) and are checked here with
import-linter, so ``make test`` fails on a new upward import, a face reaching below the
services, or a circle between sibling modules. The last test looks for circles between any
two modules (a package and its own submodules included), which the sibling contract cannot see.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_are_kept():
    proc = subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_between_modules():
    graph = grimp.build_graph("harvestwatch", exclude_type_checking_imports=True)
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in graph.modules}
             for m in graph.modules}
    circles = _cycles(edges)
    assert not circles, "import circles (runtime imports, deferred ones included):\n" + "\n".join(
        " <-> ".join(c) for c in circles)


@pytest.mark.parametrize("face", ["cli", "web", "report"])
def test_faces_reach_below_only_through_services(face):
    graph = grimp.build_graph("harvestwatch", exclude_type_checking_imports=True)
    allowed = ("harvestwatch.services", "harvestwatch.core", "harvestwatch.cli", "harvestwatch.web",
               "harvestwatch.report", "harvestwatch.__init__")
    bad = sorted((m, i) for m in graph.find_descendants(f"harvestwatch.{face}")
                 for i in graph.find_modules_directly_imported_by(m)
                 if i.startswith("harvestwatch.") and i != "harvestwatch"
                 and not i.startswith(allowed))
    assert not bad, "\n".join(f"{m} -> {i}" for m, i in bad)
