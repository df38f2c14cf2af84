"""The registry respects the house layers: faces import services and core only; the pure
registry logic imports nothing from services or faces."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "harvestwatch"
FACES = ["cli/hospitals_cmd.py", "web/hospitals.py", "report/hospital_brief.py"]
FACE_OK = ("harvestwatch.services", "harvestwatch.core", "harvestwatch.cli", "harvestwatch.web",
           "harvestwatch.report", "harvestwatch.store")


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harvestwatch"):
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("harvestwatch")}
    return out


def test_faces_call_services_and_core_only():
    for face in FACES:
        bad = {m for m in _imports(SRC / face) if m != "harvestwatch" and not m.startswith(FACE_OK)}
        assert not bad, (face, bad)
        stores = {m for m in _imports(SRC / face) if m.startswith("harvestwatch.store")}
        assert stores <= {"harvestwatch.store"}, (face, stores)  # the Store type only, no tables


def test_registry_logic_stays_below_services():
    for path in (SRC / "registry").glob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("harvestwatch.services", "harvestwatch.cli",
                                                          "harvestwatch.web", "harvestwatch.report",
                                                          "harvestwatch.store"))}
        assert not bad, (path.name, bad)
