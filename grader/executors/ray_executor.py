"""The ``ray`` executor (``pip install 'nnexam[ray]'``): each task (one configuration's seeds) is one
Ray task with ``num_cpus=1`` (and ``num_gpus=1`` when ``--device cuda`` is asked for).

It joins a running cluster when given an address (``--ray-address auto``, ``ray://host:10001``, or
``RAY_ADDRESS``), else starts a local one on this machine's cores. Workers load the datasets
themselves by name, so ``--data-dir`` must exist on every node; they need nnexam (with the same
backend versions) installed. Results come back to the driver, which writes the cache. Each epoch's
progress comes back through a ``ray.util.queue.Queue`` (an actor with no CPU reserved); where that
queue cannot be made, progress is per finished task.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from nnexam.grader.executors.base import OnEpoch, Result
from nnexam.questions.errors import NnexamError


def _remote_task(task: Any, index: int, queue: Any) -> list[dict[str, Any]]:
    """What a Ray worker runs: one thread per CPU Ray gave it, then the task; epochs go to ``queue``."""
    from nnexam.grader.executors.local import one_thread
    from nnexam.grader.train_cache import run_task

    one_thread()

    def report(pos: int, epoch: int, logs: Mapping[str, float]) -> None:
        if queue is not None:
            queue.put_nowait((index, pos, epoch, dict(logs)))

    return run_task(task, report)


def _drain(queue: Any, on_epoch: OnEpoch) -> None:
    from ray.util.queue import Empty

    while queue is not None:
        try:
            on_epoch(*queue.get_nowait())
        except Empty:
            return


class RayExecutor:
    name = "ray"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        opts = options or {}
        self.address: str | None = opts.get("ray_address") or os.environ.get("RAY_ADDRESS") or None

    def available(self) -> bool:
        return importlib.util.find_spec("ray") is not None

    def connect(self) -> None:
        """Join the cluster at ``address``, or start a local one; a no-op when Ray is already up."""
        import ray

        if ray.is_initialized():
            return
        self._reachable()
        try:
            if self.address:
                ray.init(address=self.address, log_to_driver=False)
            else:
                ray.init(include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise NnexamError(f"could not connect to the Ray cluster at {self.address!r}: {err}. Start one with "
                              "'ray start --head' (then --ray-address auto), or leave --ray-address and RAY_ADDRESS "
                              "unset to start a local one") from err

    def _reachable(self, timeout: float = 5.0) -> None:
        """A ``host:port`` address that does not answer is an error now: ``ray.init`` would retry for minutes."""
        addr = (self.address or "").removeprefix("ray://")
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            return  # "auto", "local", or no address
        try:
            socket.create_connection((host, int(port)), timeout=timeout).close()
        except OSError as err:
            raise NnexamError(f"no Ray cluster answers at {self.address!r} ({err}); start one with 'ray start --head' "
                              "on that machine, or check --ray-address / RAY_ADDRESS") from err

    def run(self, tasks: Sequence[Any], on_epoch: OnEpoch) -> Iterator[tuple[int, Result]]:
        import ray
        from nnexam.grader.train_cache import portable_task

        self.connect()
        try:
            from ray.util.queue import Queue

            queue = Queue(actor_options={"num_cpus": 0})
        except Exception:  # noqa: BLE001 - progress per finished task instead
            queue = None
        remote = ray.remote(max_retries=0)(_remote_task)
        refs = {}
        for i, task in enumerate(tasks):
            gpus = 1 if str(task.device or "").startswith("cuda") else 0
            refs[remote.options(num_cpus=1, num_gpus=gpus).remote(portable_task(task), i, queue)] = i
        pending = list(refs)
        try:
            yield from self._wait(refs, pending, queue, on_epoch)
        finally:
            if queue is not None:
                queue.shutdown()

    @staticmethod
    def _wait(refs: Mapping[Any, int], pending: list[Any], queue: Any, on_epoch: OnEpoch) -> Iterator[tuple[int, Result]]:
        import ray

        while pending:
            done, pending = ray.wait(pending, num_returns=1, timeout=0.5)
            _drain(queue, on_epoch)  # a task's epochs are queued before it returns: counted before its result
            for ref in done:
                try:
                    result: Result = ray.get(ref)
                except ray.exceptions.RayTaskError as err:
                    result = err.as_instanceof_cause() if hasattr(err, "as_instanceof_cause") else err
                    cause = getattr(err, "cause", None)
                    if isinstance(cause, BaseException):
                        result = cause
                except ray.exceptions.RayError as err:
                    result = NnexamError(f"the Ray task failed: {err}")
                yield refs[ref], result
