"""Option values without pydantic where Typer's result is known in advance.

Typer checks every option value through a pydantic ``TypeAdapter`` it builds on first use,
even for an option left unset; importing pydantic and building the adapters costs a light
command about a fifth of its start-up. ``defer`` gives each parameter a coercion that returns
what Typer would for the plain cases (no value; a string for ``str``; an int or a string of
ASCII digits for ``int``, a float or an int for ``float``, within the option's bounds; a list
of those for a repeatable option) and hands every other value to Typer's own coercion, built
then. tests/cli/test_cli_params.py holds both to the same results.
"""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin

_DIGITS = re.compile(r"[0-9]{1,18}")
_NO = object()


def plain_value(annotation: Any, info: Any, value: Any) -> Any:
    """What Typer's coercion returns for ``value`` when that is known without pydantic, else ``_NO``."""
    if info.parser is not None:
        return _NO
    kind = type(value)
    if annotation is str and kind is str and info.min is None and info.max is None:
        return value
    if annotation is int and (kind is int or (kind is str and _DIGITS.fullmatch(value))):
        return _within(int(value), info)
    if annotation is float and kind in (int, float):
        return _within(float(value), info)
    if get_origin(annotation) is list and kind in (list, tuple):  # a repeatable option
        (each,) = get_args(annotation) or (Any,)
        values = [plain_value(each, info, v) for v in value]
        return _NO if any(v is _NO for v in values) else values
    return _NO


def _within(number: float, info: Any) -> Any:
    """``number`` if inside the option's bounds; else ``_NO`` (Typer then clamps or refuses it)."""
    if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
        return _NO
    return number


class Deferred:
    """A parameter's coercion that builds Typer's own (and imports pydantic) only when needed."""

    __slots__ = ("descriptor", "_typer")

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self._typer = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        many = param.multiple or param.nargs == -1
        if value is None:  # as Typer's RuntimeParam.coerce: nothing given, nothing to check
            return () if many else None
        if many == (get_origin(self.descriptor.annotation) is list):
            plain = plain_value(self.descriptor.annotation, self.descriptor.parameter_info, value)
            if plain is not _NO:
                return plain
        return self.typer().coerce(value, param=param, ctx=ctx)

    def typer(self) -> Any:
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.descriptor)
        return self._typer


def defer(command: Any, ctx: Any) -> None:
    """Give every Typer parameter of ``command`` and of its subcommands, ``--help`` included,
    a deferred coercion (``ctx``: the context the command is resolved in, whose help option
    names a subcommand's own context inherits)."""
    help_option = command.get_help_option(ctx) if hasattr(command, "get_help_option") else None
    for param in [*getattr(command, "params", ()), help_option]:
        if getattr(param, "_runtime_param", _NO) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = Deferred(param.type_descriptor)
    for sub in getattr(command, "commands", {}).values():
        defer(sub, ctx)
