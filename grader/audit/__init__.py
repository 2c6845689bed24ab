"""Auditing free-form reports: find the checkable numbers (model code, ``model.summary()`` tables,
training logs, stated totals and arithmetic, accuracies, hand computations) and check each against
the experiment it belongs to, saying where it is.

    >>> verdicts = audit("report.md", bindings={"num_classes": 10})

Modules, one job each: :mod:`.reader` (Markdown / text / PDF -> lines), :mod:`.document` (the
report's structure: headings, code, tables, logs, prose paragraphs; explicit references),
:mod:`.code` (model code and one compile/fit setup per ``fit``), :mod:`.listed` (layer lists in
prose), :mod:`.summary` (summary tables), :mod:`.logs` (training logs), :mod:`.prose` (stated
numbers and arithmetic chains), :mod:`.rows` (solving a summary row for its layer settings),
:mod:`.checks` (the checks), :mod:`.handcalc` (hand computations through the question families),
:mod:`.training` (``--train``: each experiment through a backend).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nnexam.grader.audit import checks, code, document, handcalc, listed, prose, reader, summary
from nnexam.grader.audit.code import FoundModel
from nnexam.grader.claims import Verdict


def audit(path: str | Path, *, bindings: Mapping[str, Any] | None = None, train: bool = False,
          backend: str | None = None, seeds: int = 3, data_dir: str | None = None,
          show_progress: bool = False, max_train_minutes: float | None = None) -> list[Verdict]:
    """Every finding of the report at ``path`` (see :func:`audit_report`)."""
    return audit_report(reader.read(path), bindings=bindings, train=train, backend=backend, seeds=seeds,
                        data_dir=data_dir, show_progress=show_progress, max_train_minutes=max_train_minutes)


def audit_report(report: reader.Report, *, bindings: Mapping[str, Any] | None = None, train: bool = False,
                 backend: str | None = None, seeds: int = 3, data_dir: str | None = None,
                 show_progress: bool = False, max_train_minutes: float | None = None) -> list[Verdict]:
    """Every finding of ``report``: the report is read into its structure (:mod:`.document`), each
    claim is bound to its experiment (the model, ``fit`` and log before it) and checked only there."""
    doc = document.read(report)
    lines = report.lines
    names = {**code.assignments(lines), **dict(bindings or {})}
    dataset = prose.dataset(report.text)
    image = listed.DATASET_SHAPES.get(dataset or "")
    found = code.models(doc.snippets, names, (image[-1], *image[:-1]) if image else None) + listed.models(doc, names, dataset)
    found += code.unread_models(lines, found)
    found.sort(key=lambda f: f.snippet.line)
    fits = code.setups(doc.snippets, names)

    def model_before(line: int) -> FoundModel | None:
        before = [f for f in found if f.snippet.line < line]
        if before:
            return before[-1]
        return found[0] if len(found) == 1 else None

    def bind(line: int, sentence: str = "") -> tuple[FoundModel | None, summary.Table | None, str]:
        ref = doc.referenced(sentence)
        if ref is not None and ref[0]:
            first, last, name = ref
            inside = [f for f in found if first < f.snippet.line <= last]
            if not inside:
                return None, None, f"the sentence names {name}, which has no model"
            fm = inside[0]
            tables = [t for t in doc.tables if fm.snippet.line < t.line <= last]
            return fm, (tables[0] if tables else None), ""
        fm = model_before(line)
        start = fm.snippet.line if fm is not None else 0
        tables = [t for t in doc.tables if start < t.line < line]
        if tables and fm is not None and fm.spec is not None and checks.match_model(tables[-1], [fm]) is None:
            fm = None  # the table in between shows another model: the claim is about that one
        why = "" if fm is not None else ("no model before it" if found else "the report has no model code")
        if fm is None and len(found) > 1:
            why = f"the report has {len(found)} models and none comes before it"
        return fm, (tables[-1] if tables else None), why

    out: list[Verdict] = []
    for fm in found:
        if fm.spec is None:
            out.append(Verdict("model", fm.where(), None, None, "unverifiable", f"the model code could not be analysed: {fm.error}"))
    input_shape = names.get("input_shape")
    shape = tuple(input_shape) if isinstance(input_shape, tuple | list) else None
    for t in doc.tables:
        out += checks.check_table(t, model_before(t.line), shape)
    out += checks.check_stated(prose.totals(doc.paragraphs), bind)
    out += checks.check_layer_counts(prose.layer_counts(doc.paragraphs), bind)
    out += checks.check_arithmetic(prose.chains(doc.paragraphs), found, doc.tables)
    sizes = prose.train_sizes(doc.paragraphs)
    setups = _setups_for_logs(doc, fits)
    for lg, setup in zip(doc.logs, setups):
        stated = [s for s in sizes if s[1] < lg.line]
        train_size = (stated[-1][0], f"line {stated[-1][1]}") if stated else (
            (prose.KNOWN_TRAIN_SIZES[dataset], f"{dataset}'s training set") if dataset in prose.KNOWN_TRAIN_SIZES else None)
        out += checks.check_log(lg, setup, train_size)
    accs = prose.accuracies(doc.paragraphs)

    def log_for(line: int, sentence: str = "") -> tuple[Any, str]:
        """The part a sentence names, else the run whose learning rate it names, else the log above."""
        if doc.referenced(sentence) is None:
            by_lr = _log_by_learning_rate(doc, setups, sentence)
            if by_lr is not None:
                return by_lr, ""
        return doc.log_for(line, sentence)

    out += checks.check_accuracies(accs, log_for, doc.logs)
    out += handcalc.check(doc, fits, sizes, dataset)
    if train:
        from nnexam.grader.audit import training

        out += training.check(_experiments(doc, fits, setups, accs, model_before, training.Experiment), dataset,
                              backend=backend, seeds=seeds, data_dir=data_dir, show_progress=show_progress,
                              max_train_minutes=max_train_minutes)
    out.sort(key=_order)
    return out


def _setups_for_logs(doc: document.Document, fits: list[code.Setup]) -> list[code.Setup]:
    """Each log's fit: the nearest before it. When one code block holds several fits and the logs
    after it are as many, they pair in order; when they are not, which fit printed which log is
    unclear and the log gets no setup (its steps are then only unverifiable, never refuted)."""
    out = []
    for lg in doc.logs:
        before = [f for f in fits if f.fit_line is not None and f.fit_line < lg.line]
        if not before:
            out.append(code.Setup())
            continue
        snip = next((s for s in doc.snippets if s.line <= before[-1].fit_line < s.line + s.span), None)  # type: ignore[operator]
        group = [f for f in before if snip is not None and snip.line <= f.fit_line < snip.line + snip.span]  # type: ignore[operator]
        if len(group) <= 1:
            out.append(before[-1])
            continue
        later = [s.line for s in doc.snippets if snip is not None and s.line > snip.line]
        stop = min(later) if later else len(doc.lines) + 1
        logs_after = [x for x in doc.logs if before[-1].fit_line < x.line < stop]  # type: ignore[operator]
        index = next(i for i, x in enumerate(logs_after) if x is lg)
        out.append(group[index] if len(logs_after) == len(group) else code.Setup())
    return out


def _log_by_learning_rate(doc: document.Document, setups: list[code.Setup], sentence: str) -> Any:
    """The one log whose run has the learning rate a sentence names ("while lr = 0.001 only reached
    80%"): from its ``compile`` or from the words just above the log ("Output for lr = 0.1:")."""
    before, _, after = sentence.partition("\0")
    found = list(prose.LR_REF.finditer(before))
    m = found[-1] if found else prose.LR_REF.search(after)
    if m is None:
        return None
    try:
        want = float(m.group("v"))
    except ValueError:
        return None
    hits = []
    for lg, setup in zip(doc.logs, setups):
        above = " ".join(doc.lines[max(0, lg.line - 5): lg.line - 1])
        named = [float(x.group("v")) for x in prose.LR_REF.finditer(above) if _is_float(x.group("v"))]
        rate = named[-1] if named else setup.learning_rate
        if rate is not None and abs(rate - want) <= 1e-12 * max(1.0, abs(want)):
            hits.append(lg)
    return hits[0] if len(hits) == 1 else None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _experiments(doc: document.Document, fits: list[code.Setup], setups: list[code.Setup], accs: list[prose.Accuracy],
                 model_before: Any, make: Any) -> list[Any]:
    """The report's runs for ``--train``: one per log (its fit and the model before it), or one per
    ``fit`` when the report shows no log; stated test accuracies go to the run they are about."""
    runs = []
    if doc.logs:
        for lg, setup in zip(doc.logs, setups):
            mine = tuple(a for a in accs if a.which == "test" and doc.log_for(a.line, a.sentence)[0] is lg)
            runs.append(make(model_before(lg.line), setup, lg, mine))
    else:
        for setup in fits or [code.Setup()]:
            line = setup.fit_line or len(doc.lines)
            runs.append(make(model_before(line), setup, None, tuple(a for a in accs if a.which == "test")))
    return runs


def _order(v: Verdict) -> int:
    found = re.findall(r"line (\d+)", v.where)
    return int(found[0]) if found else 0
