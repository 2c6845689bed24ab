"""A whole class's claims files at once: every training run the class needs is collected first,
identical runs (same cache key: model, data, settings, seed, backend version) are merged, the cache
is read, and only what is missing is trained, through one executor under one progress bar. Then
each file is judged as ``nnexam verify`` judges one file (its runs now all come from the cache).

One unusable file (bad YAML, unknown claim, missing dataset, a model the backend cannot train)
is reported with its file and line and never stops the others.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnexam.grader import claims, datasets, train_cache
from nnexam.grader.backends.base import History
from nnexam.questions.errors import InputError, NnexamError

SUFFIXES = (".yaml", ".yml")
REPORT_SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
MAX_FILES = 100_000


@dataclass
class FileResult:
    """One claims file's outcome: its verdicts and runs, or why it could not be used."""

    path: str
    verdicts: list[claims.Verdict] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    error: str | None = None


def claims_files(inputs: Sequence[str | Path], suffixes: Sequence[str] = SUFFIXES) -> list[Path]:
    """The files named, and the ``*.yaml``/``*.yml`` files (or ``suffixes``) under the folders named (sorted, recursive)."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in suffixes and f.is_file()))
        else:
            out.append(p)
        if len(out) > MAX_FILES:
            raise InputError(str(item), f"more than {MAX_FILES} claims files; split the class into batches")
    return list(dict.fromkeys(out))


def verify_class(inputs: Sequence[str | Path], *, backend: str | None = None, seeds: int = 3,
                 data_dir: str | None = None, executor: str | None = None,
                 options: Mapping[str, Any] | None = None, device: str | None = None,
                 show_progress: bool = False, workers: int | None = None,
                 log: Any = None, max_train_minutes: float | None = None) -> tuple[list[FileResult], train_cache.Summary]:
    """Each file's verdicts (or error) and what the training took (see the module docstring).
    ``log(text)`` receives notes such as seeds that cannot be seed-batched. A file whose missing
    runs are estimated over ``max_train_minutes`` (default claims.DEFAULT_MAX_TRAIN_MINUTES) is
    refused with the estimate before anything trains; the rest of the class goes on."""
    from nnexam.grader.backends import registry
    from nnexam.grader.executors import registry as executors

    executors.get(executor, options)  # an unknown or uninstalled executor is an error even when all is cached
    limit = claims.DEFAULT_MAX_TRAIN_MINUTES if max_train_minutes is None else max_train_minutes
    paths = claims_files(inputs)
    results = [FileResult(str(p)) for p in paths]
    read: dict[int, claims.ClaimsFile] = {}
    for i, p in enumerate(paths):
        try:
            read[i] = claims.read(p, data_dir=data_dir)
            datasets.load(read[i].data)
        except NnexamError as err:
            results[i].error = _located(str(p), err)
    jobs: list[train_cache.Job] = []
    owner: list[int] = []
    be = None
    if any(claims.needs_training(cf) for cf in read.values()):
        be = registry.get(backend)
        for i, cf in read.items():
            if claims.needs_training(cf):
                new = claims.training_jobs(cf, be.name, seeds)
                try:
                    claims.check_budget(cf, new, datasets.load(cf.data).train_size, be, limit)
                except NnexamError as err:
                    results[i].error = _located(str(paths[i]), err)
                    continue
                jobs.extend(new)
                owner.extend([i] * len(new))
        if log is not None:
            _note_unbatched(be, [jobs[k] for k in range(0, len(jobs), seeds)], log, device)
    summary = train_cache.Summary()
    if jobs:
        _, summary = train_cache.ensure(jobs, show_progress=show_progress, workers=workers, executor=executor,
                                        options=options, device=device)
        for k, err in summary.failures.items():
            i = owner[k]
            if results[i].error is None:
                results[i].error = f"{paths[i]}: training failed: {err}"
    for i, cf in read.items():
        if results[i].error is not None:
            continue
        try:
            results[i].verdicts, results[i].histories = claims.verify(cf, backend=backend, seeds=seeds, workers=1,
                                                                      max_train_minutes=limit)
        except NnexamError as err:
            results[i].error = _located(str(paths[i]), err)
    return results, summary


def audit_class(inputs: Sequence[str | Path], *, bindings: Mapping[str, Any] | None = None, train: bool = False,
                backend: str | None = None, seeds: int = 3, data_dir: str | None = None, executor: str | None = None,
                options: Mapping[str, Any] | None = None, device: str | None = None,
                show_progress: bool = False, max_train_minutes: float | None = None
                ) -> tuple[list[FileResult], train_cache.Summary]:
    """``nnexam audit`` over a class of reports (files and folders of .md/.txt/.pdf). With ``train``, a
    dry run (:func:`train_cache.planning`) first learns every run the reports need; those are merged and
    trained together, then each report is audited from the cache."""
    from nnexam.grader.audit import audit
    from nnexam.grader.executors import registry as executors

    executors.get(executor, options)
    paths = claims_files(inputs, REPORT_SUFFIXES)
    results = [FileResult(str(p)) for p in paths]
    kw = {"bindings": bindings, "train": train, "backend": backend, "seeds": seeds, "data_dir": data_dir,
          "max_train_minutes": max_train_minutes}
    summary = train_cache.Summary()
    if train:
        with train_cache.planning() as planned:
            for p in paths:
                try:
                    audit(p, **kw)
                except NnexamError:
                    pass  # reported by the real pass below
        if planned:
            _, summary = train_cache.ensure(planned, show_progress=show_progress, executor=executor, options=options,
                                            device=device)
    for i, p in enumerate(paths):
        try:
            results[i].verdicts = audit(p, **kw)
        except NnexamError as err:
            results[i].error = _located(str(p), err)
    return results, summary


def _located(path: str, err: NnexamError) -> str:
    text = str(err)
    return text if text.startswith(path) else f"{path}: {text}"


def _note_unbatched(backend: Any, jobs: Sequence[train_cache.Job], log: Any, device: str | None = None) -> None:
    """Say which models' seeds train one after another (``--verbose``)."""
    blocker = getattr(backend, "batch_blocker", None)
    if blocker is None:
        log(f"the {backend.name} backend trains seeds one after another (no seed batching)")
        return
    seen: set[str] = set()
    for job in jobs:
        why = blocker(job.spec, device)
        if why and why not in seen:
            seen.add(why)
            log(f"seeds of {job.spec.name or 'a model'} train one after another: {why}")


def rows(results: Sequence[FileResult]) -> list[dict[str, Any]]:
    """One row per file and claim (DESIGN.md's claim shape plus ``file``); an unusable file is one row
    with verdict ``unusable`` and the reason as evidence."""
    out: list[dict[str, Any]] = []
    for r in results:
        if r.error is not None:
            out.append({"file": r.path, "what": "", "where": "", "claimed": None, "expected": None,
                        "verdict": "unusable", "evidence": r.error})
        out.extend({"file": r.path, **v.as_dict()} for v in r.verdicts)
    return out


def write_report(results: Sequence[FileResult], summary: train_cache.Summary, folder: str | Path) -> list[Path]:
    """``class.csv`` and ``class.json`` (``{"claims": [...], "unusable": [{"file", "error"}], "training": {...}}``)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    table = rows(results)
    keys = ["file", "what", "where", "claimed", "expected", "verdict", "evidence"]
    csv_path = out / "class.csv"
    with csv_path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for row in table:
            w.writerow({k: (json.dumps(row[k]) if isinstance(row[k], list | dict) else row[k]) for k in keys})
    json_path = out / "class.json"
    payload = {
        "claims": [row for row in table if row["verdict"] != "unusable"],
        "unusable": [{"file": r.path, "error": r.error} for r in results if r.error is not None],
        "training": {"requested": summary.requested, "distinct": summary.distinct, "cached": summary.cached,
                     "trained": summary.trained, "tasks": summary.tasks, "failed": len(summary.failures)},
    }
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return [csv_path, json_path]
