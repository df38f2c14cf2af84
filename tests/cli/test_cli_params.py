"""The CLI's deferred option coercion (``cli/_params``) returns exactly what Typer's own,
pydantic-backed coercion returns (or raises the same error), for every kind of option the
commands declare, and light commands then run without importing pydantic."""

from __future__ import annotations

from pathlib import Path

import typer
from typer._click import Context
from typer._coercion import build_runtime_param

from harvestwatch.cli._params import Deferred, defer, plain_value

app = typer.Typer()


@app.command()
def sample(
    word: str = typer.Argument(...),
    name: str = typer.Option(None, "--name"),
    count: int = typer.Option(20, "--count"),
    bounded: int = typer.Option(50, "--bounded", min=1, max=500),
    clamped: int = typer.Option(5, "--clamped", min=0, max=10, clamp=True),
    ratio: float = typer.Option(0, "--ratio"),
    flag: bool = typer.Option(False, "--flag"),
    path: Path = typer.Option(None, "--path"),
    tags: list[str] = typer.Option([], "--tag"),
    ids: list[int] = typer.Option(None, "--id"),
    pair: tuple[int, int] = typer.Option((1, 2), "--pair"),
) -> None:
    """A command with one option of each kind."""


@app.command()
def other() -> None:
    """A second command, so that the app is a group."""


VALUES = [None, "", "x", "中文", "0", "7", "007", "42", "-3", "+5", " 5", "5 ", "1_000", "1.5", "5.0",
          "１２", "99999999999999999999999", 0, 1, 20, 600, -1, 11, 2.5, 0.0, True, False,
          (), [], ("a", "b"), ["1", "2"], ("1", "x"), (1, 2), [600], "a,b", Path("p")]


def _outcome(runtime, value, param, ctx):
    try:
        out = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc).__name__, str(exc))
    return ("value", type(out), out if not isinstance(out, list) else [(type(v), v) for v in out])


def test_deferred_coercion_agrees_with_typers_own_for_every_kind_of_option():
    command = typer.main.get_command(app).commands["sample"]
    ctx = Context(command)
    checked = 0
    for param in command.params:
        typers = build_runtime_param(param.type_descriptor)
        deferred = Deferred(param.type_descriptor)
        for value in VALUES:
            assert _outcome(deferred, value, param, ctx) == _outcome(typers, value, param, ctx), \
                (param.name, value)
            checked += 1
    assert checked == len(VALUES) * 11


def test_plain_values_skip_typers_coercion_and_others_reach_it():
    command = typer.main.get_command(app).commands["sample"]
    by_name = {p.name: p for p in command.params}

    def plain(name, value):
        d = by_name[name].type_descriptor
        return plain_value(d.annotation, d.parameter_info, value)

    assert plain("name", "abc") == "abc" and plain("count", "007") == 7 and plain("ratio", 0) == 0.0
    assert plain("tags", ("a", "b")) == ["a", "b"] and plain("bounded", 500) == 500
    no = plain("path", "x")
    for name, value in [("count", "1_000"), ("count", " 5"), ("bounded", 501), ("clamped", 11),
                        ("ids", ["1", "x"]), ("flag", "yes")]:
        assert plain(name, value) is no, (name, value)


def test_defer_reaches_subcommands_and_help_options():
    group = typer.main.get_command(app)
    ctx = Context(group)
    defer(group, ctx)
    for command in group.commands.values():
        assert isinstance(command.get_help_option(ctx)._runtime_param, Deferred)
        assert all(isinstance(p._runtime_param, Deferred) for p in command.params)
