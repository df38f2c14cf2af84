"""Progress for long work: a Rich bar on a terminal, quiet line output otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Progress:
    """Advance with ``step(message)``; draws a bar on a TTY, prints nothing per step otherwise."""

    def __init__(self, advance: Callable[[str], None]):
        self._advance = advance

    def step(self, message: str = "") -> None:
        self._advance(message)


@contextmanager
def progress(description: str, total: int | None, *, enabled: bool | None = None) -> Iterator[Progress]:
    """A progress context; ``enabled=None`` means: a bar only when stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield Progress(lambda _msg: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress

    with RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), TextColumn("{task.fields[item]}"),
                      transient=False) as bar:
        task = bar.add_task(description, total=total, item="")
        yield Progress(lambda msg: bar.update(task, advance=1, item=msg[-40:]))
