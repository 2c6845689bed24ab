"""The ``ray`` executor (``pip install 'nnexam[ray]'``): each task (one configuration's seeds) is one
Ray task with ``num_cpus=1`` (and ``num_gpus=1`` when ``--device cuda`` is asked for).

It joins a running cluster when given an address (``--ray-address auto``, ``ray://host:10001``, or
``RAY_ADDRESS``), else starts a local one on this machine's cores. Workers load the datasets
themselves by name, so ``--data-dir`` must exist on every node; they need nnexam (with the same
backend versions) installed. Results come back to the driver, which writes the cache. Progress is
per finished task (Ray tasks do not stream epochs back).
"""

from __future__ import annotations

import importlib.util
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from nnexam.grader.executors.base import OnEpoch, Result
from nnexam.questions.errors import NnexamError


def _remote_task(task: Any) -> list[dict[str, Any]]:
    """What a Ray worker runs: one thread per CPU Ray gave it, then the task."""
    from nnexam.grader.executors.local import one_thread
    from nnexam.grader.train_cache import run_task

    one_thread()
    return run_task(task, lambda pos, epoch, logs: None)


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
        remote = ray.remote(max_retries=0)(_remote_task)
        refs = {}
        for i, task in enumerate(tasks):
            gpus = 1 if str(task.device or "").startswith("cuda") else 0
            refs[remote.options(num_cpus=1, num_gpus=gpus).remote(portable_task(task))] = i
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
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
