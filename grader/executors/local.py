"""The ``local`` executor (default): this process for one worker, else a ``spawn`` process pool, one
worker per core (at most one per task), torch limited to one thread per worker. Workers send each
epoch's progress through a manager queue. Scripts that use it need the ``if __name__ == "__main__":``
guard of ``spawn``."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import SimpleNamespace
from typing import Any

from nnexam.grader.executors.base import OnEpoch, Result


def one_thread() -> None:
    """Worker initialiser: one torch thread per worker (the cores are shared out by processes)."""
    if importlib.util.find_spec("torch") is not None:
        import torch

        torch.set_num_threads(1)


@contextlib.contextmanager
def _one_thread_here() -> Iterator[None]:
    if importlib.util.find_spec("torch") is None:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _work(task: Any, index: int, queue: Any) -> list[dict[str, Any]]:
    from nnexam.grader.train_cache import run_task

    return run_task(task, lambda pos, epoch, logs: queue.put((index, pos, epoch, dict(logs))))


class LocalExecutor:
    name = "local"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.workers: int | None = (options or {}).get("workers")

    def available(self) -> bool:
        return True

    def run(self, tasks: Sequence[Any], on_epoch: OnEpoch) -> Iterator[tuple[int, Result]]:
        n_workers = min(self.workers or os.cpu_count() or 1, len(tasks))
        if n_workers <= 1:
            yield from self._here(tasks, on_epoch)
            return
        import multiprocessing as mp
        import queue as queue_mod

        from nnexam.grader.train_cache import portable_task

        ctx = mp.get_context("spawn")
        with ctx.Manager() as manager, ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=one_thread) as pool:
            q = manager.Queue()
            futures = {pool.submit(_work, portable_task(t), i, q): i for i, t in enumerate(tasks)}
            pending = set(futures)
            while pending:
                try:
                    on_epoch(*q.get(timeout=0.2))
                except queue_mod.Empty:
                    pass
                for fut in [f for f in pending if f.done()]:
                    pending.discard(fut)
                    while not q.empty():
                        on_epoch(*q.get())
                    err = fut.exception()
                    yield futures[fut], (err if err is not None else fut.result())

    @staticmethod
    def _here(tasks: Sequence[Any], on_epoch: OnEpoch) -> Iterator[tuple[int, Result]]:
        from nnexam.grader.train_cache import run_task

        with _one_thread_here():  # small models: extra threads only spin
            for i, task in enumerate(tasks):
                direct = SimpleNamespace(put=lambda msg: on_epoch(*msg))
                try:
                    result: Result = run_task(task, lambda pos, epoch, logs, i=i, q=direct: q.put((i, pos, epoch, dict(logs))))
                except Exception as err:  # noqa: BLE001 - one failing task must not stop the batch
                    result = err
                yield i, result
