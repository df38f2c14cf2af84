"""The docs cannot drift from the CLI, as datasette checks its documented options:

- docs/cli.md, the command reference (every command's ``--help``), must be current: after
  changing a command run ``python tests/test_docs_drift.py`` to rewrite it;
- every command (``harvestwatch data show``, ...) is also described in the prose of README.md
  or another docs page, and every option of every command and of the root appears in the docs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from harvestwatch.cli import COMMANDS, app, load_module_commands

ROOT = Path(__file__).resolve().parents[1]


REFERENCE = ROOT / "docs" / "cli.md"
WIDTH = "100"


def _docs(*, reference: bool = True) -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages if reference or p != REFERENCE)


def _walk(path: str, command, out: dict) -> None:
    out[path] = command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        _walk(f"{path} {name}", sub, out)


def _commands() -> dict:
    found: dict = {}
    loaded: dict[str, dict] = {}
    for name, (module, _) in COMMANDS.items():
        loaded.setdefault(module, load_module_commands(module))
        _walk(name, loaded[module][name], found)
    return found


COMMAND_TREE = _commands()


def _options(command) -> list[str]:
    names = []
    for param in command.params:
        names += [o for o in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
                  if o.startswith("--") and o != "--help"]
    return names


def test_the_walk_sees_nested_commands():
    assert {"screen run", "ledger prove", "data list", "hospitals brief", "plugins"} <= set(COMMAND_TREE)
    assert "--json" in _options(COMMAND_TREE["data list"])


def reference() -> str:
    """docs/cli.md: each command's help, as ``harvestwatch PATH --help`` prints it."""
    from typer.testing import CliRunner

    runner = CliRunner()
    parts = ["# Command reference", "",
             "Every command's `--help`, generated from the code by `python tests/test_docs_drift.py`",
             "(tests/test_docs_drift.py fails when this page is out of date). The other pages say",
             "what the commands are for and how they fit together.", ""]
    for path in ["", *COMMAND_TREE]:
        result = runner.invoke(app, [*path.split(), "--help"],
                               env={"COLUMNS": WIDTH, "TERMINAL_WIDTH": WIDTH, "NO_COLOR": "1"})
        assert result.exit_code == 0, (path, result.output)
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        parts += [f"## harvestwatch {path}".rstrip(), "", "```text", text, "```", ""]
    return "\n".join(parts)


def test_cli_reference_is_current():
    assert REFERENCE.is_file() and REFERENCE.read_text(encoding="utf-8") == reference(), \
        "docs/cli.md is out of date: run `python tests/test_docs_drift.py` and commit it"


@pytest.mark.parametrize("path", sorted(COMMAND_TREE))
def test_every_command_is_described(path):
    docs = _docs(reference=False)
    # "harvestwatch [--root-option VALUE] PATH" or a code span that starts with PATH: `screen show ID`;
    # the last word may be one of a list: "harvestwatch key status|init|wrap"
    *parents, last = path.split()
    alternatives = rf"(?:[\w-]+\|)*{re.escape(last)}(?:\|[\w-]+)*"
    pattern = (r"(?:harvestwatch(?:\s+--[\w-]+(?:[ =]\S+)?)*\s+|`)"
               + "".join(re.escape(p) + r"\s+" for p in parents) + alternatives)
    assert re.search(pattern + r"(?![\w-])", docs), \
        f"'harvestwatch {path}' is described nowhere in README.md or docs/*.md (docs/cli.md aside)"


@pytest.mark.parametrize("path", sorted(p for p in COMMAND_TREE if _options(COMMAND_TREE[p])))
def test_every_option_is_documented(path):
    docs = _docs()
    missing = [o for o in _options(COMMAND_TREE[path]) if not re.search(re.escape(o) + r"(?![\w-])", docs)]
    assert not missing, f"harvestwatch {path}: {', '.join(missing)} appear(s) nowhere in README.md or docs/*.md"


def test_root_options_are_documented():
    root = typer.main.get_group(app)
    docs = _docs()
    missing = [o for o in _options(root) if o not in docs]
    assert not missing, missing


if __name__ == "__main__":
    REFERENCE.write_text(reference(), encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)}: {len(COMMAND_TREE)} commands")
