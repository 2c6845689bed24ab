"""The checks an audit runs on what was found in a report; each returns verdicts that say where.

- summary rows: derivable from the row before (:mod:`nnexam.grader.audit.rows`), and equal to the code's layer;
- summary footers: total = sum of rows, trainable + non-trainable = total, BatchNormalization's
  moving statistics non-trainable, the size in brackets = 4 bytes per parameter, total = the code's;
- stated totals in the prose against the code and the tables;
- per-layer arithmetic: the expression equals the stated result;
- training logs: steps per epoch x batch size against the training-set size (after
  ``validation_split``), the number of epochs against ``fit``, and accuracies stated in the prose
  against the report's own log.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nnexam.grader.audit import rows as rows_mod
from nnexam.grader.audit.code import FoundModel, Setup
from nnexam.grader.audit.logs import Log
from nnexam.grader.audit.prose import Accuracy, Arithmetic, Stated
from nnexam.grader.audit.summary import Row, Table, readable_size
from nnexam.grader.claims import Verdict
from nnexam.questions.model_spec import LayerSpec, ModelSpec


def _shape(s: Sequence[int | None]) -> str:
    return "(None, " + ", ".join(str(d) for d in s) + ")"


def _layers(spec: ModelSpec) -> list[LayerSpec]:
    return [layer for layer in spec.layers if layer.kind != "InputLayer"]


def match_model(table: Table, found: Sequence[FoundModel]) -> FoundModel | None:
    """The code model a table shows: same layer count, most equal rows (ties: the first)."""
    rows = [r for r in table.rows if r.kind != "InputLayer"]
    best, score = None, -1
    for fm in found:
        if fm.spec is None or len(_layers(fm.spec)) != len(rows):
            continue
        s = sum(r.params == lay.params and tuple(r.shape) == tuple(lay.output_shape or ()) for r, lay in zip(rows, _layers(fm.spec)))
        if s > score:
            best, score = fm, s
    return best


def _unusual_in_code(layer: LayerSpec | None) -> str:
    if layer is None:
        return ""
    cfg = layer.config
    d = cfg.get("dilation_rate", cfg.get("dilation", 1))
    s = cfg.get("strides", cfg.get("stride", 1))
    big = [v for v in (d if isinstance(d, tuple | list) else (d,)) if v and v > 1]
    big += [v for v in (s if isinstance(s, tuple | list) else (s,)) if v and v > rows_mod.USUAL_MAX_STRIDE]
    return "yes" if big else ""


def check_table(table: Table, found: Sequence[FoundModel], input_shape: tuple[int, ...] | None) -> list[Verdict]:
    out: list[Verdict] = []
    fm = match_model(table, found)
    code_layers = _layers(fm.spec) if fm and fm.spec else None
    prev: tuple[int | None, ...] | None = None
    if code_layers:
        prev = tuple(fm.spec.input_shape)  # type: ignore[union-attr]
    elif input_shape:
        prev = tuple(input_shape)
    k = 0
    for row in table.rows:
        if row.kind == "InputLayer":
            prev = row.shape
            continue
        layer = code_layers[k] if code_layers and k < len(code_layers) else None
        k += 1
        out.append(_row_verdict(table, row, prev, layer, fm))
        prev = row.shape
    if found and any(f.spec for f in found) and fm is None:
        counts = ", ".join(str(len(_layers(f.spec))) for f in found if f.spec)
        out.append(Verdict("summary_layers", table.where(), len([r for r in table.rows if r.kind != "InputLayer"]), counts,
                           "refuted", f"the table has {len(table.rows)} layers; the report's model code has {counts}"))
    out += _footer(table, fm)
    return out


def _row_verdict(table: Table, row: Row, prev: tuple[int | None, ...] | None, layer: LayerSpec | None,
                 fm: FoundModel | None) -> Verdict:
    where = table.where(row)
    claimed = f"{row.kind}: {_shape(row.shape)}, {row.params:,} params"
    if layer is not None and (layer.params != row.params or (layer.output_shape is not None and tuple(layer.output_shape) != tuple(row.shape))):
        expected = f"{layer.kind}: {_shape(layer.output_shape)}, {layer.params:,} params"
        derived = rows_mod.check(row.kind, prev, row.shape, row.params, _unusual_in_code(layer))
        line = f"line {fm.line_of(layer)}, " if fm else ""
        why = (f"the code ({line}layer {layer.name}: {layer.kind}) gives "
               f"{_shape(layer.output_shape)} with {layer.params:,} parameters; the row says {_shape(row.shape)} with {row.params:,}")
        if derived.verdict in ("refuted", "implausible"):
            why += f". Also from the row before: {derived.evidence}"
        return Verdict("summary_row", where, claimed, expected, "refuted", why)
    c = rows_mod.check(row.kind, prev, row.shape, row.params, _unusual_in_code(layer))
    shown = f"{_shape(prev)} -> {_shape(row.shape)}" if prev is not None else _shape(row.shape)
    evidence = f"{shown}: {c.evidence}"
    if layer is not None and c.verdict == "unverifiable":
        return Verdict("summary_row", where, claimed, claimed, "confirmed", f"equals the code's layer {layer.name} ({layer.kind})")
    expected = claimed if c.verdict == "confirmed" else (f"{c.expected:,} params" if isinstance(c.expected, int) else None)
    return Verdict("summary_row", where, claimed, expected, c.verdict, evidence)


def _footer(table: Table, fm: FoundModel | None) -> list[Verdict]:
    out: list[Verdict] = []
    line = table.footer_lines[0] if table.footer_lines else table.line
    where = f"summary table {table.index}, footer (line {line})"
    rows_total = sum(r.params for r in table.rows)
    bn = sum(r.params // 2 for r in table.rows if r.kind == "BatchNormalization")
    if table.total is not None:
        ok = table.total == rows_total
        out.append(Verdict("total_params", where, table.total, rows_total, "confirmed" if ok else "refuted",
                           f"the rows add up to {' + '.join(f'{r.params:,}' for r in table.rows if r.params) or '0'} = {rows_total:,}"))
        if fm is not None and fm.spec is not None and fm.spec.total != table.total:
            out.append(Verdict("total_params", where, table.total, fm.spec.total, "refuted",
                               f"the code ({fm.where()}) has {fm.spec.total:,} parameters"))
    if table.trainable is not None:
        ref = (table.total if table.total is not None else rows_total) - bn
        ok = table.trainable == ref
        why = f"total {ref + bn:,}" + (f" minus {bn:,} BatchNormalization moving statistics" if bn else ", no non-trainable weights")
        out.append(Verdict("trainable_params", where, table.trainable, ref, "confirmed" if ok else "refuted", why))
    if table.non_trainable is not None:
        out.append(Verdict("non_trainable_params", where, table.non_trainable, bn, "confirmed" if table.non_trainable == bn else "refuted",
                           f"BatchNormalization moving mean and variance: {bn:,}" if bn else "no BatchNormalization layers: 0"))
    counts = {"total": table.total, "trainable": table.trainable, "non-trainable": table.non_trainable}
    for which, size, size_line in table.sizes:
        n = counts.get(which)
        if n is None:
            continue
        want = readable_size(n * 4)
        out.append(Verdict("params_size", f"summary table {table.index}, footer (line {size_line})", size, want,
                           "confirmed" if size.replace(" ", "") == want.replace(" ", "") else "refuted",
                           f"{n:,} float32 parameters x 4 bytes = {want} (Keras counts 1 KB = 1024 B)"))
    return out


def check_stated(stated: Sequence[Stated], found: Sequence[FoundModel], tables: Sequence[Table]) -> list[Verdict]:
    out = []
    spec = next((f.spec for f in found if f.spec is not None), None)
    for st in stated:
        refs: list[tuple[str, int]] = []
        if spec is not None:
            refs.append(("the code", {"total": spec.total, "trainable": spec.trainable, "non_trainable": spec.non_trainable}[st.kind]))
        for t in tables:
            if st.kind == "total":
                refs.append((f"summary table {t.index}", t.total if t.total is not None else sum(r.params for r in t.rows)))
            elif st.kind == "trainable" and t.trainable is not None:
                refs.append((f"summary table {t.index}", t.trainable))
            elif st.kind == "non_trainable" and t.non_trainable is not None:
                refs.append((f"summary table {t.index}", t.non_trainable))
        what = {"total": "total_params", "trainable": "trainable_params", "non_trainable": "non_trainable_params"}[st.kind]
        where = f"line {st.line}: \"{st.text}\""
        if not refs:
            out.append(Verdict(what, where, st.value, None, "unverifiable", "no model code or summary table to compare with"))
            continue
        agree = [name for name, v in refs if v == st.value]
        listing = "; ".join(f"{name}: {v:,}" for name, v in refs)
        verdict = "confirmed" if agree and (spec is None or agree[0] == "the code") else "refuted"
        out.append(Verdict(what, where, st.value, refs[0][1], verdict, listing))
    return out


def check_arithmetic(items: Sequence[Arithmetic], found: Sequence[FoundModel], tables: Sequence[Table]) -> list[Verdict]:
    layer_params = {}
    for f in found:
        for layer in _layers(f.spec) if f.spec else []:
            layer_params.setdefault(layer.params, f"the code's layer {layer.name}")
    for t in tables:
        for r in t.rows:
            layer_params.setdefault(r.params, f"layer {r.name} in summary table {t.index}")
    out = []
    for a in items:
        where = f"line {a.line}: {a.expr} = {a.claimed:,}"
        if a.value is None:
            continue
        if a.value.denominator != 1:
            value_text = f"{float(a.value):.6g}"
        else:
            value_text = f"{int(a.value):,}"
        ok = a.value == a.claimed
        why = f"{a.expr} = {value_text}"
        if ok and a.claimed in layer_params and a.claimed > 0:
            why += f" ({layer_params[a.claimed]} has {a.claimed:,} parameters)"
        out.append(Verdict("arithmetic", where, a.claimed, value_text, "confirmed" if ok else "refuted", why))
    return out


def check_log(log: Log, setup: Setup, train_size: tuple[int, str] | None, accuracies: Sequence[Accuracy]) -> list[Verdict]:
    out: list[Verdict] = []
    last = log.epochs[-1]
    steps = next((e.steps for e in reversed(log.epochs) if e.steps), None)
    bs = setup.batch_size or 32
    bs_note = f"batch size {bs}" + ("" if setup.batch_size else " (Keras' default: fit gives none)")
    vs = setup.validation_split or 0.0
    if steps is not None:
        where = log.where(next(e for e in log.epochs if e.steps == steps))
        lo, hi = (steps - 1) * bs + 1, steps * bs
        implied = f"{steps:,} steps x {bs_note} means {lo:,}-{hi:,} training rows" + (
            f" after validation_split {vs:g}" if vs else "")
        if train_size is None:
            out.append(Verdict("steps_per_epoch", where, steps, None, "unverifiable",
                               f"{implied}; the report does not say how many training samples there are"))
        else:
            n, source = train_size
            rows = math.floor(n * (1 - vs)) if vs else n
            want = -(-rows // bs)
            split = f" ({rows:,} of {n:,} after validation_split {vs:g})" if vs else ""
            out.append(Verdict("steps_per_epoch", where, steps, want, "confirmed" if want == steps else "refuted",
                               f"ceil({rows:,} / {bs}) = {want:,} with {n:,} training samples ({source}){split}; {implied}"))
    if setup.epochs is not None and last.of != setup.epochs:
        out.append(Verdict("epochs", log.where(last), last.of, setup.epochs, "refuted",
                           f"the log runs {last.of} epochs; fit (line {setup.fit_line}) asks for {setup.epochs}"))
    if len(log.epochs) != last.of:
        out.append(Verdict("epochs", log.where(), len(log.epochs), last.of, "unverifiable",
                           f"the log shows {len(log.epochs)} of {last.of} epochs (early stopping, or cut)"))
    for acc in accuracies:
        metric = {"val": "val_accuracy", "train": "accuracy", "unspecified": "accuracy"}.get(acc.which)
        if metric is None:
            continue
        series = log.series(metric)
        if not series and acc.which == "unspecified":
            metric, series = "val_accuracy", log.series("val_accuracy")
        if not series:
            continue
        where = f"line {acc.line}: \"{acc.text}\""
        final, best = series[-1], max(series)
        tol = acc.rounding
        if abs(acc.value - final) <= tol or abs(acc.value - best) <= tol:
            verdict, why = "confirmed", f"the log's {metric}: final {final:.4f}, best {best:.4f}"
        elif min(series) - tol <= acc.value <= best + tol:
            ep = min(range(len(series)), key=lambda i: abs(series[i] - acc.value))
            verdict, why = "consistent", f"matches epoch {log.epochs[ep].n} of the log ({series[ep]:.4f}), not the final {final:.4f}"
        else:
            verdict, why = "refuted", f"the report's own log ({log.where()}) has {metric} between {min(series):.4f} and {best:.4f} (final {final:.4f})"
        out.append(Verdict(metric, where, acc.value, round(final, 4), verdict, why))
    return out
