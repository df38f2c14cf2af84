"""Run a pure function over batches locally (process pool) or on a Dask cluster; same results.

Results come back in batch order, so callers can persist each batch as it completes and
resume an interrupted run by skipping batches already stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def run_batches(func: Callable[[Any], Any], batches: Iterable[Any], *, scheduler: str | None = None,
                workers: int = 1) -> Iterator[Any]:
    """Yield ``func(batch)`` for each batch, in order.

    ``scheduler`` ("tcp://host:8786") sends the work to a Dask cluster; otherwise
    ``workers`` > 1 uses a local process pool and 1 runs in this process.
    """
    batches = list(batches)
    if scheduler:
        from distributed import Client

        with Client(scheduler, timeout="20s") as client:
            futures = client.map(func, batches, pure=False)
            for fut in futures:  # in submission order
                yield fut.result()
        return
    if workers <= 1 or len(batches) <= 1:
        for b in batches:
            yield func(b)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(func, batches)
