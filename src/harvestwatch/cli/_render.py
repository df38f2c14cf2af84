"""Shared rendering for CLI commands: JSON to stdout, Rich tables on a terminal.

Rich loads on the first thing printed through ``console``/``err_console`` or ``table``, so a
command that only writes JSON does not pay for it.
"""

from __future__ import annotations

import json
import sys
from typing import Any


class _LazyConsole:
    """A ``rich.console.Console`` made on first use (same attributes and methods)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console = None

    def _real(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __enter__(self) -> Any:  # Rich's Live and Progress hold the console as a context
        return self._real().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._real().__exit__(*exc)


console: Any = _LazyConsole(soft_wrap=True)
err_console: Any = _LazyConsole(stderr=True, soft_wrap=True)


def emit_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str | None, columns: list[str], rows: list[list[object]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    for col in columns:
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else escape(str(v)) for v in row))
    console.print(t)
