"""Auditing free-form reports: find the checkable numbers (model code, ``model.summary()`` tables,
training logs, stated totals and arithmetic, accuracies) and check each, saying where it is.

    >>> verdicts = audit("report.md", bindings={"num_classes": 10})

Modules, one job each: :mod:`.reader` (Markdown / text / PDF -> lines), :mod:`.code` (model code and
compile/fit settings), :mod:`.summary` (summary tables), :mod:`.logs` (training logs), :mod:`.prose`
(stated numbers), :mod:`.rows` (solving a summary row for its layer settings), :mod:`.checks`
(the checks), :mod:`.training` (``--train``: the report's accuracies through a backend).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nnexam.grader.audit import checks, code, logs, prose, reader, summary
from nnexam.grader.claims import Verdict


def audit(path: str | Path, *, bindings: Mapping[str, Any] | None = None, train: bool = False,
          backend: str | None = None, seeds: int = 3, data_dir: str | None = None,
          show_progress: bool = False) -> list[Verdict]:
    """Every finding of the report at ``path`` (see :func:`audit_report`)."""
    return audit_report(reader.read(path), bindings=bindings, train=train, backend=backend, seeds=seeds,
                        data_dir=data_dir, show_progress=show_progress)


def audit_report(report: reader.Report, *, bindings: Mapping[str, Any] | None = None, train: bool = False,
                 backend: str | None = None, seeds: int = 3, data_dir: str | None = None,
                 show_progress: bool = False) -> list[Verdict]:
    lines = report.lines
    snippets = code.snippets(lines)
    names = {**code.assignments(lines), **dict(bindings or {})}
    found = code.models(snippets, names)
    setup = code.setup(snippets, names)
    tables = summary.find_tables(lines)
    found_logs = logs.find_logs(lines)

    skip: set[int] = set()
    for s in snippets:
        skip.update(range(s.line, s.line + s.text.count("\n") + 1))
    for t in tables:
        skip.update(r.line for r in t.rows)
    footers = {n for t in tables for n in t.footer_lines}
    for lg in found_logs:
        skip.update(range(lg.line, lg.epochs[-1].end + 1))

    out: list[Verdict] = []
    for fm in found:
        if fm.spec is None:
            out.append(Verdict("model", fm.where(), None, None, "unverifiable", f"the model code could not be analysed: {fm.error}"))
    input_shape = names.get("input_shape")
    shape = tuple(input_shape) if isinstance(input_shape, tuple | list) else None
    for t in tables:
        out += checks.check_table(t, found, shape)
    out += checks.check_stated(prose.totals(lines, skip | footers), found, tables)
    out += checks.check_arithmetic(prose.arithmetic(lines, skip | footers), found, tables)
    accs = prose.accuracies(lines, skip | footers)
    dataset = prose.dataset(report.text)
    size = prose.train_size(lines)
    train_size = (size[0], f"line {size[1]}") if size else (
        (prose.KNOWN_TRAIN_SIZES[dataset], f"{dataset}'s training set") if dataset in prose.KNOWN_TRAIN_SIZES else None)
    for lg in found_logs:
        out += checks.check_log(lg, setup, train_size, accs)
    if train:
        from nnexam.grader.audit import training

        out += training.check(found, setup, found_logs, accs, dataset, backend=backend, seeds=seeds,
                              data_dir=data_dir, show_progress=show_progress)
    return out
