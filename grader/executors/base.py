"""The executor interface: run training tasks somewhere and hand back their histories.

A :class:`~nnexam.grader.train_cache.Task` is one configuration's missing seeds; an executor runs
each task with :func:`nnexam.grader.train_cache.run_task` (in this process, in worker processes, on
a cluster) and yields ``(task index, result)`` as tasks finish, the result being the list of
``History.as_dict()`` of the task's seeds or the exception that stopped it. The driver writes
results into the training cache as they arrive, so an interrupted batch keeps what it finished.

An executor is made by a factory called with the command line's options (a mapping: ``workers``,
``ray_address``, ``device``, ...; an executor reads the keys it knows and ignores the others).
Third parties register a factory (a class taking the options mapping) under the entry-point group
``nnexam.executors.v1``, e.g. ``dask = "nnexam_dask:DaskExecutor"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

# on_epoch(task index, seed position in the task, epoch, logs): optional live progress
OnEpoch = Callable[[int, int, int, Mapping[str, float]], None]
Result = list[dict[str, Any]] | BaseException


@runtime_checkable
class Executor(Protocol):
    name: str

    def available(self) -> bool: ...

    def run(self, tasks: Sequence[Any], on_epoch: OnEpoch) -> Iterator[tuple[int, Result]]: ...
