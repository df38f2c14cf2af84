"""A pool of parser processes that can be stopped one by one.

Each worker is a forked process that runs one task at a time under a memory limit (its
address space) and dies with the process that started it (``PR_SET_PDEATHSIG``), so a killed
``ingest`` leaves no workers behind. A task that runs past its time limit has its worker
killed and replaced, and is reported as timed out; a worker that dies (a crash, the kernel's
OOM killer) is reported the same way; the other tasks go on.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

DEFAULT_MEMORY = 3 * 1024 * 1024 * 1024  # address space a worker may add to what it inherits


@dataclass
class Outcome:
    """What a task came to: ``ok`` with ``value``, or not, with a one-line ``error``."""

    key: Any
    ok: bool
    value: Any = None
    error: str | None = None


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent:  # the parent died before the line above ran
        os._exit(1)


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _worker(conn: Connection, parent: int, memory: int | None) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if memory:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        try:  # soft limit only: tesseract and LibreOffice set their own
            resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + memory, hard))
        except (ValueError, OSError):
            pass
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if task is None:
            os._exit(0)
        fn, args = task
        try:
            conn.send((True, fn(*args)))
        except MemoryError:
            conn.send((False, f"ran out of its memory budget ({(memory or 0) >> 20:,} MB) "
                              "and was stopped"))
        except Exception as exc:  # the task functions report their own errors; this is a bug
            conn.send((False, f"could not be parsed ({type(exc).__name__}: {str(exc)[:120]})"))


class _Worker:
    def __init__(self, ctx, memory: int | None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, os.getpid(), memory), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[Any, float, float] | None = None  # (key, deadline, limit)

    def kill(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """``submit`` tasks (a picklable function and arguments, a time limit); ``outcomes``
    yields them as they end. Use as a context manager: leaving it kills every worker."""

    def __init__(self, size: int, memory: int | None = DEFAULT_MEMORY):
        self._ctx = multiprocessing.get_context("fork")
        self._memory = memory
        self._workers = [_Worker(self._ctx, memory) for _ in range(max(1, size))]
        self._queue: deque[tuple[Any, Callable, tuple, float]] = deque()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def busy(self) -> int:
        return len(self._queue) + sum(w.task is not None for w in self._workers)

    def submit(self, key: Any, fn: Callable, args: tuple, timeout: float, *,
               first: bool = False) -> None:
        """Queue a task; ``first`` puts it ahead of those waiting."""
        entry = (key, fn, args, timeout)
        if first:
            self._queue.appendleft(entry)
        else:
            self._queue.append(entry)

    def _dispatch(self) -> None:
        for i, worker in enumerate(self._workers):
            if not self._queue:
                return
            if worker.task is None:
                if not worker.process.is_alive():
                    worker.kill()
                    worker = self._workers[i] = _Worker(self._ctx, self._memory)
                key, fn, args, timeout = self._queue.popleft()
                try:
                    worker.conn.send((fn, args))
                except (BrokenPipeError, OSError):
                    worker.kill()
                    self._workers[i] = worker = _Worker(self._ctx, self._memory)
                    worker.conn.send((fn, args))
                worker.task = (key, time.monotonic() + timeout, timeout)

    def outcomes(self) -> Iterator[Outcome]:
        """Wait for the next tasks to end and yield them (at least one while any is pending)."""
        while self.busy:
            self._dispatch()
            running = [w for w in self._workers if w.task is not None]
            now = time.monotonic()
            wait_for = max(0.0, min(w.task[1] for w in running) - now)
            ready = wait([w.conn for w in running] + [w.process.sentinel for w in running],
                         timeout=wait_for)
            done: list[Outcome] = []
            for i, worker in enumerate(self._workers):
                if worker.task is None:
                    continue
                key, deadline, limit = worker.task
                if worker.conn in ready:
                    try:
                        ok, value = worker.conn.recv()
                    except (EOFError, OSError):
                        ok, value = False, None
                    if value is not None or ok:
                        worker.task = None
                        done.append(Outcome(key, True, value) if ok else Outcome(key, False, error=value))
                        continue
                if worker.process.sentinel in ready or worker.conn in ready:
                    worker.process.join(1)
                    code = worker.process.exitcode
                    why = (f"killed by signal {-code}" if code is not None and code < 0
                           else f"exit status {code}")
                    done.append(Outcome(key, False, error=f"the parser crashed ({why}; out of "
                                                          "memory?) and was restarted"))
                elif time.monotonic() >= deadline:
                    done.append(Outcome(key, False, error=f"took over {limit:.0f} s; the parser "
                                                          "was stopped"))
                else:
                    continue
                worker.kill()
                self._workers[i] = _Worker(self._ctx, self._memory)
            yield from done
            if done:
                return

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for worker in self._workers:
            worker.process.join(2)
            worker.kill()
