"""Run a pure function over batches locally (process pool) or on a Dask cluster; same results.

Batches are consumed lazily with a bounded number in flight, so a corpus of millions of
records is never held in memory at once; results come back in batch order, so callers can
persist each batch as it completes and resume an interrupted run by skipping stored ones.
"""

from __future__ import annotations

import gc
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any


def run_batches(func: Callable[[Any], Any], batches: Iterable[Any], *, scheduler: str | None = None,
                workers: int = 1, window: int | None = None) -> Iterator[Any]:
    """Yield ``func(batch)`` for each batch, in order.

    ``scheduler`` ("tcp://host:8786") sends the work to a Dask cluster; otherwise
    ``workers`` > 1 uses a local process pool and 1 runs in this process. At most
    ``window`` batches (default twice the workers) are in flight at a time.
    """
    # While the run lasts, the objects that existed before it are left out of garbage
    # collection: otherwise every full collection walks the caller's whole heap (millions of
    # records, say) again, and forked pool workers copy it page by page doing so.
    gc.freeze()
    try:
        yield from _run(func, batches, scheduler, workers, window)
    finally:
        gc.unfreeze()


def _run(func: Callable[[Any], Any], batches: Iterable[Any], scheduler: str | None, workers: int,
         window: int | None) -> Iterator[Any]:
    if not scheduler and workers <= 1:
        for b in batches:
            yield func(b)
        return
    with ExitStack() as stack:
        if scheduler:
            from distributed import Client

            client = stack.enter_context(Client(scheduler, timeout="20s"))
            n = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))

            def submit(b):
                # Pickled in one piece: Dask would otherwise serialise a list element by element,
                # which costs far more than the screening itself.
                return client.submit(_call_pickled, func, pickle.dumps(b, protocol=5), pure=False)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers))
            n = workers

            def submit(b):
                return pool.submit(func, b)
        limit = window or max(2, 2 * n)
        unwrap = pickle.loads if scheduler else (lambda r: r)
        pending: deque = deque()
        for b in batches:
            pending.append(submit(b))
            if len(pending) >= limit:
                yield unwrap(pending.popleft().result())
        while pending:
            yield unwrap(pending.popleft().result())


def _call_pickled(func: Callable[[Any], Any], payload: bytes) -> bytes:
    """Run on a Dask worker: the worker's own heap is kept out of GC while the batch runs."""
    gc.freeze()
    try:
        return pickle.dumps(func(pickle.loads(payload)), protocol=5)
    finally:
        gc.unfreeze()
