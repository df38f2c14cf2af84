"""The batch runner: same results in-process, in a process pool and lazily consumed."""

from __future__ import annotations

from harvestwatch.engine.runner import run_batches


def _square_sum(batch: list[int]) -> int:
    return sum(x * x for x in batch)


def test_same_results_in_process_and_pool():
    batches = [list(range(i, i + 10)) for i in range(0, 200, 10)]
    assert list(run_batches(_square_sum, batches)) == list(run_batches(_square_sum, batches, workers=2))


def test_batches_are_consumed_lazily():
    consumed = []

    def gen():
        for i in range(20):
            consumed.append(i)
            yield [i]

    it = run_batches(_square_sum, gen(), workers=2, window=3)
    first = next(it)
    assert first == 0 and len(consumed) <= 4  # only a window's worth was taken
    assert list(it) == [i * i for i in range(1, 20)]
