"""Light commands start light: run as a user runs them (a fresh ``python -m harvestwatch``
process on a small existing store), none imports an analysis, NLP, plotting, report, fetching
or migration library, nor pydantic (which Typer would use to check option values). A
module-level import of one of these put back on a light command's path fails here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("harvestwatch")
# top-level packages no light command needs: analysis and plotting, NLP, reports and PDFs,
# fetching and parsing the web, schema migrations, option checking through pydantic
HEAVY = frozenset({"numpy", "scipy", "pandas", "matplotlib", "sklearn", "statsmodels", "dask", "spacy",
                   "weasyprint", "reportlab", "trafilatura", "httpx", "playwright", "PIL", "alembic",
                   "mako", "pydantic"})
LIGHT = [["--help"], ["data", "list", "--json"], ["data", "list"], ["show", "1", "--json"], ["show", "1"],
         ["verify"], ["verify", "--json"], ["hospitals", "list", "--json"], ["plugins"], ["ledger", "show"],
         ["audit", "--json"]]


@pytest.fixture(scope="module")
def store_env(tmp_path_factory) -> dict[str, str]:
    """A small store (one text document, not extracted) that is already migrated."""
    root = tmp_path_factory.mktemp("light")
    note = root / "note.txt"
    note.write_text("The hospital reported 120 kidney transplants in 2015, a spokesman said.\n",
                    encoding="utf-8")
    env = os.environ | {"HARVESTWATCH_STORE": str(root / "store"), "HARVESTWATCH_ACTOR": "light-test",
                        "COLUMNS": "120"}
    subprocess.run([str(BIN), "ingest", str(note), "--no-extract"], env=env, check=True, capture_output=True,
                   timeout=300, cwd=root)
    return env


def imported(args: list[str], env: dict[str, str]) -> set[str]:
    """Top-level packages ``harvestwatch ARGS`` imports, read from ``-X importtime``."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "harvestwatch", *args], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (args, run.stderr[-2000:])
    names = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines()
             if line.startswith("import time:") and "self [us]" not in line}
    assert "harvestwatch.cli" in names, args
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("args", LIGHT, ids=" ".join)
def test_a_light_command_imports_no_heavy_library(store_env, args):
    assert not imported(args, store_env) & HEAVY


def test_the_probe_sees_a_heavy_import(store_env):
    """The check can fail: an analysis command does import numpy (and the probe sees it)."""
    assert "numpy" in imported(["analyse", "robertson", "--json"], store_env)


def test_the_collector_pauses_only_while_a_command_module_loads():
    import gc

    from harvestwatch.cli import load_module_commands

    assert gc.isenabled()
    assert "plugins" in load_module_commands("plugins_cmd") and gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        load_module_commands("plugins_cmd")
        assert not gc.isenabled()
    finally:
        gc.enable()
