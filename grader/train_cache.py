"""Train once per configuration: runs are cached on disk and independent runs share the cores.

The cache key hashes what determines a run: the model (layer kinds, arguments and shapes; not
names or source lines, so 200 reports of the same model share one entry), the data (its
fingerprint and subset), the training config, the seed and the backend's name and version. Files
live in ``$NNEXAM_CACHE`` (default ``~/.cache/nnexam``) under ``train/``, written atomically
(temporary file + rename) so concurrent graders never read half a file.

Runs that are not cached go to a process pool (``spawn``; one worker per core, at most one per
run, torch limited to one thread per worker) and a click progress bar shows epochs, the last
metric and the ETA. Small jobs (under :data:`SMALL_JOB_MACS` multiply-adds in all, e.g. an MLP on
the digits) run in this process instead: starting workers (each imports torch) would cost more than
the training. Scripts calling :func:`run` need the usual ``if __name__ == "__main__":`` guard of
``spawn``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from nnexam.grader import datasets
from nnexam.grader.backends import registry
from nnexam.grader.backends.base import History, TrainConfig
from nnexam.questions.model_spec import ModelSpec

FORMAT = 1  # bump when History or the key changes meaning
SMALL_JOB_MACS = 3e9  # ~ a few seconds of one core


@dataclass(frozen=True)
class Job:
    spec: ModelSpec
    data: datasets.DataRef
    config: TrainConfig
    seed: int
    backend: str


def cache_dir() -> Path:
    return Path(os.environ.get("NNEXAM_CACHE") or Path.home() / ".cache" / "nnexam") / "train"


def _plain(value: Any) -> Any:
    """JSON-able, order-stable form of spec configs (tuples -> lists, mappings -> sorted dicts)."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def portable(spec: ModelSpec) -> ModelSpec:
    """The spec with plain-dict configs (picklable for worker processes)."""
    layers = tuple(replace(layer, config=_plain(layer.config)) for layer in spec.layers)
    return replace(spec, layers=layers, notes=tuple(spec.notes))


def key(job: Job, fingerprint: str, version: str) -> str:
    model = {
        "source": job.spec.source,
        "input": _plain(job.spec.input_shape),
        "layers": [[lay.kind, _plain(lay.config), _plain(lay.input_shape), _plain(lay.output_shape)] for lay in job.spec.layers],
    }
    payload = {"format": FORMAT, "model": model, "data": fingerprint, "config": _plain(asdict(job.config)),
               "seed": job.seed, "backend": version}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _read(path: Path) -> History | None:
    try:
        return History.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(path: Path, hist: History) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(hist.as_dict(), f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def macs(job: Job, rows: int) -> float:
    """Rough multiply-adds of one run: forward + backward (x3) per sample, per epoch."""
    per_sample = 0.0
    for layer in job.spec.layers:
        positions = 1
        if layer.kind.startswith("Conv") and len(layer.output_shape) > 1:
            spatial = layer.output_shape[1:] if job.spec.source == "torch" else layer.output_shape[:-1]
            positions = max(1, math.prod(d or 1 for d in spatial))
        per_sample += layer.params * positions
    return 3 * per_sample * rows * job.config.epochs


def _run_one(job: Job, index: int, queue: Any) -> dict[str, Any]:
    """One training run (in a worker or in-process); ``queue.put`` receives each epoch's progress."""
    ds = datasets.load(job.data)
    data = datasets.for_model(ds, job.spec.input_shape)
    backend = registry.get(job.backend)

    def report(epoch: int, epochs: int, logs: Any) -> None:
        queue.put((index, epoch, dict(logs)))

    return backend.train(job.spec, data, job.config, job.seed, report).as_dict()


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
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


def _init_worker() -> None:
    if importlib.util.find_spec("torch") is None:
        return
    import torch

    torch.set_num_threads(1)


def run(jobs: Sequence[Job], *, show_progress: bool = False, workers: int | None = None) -> list[History]:
    """The history of each job, from the cache or by training (in parallel when several are missing)."""
    results: list[History | None] = [None] * len(jobs)
    paths: list[Path] = []
    cost = 0.0
    for i, job in enumerate(jobs):
        ds = datasets.load(job.data)
        fp = ds.fingerprint
        cost += macs(job, ds.train_size)
        path = cache_dir() / f"{key(job, fp, registry.get(job.backend).version())}.json"
        paths.append(path)
        results[i] = _read(path) if path.is_file() else None
    todo = [i for i, r in enumerate(results) if r is None]
    if workers is None and cost < SMALL_JOB_MACS:
        workers = 1
    if todo:
        for i, hist in _train(jobs, todo, show_progress, workers).items():
            _write(paths[i], hist)
            results[i] = hist
    return [r for r in results if r is not None]


def _train(jobs: Sequence[Job], todo: list[int], show: bool, workers: int | None) -> dict[int, History]:
    import io
    import queue as queue_mod
    import sys
    from types import SimpleNamespace

    import click

    total = sum(jobs[i].config.epochs for i in todo)
    n_workers = min(workers or os.cpu_count() or 1, len(todo))
    label = f"training {len(todo)} run{'s' * (len(todo) > 1)} ({jobs[todo[0]].backend})"
    last: dict[str, str] = {"text": ""}

    def show_item(_: Any) -> str:
        return last["text"]

    out: dict[int, History] = {}
    with click.progressbar(length=total, label=label, show_eta=True, item_show_func=show_item,
                           file=sys.stderr if show else io.StringIO()) as bar:
        def on_epoch(msg: tuple[int, int, dict[str, float]]) -> None:
            index, epoch, logs = msg
            metric = next((k for k in ("val_accuracy", "accuracy", "loss") if k in logs), None)
            shown = f" {metric} {logs[metric]:.4f}" if metric else ""
            last["text"] = f"seed {jobs[index].seed} epoch {epoch}/{jobs[index].config.epochs}{shown}"
            bar.update(1)

        if n_workers <= 1:
            direct = SimpleNamespace(put=on_epoch)
            with _one_thread():  # small models: extra threads only spin
                for i in todo:
                    out[i] = History.from_dict(_run_one(jobs[i], i, direct))
            return out
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ctx.Manager() as manager, ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker) as pool:
            q = manager.Queue()
            futures = {pool.submit(_run_one, portable_job(jobs[i]), i, q): i for i in todo}
            pending = set(futures)
            while pending:
                try:
                    on_epoch(q.get(timeout=0.2))
                except queue_mod.Empty:
                    pass
                for fut in [f for f in pending if f.done()]:
                    pending.discard(fut)
                    out[futures[fut]] = History.from_dict(fut.result())
            while not q.empty():
                on_epoch(q.get())
    return out


def portable_job(job: Job) -> Job:
    return Job(portable(job.spec), job.data, job.config, job.seed, job.backend)
