"""The CLI starts light: heavy libraries load only in the commands that use them, ``--help``
lists every command from the static table without importing any, and usage and value errors
reach the user as one line, never a traceback."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import harvestwatch.cli as cli

BIN = Path(sys.executable).with_name("harvestwatch")
HEAVY = ("spacy", "scipy", "matplotlib", "sklearn", "statsmodels", "dask", "weasyprint")


def _loaded_after(code: str, tmp_path: Path) -> set[str]:
    """Every module in sys.modules after running ``code`` in a fresh interpreter."""
    probe = code + "\nimport sys\nprint('MODULES', *sys.modules)\n"
    env = os.environ | {"HARVESTWATCH_STORE": str(tmp_path / "store"), "HARVESTWATCH_ACTOR": "startup-test"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.rsplit("MODULES", 1)[1].split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def _run_cli(*args: str) -> str:
    """Code that runs ``harvestwatch ARGS`` in-process and swallows its exit."""
    return ("import contextlib, io, sys\nfrom harvestwatch.cli import main\n"
            f"sys.argv = ['harvestwatch', *{list(args)!r}]\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    main()\n")


def test_importing_the_cli_loads_no_heavy_library(tmp_path):
    loaded = _loaded_after("import harvestwatch.cli", tmp_path)
    assert "harvestwatch.cli" in loaded and not _heavy(loaded), _heavy(loaded)
    # nor the database layer, numpy or any command module: those wait for a command
    assert not {m for m in loaded if m.split(".")[0] in ("sqlalchemy", "numpy")}
    assert not [m for m in loaded if m.startswith("harvestwatch.cli.") and m.endswith("_cmd")]


@pytest.mark.parametrize("args", [["--help"], ["data", "list", "--json"], ["show", "NOPE"], ["verify"],
                                  ["hospitals", "list", "--json"]])
def test_light_commands_load_no_heavy_library(tmp_path, args):
    loaded = _loaded_after(_run_cli(*args), tmp_path)
    assert not _heavy(loaded), (args, _heavy(loaded))


def test_json_commands_on_a_store_load_neither_rich_nor_cryptography(tmp_path):
    """Writing JSON needs no Rich; reading a document needs no signing key (cryptography)."""
    note = tmp_path / "note.txt"
    note.write_text("The hospital reported 120 kidney transplants in 2015.\n")
    env = os.environ | {"HARVESTWATCH_STORE": str(tmp_path / "store"), "HARVESTWATCH_ACTOR": "startup-test"}
    subprocess.run([str(BIN), "ingest", str(note), "--no-extract"], env=env, check=True,
                   capture_output=True, timeout=300)
    for args in (["show", "1", "--json"], ["data", "list", "--json"]):
        loaded = _loaded_after(_run_cli(*args), tmp_path)
        assert "harvestwatch.services.store" in loaded or args[0] == "data"
        assert not {m.split(".")[0] for m in loaded} & {"rich", "cryptography"}, args


def test_help_lists_every_command_from_the_table_without_importing_them(tmp_path):
    code = _run_cli("--help").replace("io.StringIO()", "sys.stderr")
    loaded = _loaded_after(code, tmp_path)
    assert not [m for m in loaded if m.startswith("harvestwatch.cli.") and m.endswith("_cmd")]
    env = os.environ | {"COLUMNS": "250"}
    out = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    for name, (_, short) in cli.COMMANDS.items():
        assert f" {name} " in out.stdout and short in out.stdout, name


def test_the_table_matches_what_each_module_registers():
    modules = {p.stem for p in Path(cli.__file__).parent.glob("*_cmd.py")}
    assert {module for module, _ in cli.COMMANDS.values()} == modules, "a cli/*_cmd.py module is not in COMMANDS"
    for module in sorted(modules):
        registered = cli.load_module_commands(module)
        listed = {name for name, (m, _) in cli.COMMANDS.items() if m == module}
        assert set(registered) == listed, module
        for name, command in registered.items():
            first = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
            assert " ".join(first.split()) == cli.COMMANDS[name][1], name


def _hw(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = os.environ | {"HARVESTWATCH_STORE": str(tmp_path / "store"), "HARVESTWATCH_ACTOR": "startup-test"}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)


def test_usage_and_value_errors_are_one_line(tmp_path):
    r = _hw(tmp_path, "hospitals-typo")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: No such command 'hospitals-typo'. Did you mean 'hospitals'?")
    r = _hw(tmp_path, "show")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "Missing argument" in r.stderr and "usage: harvestwatch show" in r.stderr
    r = _hw(tmp_path, "data", "list", "--no-such-option")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--no-such-option" in r.stderr
    bad = tmp_path / "head.json"
    bad.write_text('{"x": 1}', encoding="utf-8")
    r = _hw(tmp_path, "verify", "--against", str(bad))  # a ValueError from the tree-head reader
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") and "head.json" in r.stderr
    r = _hw(tmp_path, "hospitals")  # a bare group shows its help, as before
    assert r.returncode == 2 and "list" in r.stdout + r.stderr and "Traceback" not in r.stderr


def test_every_listed_command_resolves_and_shows_its_help():
    from typer.testing import CliRunner

    runner = CliRunner()
    for name, (_, short) in cli.COMMANDS.items():
        r = runner.invoke(cli.app, [name, "--help"], env={"COLUMNS": "250"})
        assert r.exit_code == 0, (name, r.output)
        assert " ".join(short.split()[:4]) in " ".join(r.output.split()), name
