"""Train once per configuration: runs are cached on disk and independent runs share the cores.

The cache key hashes what determines a run: the model (layer kinds, arguments and shapes; not
names or source lines, so 200 reports of the same model share one entry), the data (its
fingerprint and subset), the training config, the seed and the backend's name and version. Files
live in ``$NNEXAM_CACHE`` (default ``~/.cache/nnexam``) under ``train/``, written atomically
(temporary file + rename) so concurrent graders never read half a file.

A batch of jobs (a whole class's claims files) is planned at once: identical jobs (same key) are
merged, cached ones are read, and the missing ones are grouped into tasks, one per configuration
(its seeds together, so a backend with ``train_seeds`` trains them as one seed-batched model). An
executor (:mod:`nnexam.grader.executors`: ``local`` by default, ``ray``) runs the tasks; each
result is written to the cache as it arrives, and one click progress bar shows runs done / total,
the last metric and the ETA. With the local executor, small batches (under :data:`SMALL_JOB_MACS`
multiply-adds in all, e.g. an MLP on the digits) run in this process: starting workers (each imports
torch) would cost more than the training. Scripts calling :func:`run` need the usual
``if __name__ == "__main__":`` guard of ``spawn``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import socket
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from nnexam.grader import datasets
from nnexam.grader.backends import registry
from nnexam.grader.backends.base import History, TrainConfig
from nnexam.questions.errors import InputError, NnexamError
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


@dataclass(frozen=True)
class Task:
    """One configuration's missing seeds, trained together; ``device`` as ``--device`` (None: the backend's default)."""

    jobs: tuple[Job, ...]
    device: str | None = None


@dataclass
class Summary:
    """What a batch needed: runs asked for, distinct runs (identical ones merged), found in the cache,
    trained now, and the jobs that failed (job index -> error)."""

    requested: int = 0
    distinct: int = 0
    cached: int = 0
    trained: int = 0
    tasks: int = 0
    failures: dict[int, BaseException] = field(default_factory=dict)

    def describe(self) -> str:
        return (f"{self.requested} training runs requested, {self.distinct} distinct, {self.cached} cached, "
                f"{self.trained} trained in {self.tasks} task{'s' * (self.tasks != 1)}"
                + (f", {len(self.failures)} failed" if self.failures else ""))


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


def run_task(task: Task, report: Callable[[int, int, Mapping[str, float]], None]) -> list[dict[str, Any]]:
    """Train a task's seeds where this runs (a worker, a Ray node, this process): the dataset is loaded
    here by name; ``report(seed position, epoch, logs)`` after each epoch. Seeds train together when
    the backend has ``train_seeds`` (seed-batched), else one after another."""
    first = task.jobs[0]
    try:
        ds = datasets.load(first.data)
    except InputError as err:
        raise NnexamError(f"on host {socket.gethostname()}: {err} (workers load the datasets themselves: "
                          "--data-dir and dataset files must exist on every machine that trains)") from err
    data = datasets.for_model(ds, first.spec.input_shape)
    backend = registry.get(first.backend)
    seeds = [job.seed for job in task.jobs]
    kwargs = {"device": task.device} if task.device is not None else {}
    if task.device is not None and not hasattr(backend, "devices"):
        raise NnexamError(f"the {backend.name} backend does not take --device (it is for the torch backend)")
    many = getattr(backend, "train_seeds", None)
    if many is not None and len(seeds) > 1:
        hists = many(first.spec, data, first.config, seeds, report, **kwargs)
    else:
        hists = [backend.train(first.spec, data, first.config, s,
                               lambda epoch, _epochs, logs, k=k: report(k, epoch, logs), **kwargs)
                 for k, s in enumerate(seeds)]
    return [h.as_dict() for h in hists]


_PLAN: list[Job] | None = None


@contextlib.contextmanager
def planning() -> Iterator[list[Job]]:
    """A dry run that collects the jobs code asks :func:`run` for, training nothing: inside it, ``run``
    records its jobs and returns placeholder histories (metrics 0 at every epoch), so code that trains
    as it goes (``nnexam audit --train``) can be run once to learn a whole class's runs, these trained
    together (:func:`ensure`), and run again for real from the cache. Verdicts made inside are meaningless."""
    global _PLAN
    outer, _PLAN = _PLAN, []
    try:
        yield _PLAN
    finally:
        _PLAN = outer


def run(jobs: Sequence[Job], *, show_progress: bool = False, workers: int | None = None, executor: str | None = None,
        options: Mapping[str, Any] | None = None, device: str | None = None) -> list[History]:
    """The history of each job, from the cache or by training; the first failure is raised."""
    if _PLAN is not None:
        _PLAN.extend(jobs)
        names = ("loss", "accuracy", "val_loss", "val_accuracy")
        return [History(tuple(dict.fromkeys(names, 0.0) for _ in range(job.config.epochs)),
                        {"loss": 0.0, "accuracy": 0.0}) for job in jobs]
    histories, summary = ensure(jobs, show_progress=show_progress, workers=workers, executor=executor,
                                options=options, device=device)
    if summary.failures:
        raise next(iter(summary.failures.values()))
    return [h for h in histories if h is not None]


def path(job: Job, *, seed: int | None = None) -> Path:
    """The cache file of a job, or of its configuration at another ``seed`` (loads its dataset for the
    fingerprint; loads are memoised)."""
    fp = datasets.load(job.data).fingerprint
    job = job if seed is None else replace(job, seed=seed)
    return cache_dir() / f"{key(job, fp, registry.get(job.backend).version())}.json"


def ensure(jobs: Sequence[Job], *, show_progress: bool = False, workers: int | None = None, executor: str | None = None,
           options: Mapping[str, Any] | None = None, device: str | None = None) -> tuple[list[History | None], Summary]:
    """Every job's history (None where it failed) and what it took: identical jobs merged, the cache
    read, the missing runs trained through ``executor`` (default local) and written to the cache."""
    paths = [path(job) for job in jobs]
    summary = Summary(requested=len(jobs))
    found: dict[Path, History | None] = {}
    first: dict[Path, int] = {}
    for i, p in enumerate(paths):
        if p not in first:
            first[p] = i
            found[p] = _read(p) if p.is_file() else None
    summary.distinct = len(first)
    missing = [p for p, h in found.items() if h is None]
    summary.cached = summary.distinct - len(missing)
    failed: dict[Path, BaseException] = {}
    if missing:
        groups: dict[str, list[Path]] = {}
        for p in missing:
            job = jobs[first[p]]
            groups.setdefault(path(job, seed=0).stem, []).append(p)  # one configuration: its seeds together
        planned = [[first[p] for p in group] for group in groups.values()]
        tasks = [Task(tuple(jobs[i] for i in idx), device) for idx in planned]
        cost = sum(macs(jobs[first[p]], datasets.load(jobs[first[p]].data).train_size) for p in missing)
        if workers is None and cost < SMALL_JOB_MACS:
            workers = 1
        summary.tasks = len(tasks)
        opts = {"workers": workers, "device": device, **(options or {})}

        def arrived(t: int, result: list[dict[str, Any]] | BaseException) -> None:
            """Into the cache at once: an interrupted batch keeps what finished."""
            if isinstance(result, BaseException):
                failed.update({paths[i]: result for i in planned[t]})
                return
            for i, raw in zip(planned[t], result):
                hist = History.from_dict(raw)
                _write(paths[i], hist)
                found[paths[i]] = hist
                summary.trained += 1

        _train(tasks, executor, opts, show_progress, arrived)
    summary.failures = {i: failed[p] for i, p in enumerate(paths) if p in failed}
    return [found[p] for p in paths], summary


def _train(tasks: Sequence[Task], executor: str | None, options: Mapping[str, Any], show: bool,
           arrived: Callable[[int, list[dict[str, Any]] | BaseException], None]) -> None:
    """Run the tasks through the executor under one progress bar (epochs done / total, runs done, ETA);
    ``arrived(task index, result)`` as each task finishes."""
    import io
    import sys

    import click
    from nnexam.grader.executors import registry as executors

    ex = executors.get(executor, options)
    runs = sum(len(t.jobs) for t in tasks)
    total = sum(len(t.jobs) * t.jobs[0].config.epochs for t in tasks)
    label = f"training {runs} run{'s' * (runs > 1)} ({tasks[0].jobs[0].backend}, {ex.name})"
    state: dict[str, Any] = {"text": "", "runs": 0}
    reported: dict[int, int] = {}

    def show_item(_: Any) -> str:
        return f"runs {state['runs']}/{runs}" + (f", {state['text']}" if state["text"] else "")

    with click.progressbar(length=total, label=label, show_eta=True, item_show_func=show_item,
                           file=sys.stderr if show else io.StringIO()) as bar:
        def on_epoch(t: int, pos: int, epoch: int, logs: Mapping[str, float]) -> None:
            job = tasks[t].jobs[pos]
            metric = next((k for k in ("val_accuracy", "accuracy", "loss") if k in logs), None)
            shown = f" {metric} {logs[metric]:.4f}" if metric else ""
            state["text"] = f"seed {job.seed} epoch {epoch}/{job.config.epochs}{shown}"
            reported[t] = reported.get(t, 0) + 1
            bar.update(1)

        for t, result in ex.run(tasks, on_epoch):
            arrived(t, result)
            state["runs"] += len(tasks[t].jobs)
            owed = len(tasks[t].jobs) * tasks[t].jobs[0].config.epochs
            bar.update(max(0, owed - reported.get(t, 0)))  # executors that do not stream epochs


def portable_task(task: Task) -> Task:
    """The task with plain-dict model configs (picklable for worker processes and Ray)."""
    return Task(tuple(Job(portable(j.spec), j.data, j.config, j.seed, j.backend) for j in task.jobs), task.device)
