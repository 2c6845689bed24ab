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

from collections.abc import Callable, Sequence
from fractions import Fraction

from nnexam.grader.audit import rows as rows_mod
from nnexam.grader.audit.code import FoundModel, Setup
from nnexam.grader.audit.logs import Log
from nnexam.grader.audit.prose import Accuracy, Chain, LayerCount, Stated
from nnexam.grader.audit.summary import Row, Table, readable_size
from nnexam.grader.claims import Verdict
from nnexam.questions.model_spec import LayerSpec, ModelSpec
from nnexam.questions.training_steps import steps_per_epoch, train_rows


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


def check_table(table: Table, bound: FoundModel | None, input_shape: tuple[int, ...] | None) -> list[Verdict]:
    """A summary table against the model it follows (``bound``: the nearest model before it) and,
    row by row, against the row before. A table whose layers do not line up with that model is not
    compared with it (it may show another model): unverifiable, never refuted."""
    out: list[Verdict] = []
    fm = bound if bound is not None and bound.spec is not None and match_model(table, [bound]) is bound else None
    rows_only = [r for r in table.rows if r.kind != "InputLayer"]
    if fm is not None and fm.spec is not None:
        differ = sum(r.params != lay.params or tuple(r.shape) != tuple(lay.output_shape) or r.kind != lay.kind
                     for r, lay in zip(rows_only, _layers(fm.spec)))
        if differ > max(1, len(rows_only) // 2):  # most rows differ: another model with as many layers
            out.append(Verdict("summary_layers", table.where(), len(rows_only), len(rows_only), "unverifiable",
                               f"{differ} of {len(rows_only)} rows differ from the model before it ({fm.where()}): not "
                               "compared (the table may show another model); its rows are checked one from the other"))
            fm, bound = None, None
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
    if bound is not None and bound.spec is not None and fm is None:
        n_rows = len([r for r in table.rows if r.kind != "InputLayer"])
        n_code = len(_layers(bound.spec))
        out.append(Verdict("summary_layers", table.where(), n_rows, n_code, "unverifiable",
                           f"the table has {n_rows} layers and the model before it ({bound.where()}) {n_code}: "
                           "not compared (the table may show another model); its rows are checked one from the other"))
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


def _bias_count(spec: ModelSpec, dense_only: bool = False) -> int:
    """Biases of a model's Dense (and Conv) layers, one per unit or filter: what 'forgot-bias' leaves out."""
    n = 0
    for layer in _layers(spec):
        if layer.kind == "Dense" or (layer.kind.startswith("Conv") and not dense_only):
            if layer.params and layer.output_shape and isinstance(layer.output_shape[-1], int):
                n += layer.output_shape[-1]
    return n


Binder = Callable[[int, str], tuple[FoundModel | None, Table | None, str]]


def check_stated(stated: Sequence[Stated], bind: Binder) -> list[Verdict]:
    """Stated totals against the model they follow (``bind(line)``: the nearest model before the
    line, the summary table between it and the line, or why there is none)."""
    out = []
    for st in stated:
        fm, table, why = bind(st.line, st.sentence)
        what = {"total": "total_params", "trainable": "trainable_params", "non_trainable": "non_trainable_params"}[st.kind]
        where = f"line {st.line}: \"{st.text}\""
        refs: list[tuple[str, int]] = []
        spec = fm.spec if fm is not None else None
        if spec is not None:
            refs.append(("the code", {"total": spec.total, "trainable": spec.trainable,
                                      "non_trainable": spec.non_trainable}[st.kind]))
        if table is not None:
            t_value = {"total": table.total if table.total is not None else sum(r.params for r in table.rows),
                       "trainable": table.trainable, "non_trainable": table.non_trainable}[st.kind]
            if t_value is not None:
                refs.append((f"summary table {table.index} (line {table.line})", t_value))
        if not refs:
            out.append(Verdict(what, where, st.value, None, "unverifiable", why or "no model code or summary table before it"))
            continue
        listing = "; ".join(f"{name}: {v:,}" for name, v in refs) + (f" ({fm.where()})" if spec is not None else "")  # type: ignore[union-attr]
        if spec is None and len({v for _, v in refs}) > 1:
            out.append(Verdict(what, where, st.value, None, "unverifiable", f"the references disagree: {listing}"))
            continue
        want = refs[0][1]
        if st.value == want:
            out.append(Verdict(what, where, st.value, want, "confirmed", listing))
            continue
        hint = ""
        for base in ((want, spec.total) if spec is not None and st.kind != "non_trainable" else ()):
            for dense_only in (False, True):
                if not hint and st.value == base - _bias_count(spec, dense_only):  # type: ignore[arg-type]
                    hint = f"; mistake forgot-bias: {base:,} less the {_bias_count(spec, dense_only):,} biases is {st.value:,}"  # type: ignore[arg-type]
        out.append(Verdict(what, where, st.value, want, "refuted", listing + hint))
    return out


def check_layer_counts(items: Sequence[LayerCount], bind: Binder) -> list[Verdict]:
    """ "The last conv layer has ... 36,864 parameters" against that layer of the bound model."""
    out = []
    for it in items:
        fm, _, why = bind(it.line, it.sentence)
        where = f"line {it.line}: \"{it.text}\""
        if fm is None or fm.spec is None:
            out.append(Verdict("layer_params", where, it.value, None, "unverifiable", why or "no analysable model before it"))
            continue
        of_kind = [lay for lay in _layers(fm.spec) if (lay.kind.startswith("Conv") if it.kind == "Conv" else lay.kind == "Dense")]
        index = it.ordinal - 1 if it.ordinal > 0 else len(of_kind) - 1
        if not 0 <= index < len(of_kind):
            out.append(Verdict("layer_params", where, it.value, None, "unverifiable",
                               f"the model ({fm.where()}) has {len(of_kind)} {it.kind} layers"))
            continue
        layer = of_kind[index]
        units = layer.output_shape[-1] if layer.output_shape else None
        if it.value == layer.params:
            out.append(Verdict("layer_params", where, it.value, layer.params, "confirmed",
                               f"layer {layer.name} ({layer.kind}) of the model ({fm.where()}) has {layer.params:,}"))
            continue
        hint = ""
        if isinstance(units, int) and it.value == layer.params - units:
            hint = f"; mistake forgot-bias: {layer.params:,} less one bias per unit ({units:,}) is {it.value:,}"
        out.append(Verdict("layer_params", where, it.value, layer.params, "refuted",
                           f"layer {layer.name} ({layer.kind}) of the model ({fm.where()}) has {layer.params:,}{hint}"))
    return out


def _fmt(x: Fraction | float) -> str:
    if isinstance(x, Fraction) and x.denominator == 1:
        return f"{int(x):,}"
    return f"{float(x):.6g}"


def rounding_verdict(claimed: Fraction, decimals: int | None, exact: Fraction | float) -> tuple[str, str]:
    """Rounding honesty: ('confirmed', '') when ``claimed`` is ``exact`` rounded to the digits shown;
    ('consistent', why) when it is off by one in the last digit shown and the exact value needs
    more digits than shown (a rounding slip); ('refuted', '') otherwise."""
    if decimals is None:
        return ("confirmed", "") if claimed == exact else ("refuted", "")
    unit = Fraction(1, 10**decimals)
    exact_q = Fraction(exact) if isinstance(exact, Fraction) else Fraction(float(exact)).limit_denominator(10**12)
    diff = abs(claimed - exact_q)
    if diff <= unit / 2 + Fraction(1, 10**12):
        return "confirmed", ""
    needs_more = (exact_q / unit).denominator != 1
    if needs_more and diff <= unit + Fraction(1, 10**12):
        return "consistent", (f"off by one in the last digit shown: {float(exact_q):.{decimals + 2}f} rounds to "
                              f"{float(exact_q):.{decimals}f}")
    return "refuted", ""


def check_arithmetic(items: Sequence[Chain], found: Sequence[FoundModel], tables: Sequence[Table]) -> list[Verdict]:
    """Each equation as written, whole: every ``=`` of the chain must hold (rounding shown is honest)."""
    layer_params = {}
    for f in found:
        for layer in _layers(f.spec) if f.spec else []:
            layer_params.setdefault(layer.params, f"the code's layer {layer.name}")
    for t in tables:
        for r in t.rows:
            layer_params.setdefault(r.params, f"layer {r.name} in summary table {t.index}")
    out = []
    for ch in items:
        first = ch.sides[0]
        bad = None
        note = ""
        for prev, side in zip(ch.sides, ch.sides[1:]):
            ref = first if prev.decimals is not None else prev  # a rounded step: compare with the exact start
            verdict, why = rounding_verdict(side.value, side.decimals, ref.value)  # type: ignore[arg-type]
            if verdict == "refuted" and ("%" in side.text) != ("%" in ref.text):  # 512 / 1000 = 51.2%
                verdict, why = rounding_verdict(side.value, side.decimals, ref.value * 100 if "%" in side.text  # type: ignore[operator]
                                                else ref.value / 100)  # type: ignore[operator]
            if verdict == "refuted":
                bad = (ref, side)
                break
            if verdict == "consistent":
                note = why
        last = ch.sides[-1]
        claimed = int(last.value) if last.value.denominator == 1 else float(last.value)  # type: ignore[union-attr]
        if bad is not None:
            ref, side = bad
            where = f"line {side.line}: {ch.expr} = {last.text}"
            out.append(Verdict("arithmetic", where, claimed, _fmt(ref.value), "refuted",  # type: ignore[arg-type]
                               f"{ref.text} = {_fmt(ref.value)}, not {side.text}"))  # type: ignore[arg-type]
            continue
        where = f"line {last.line}: {ch.expr} = {last.text}"
        why = f"{ch.expr} = {_fmt(first.value)}"  # type: ignore[arg-type]
        if last.value in layer_params and last.value > 0:  # type: ignore[operator]
            why += f" ({layer_params[last.value]} has {int(last.value):,} parameters)"  # type: ignore[arg-type]
        out.append(Verdict("arithmetic", where, claimed, _fmt(first.value), "consistent" if note else "confirmed",  # type: ignore[arg-type]
                           why + (f"; {note}" if note else "")))
    return out


def check_log(log: Log, setup: Setup, train_size: tuple[int, str] | None) -> list[Verdict]:
    """A log against its own experiment's ``fit`` (batch size, epochs, validation split) and the
    training-set size."""
    out: list[Verdict] = []
    steps = next((e.steps for e in reversed(log.epochs) if e.steps), None)
    bs = setup.batch_size or 32
    bs_note = f" (batch size from fit, line {setup.fit_line})" if setup.batch_size else " (Keras' default batch size: fit gives none)"
    vs = setup.validation_split or 0.0
    if steps is not None:
        where = log.where(next(e for e in log.epochs if e.steps == steps))
        lo, hi = (steps - 1) * bs + 1, steps * bs
        implied = f"{steps:,} steps x batch size {bs} means {lo:,}-{hi:,} training rows" + (
            f" after validation_split {vs:g}" if vs else "") + bs_note
        if train_size is None:
            out.append(Verdict("steps_per_epoch", where, steps, None, "unverifiable",
                               f"{implied}; the report does not say how many training samples there are"))
        else:
            n, source = train_size
            rows = train_rows(n, vs)
            want = steps_per_epoch(rows, bs)
            split = f" ({rows:,} of {n:,} after validation_split {vs:g})" if vs else ""
            assumed = not source.startswith("line")  # the data set's size, not one the report states
            if any(e.counts_samples for e in log.epochs) or (steps == rows and bs > 1):
                out.append(Verdict("steps_per_epoch", where, steps, rows, "confirmed" if steps == rows else "unverifiable",
                                   f"the counter counts samples, not steps (TF 1.x / Keras < 2.3 on arrays): "
                                   f"{rows:,} training rows ({n:,} training samples, {source}){split}"))
                return out + _epochs(log, setup)
            verdict = "confirmed" if want == steps else ("refuted" if setup.fit_line else "unverifiable")
            extra = "" if setup.fit_line or want == steps else "; no fit call before the log gives its batch size"
            if verdict == "refuted" and assumed and (steps - 1) * bs < rows:
                verdict = "unverifiable"  # fewer rows than the data set: a subset or a held-out split is possible
                extra = "; fewer rows than the whole training set (a subset, or a validation set held out?)"
            out.append(Verdict("steps_per_epoch", where, steps, want, verdict,
                               f"ceil({rows:,} / {bs}) = {want:,} with {n:,} training samples ({source}){split}; {implied}{extra}"))
    return out + _epochs(log, setup)


def _epochs(log: Log, setup: Setup) -> list[Verdict]:
    """The log's number of epochs against its fit's."""
    out = []
    last = log.epochs[-1]
    if setup.epochs is not None and last.of != setup.epochs:
        out.append(Verdict("epochs", log.where(last), last.of, setup.epochs, "refuted",
                           f"the log runs {last.of} epochs; fit (line {setup.fit_line}) asks for {setup.epochs}"))
    if len(log.epochs) != last.of:
        out.append(Verdict("epochs", log.where(), len(log.epochs), last.of, "unverifiable",
                           f"the log shows {len(log.epochs)} of {last.of} epochs (early stopping, or cut)"))
    return out


def _metric_series(log: Log, acc: Accuracy) -> tuple[str, list[float]] | None:
    metric = {"val": "val_accuracy", "train": "accuracy", "unspecified": "accuracy"}.get(acc.which)
    if metric is None:
        return None
    series = log.series(metric)
    if not series and acc.which == "unspecified":
        metric, series = "val_accuracy", log.series("val_accuracy")
    return (metric, series) if series else None


def _judge(log: Log, acc: Accuracy) -> tuple[str, str, str, float] | None:
    """(verdict, metric, why, final) of a stated accuracy against one log; None when the log lacks the metric."""
    found = _metric_series(log, acc)
    if found is None:
        return None
    metric, series = found
    final, best, tol = series[-1], max(series), acc.rounding
    ep_at = log.at(acc.epoch) if acc.epoch is not None else None
    at = ep_at.metrics.get(metric) if ep_at is not None else None
    if at is not None and abs(acc.value - at) <= tol:
        return "confirmed", metric, f"{log.where(ep_at)}: {metric} {at:.4f}", final
    if abs(acc.value - final) <= tol or abs(acc.value - best) <= tol:
        return "confirmed", metric, f"{log.where()}: {metric} final {final:.4f}, best {best:.4f}", final
    if min(series) - tol <= acc.value <= best + tol:
        ep = min(range(len(series)), key=lambda i: abs(series[i] - acc.value))
        if abs(series[ep] - acc.value) <= tol:
            return "consistent", metric, f"matches epoch {log.epochs[ep].n} of {log.where()} ({series[ep]:.4f}), not the final {final:.4f}", final
    at_text = f"; at epoch {acc.epoch} it is {at:.4f}" if at is not None else ""
    return "refuted", metric, (f"{log.where()} has {metric} between {min(series):.4f} and {best:.4f} "
                               f"(final {final:.4f}){at_text}"), final


def check_accuracies(accuracies: Sequence[Accuracy], log_for: Callable[[int, str], tuple[Log | None, str]],
                     all_logs: Sequence[Log]) -> list[Verdict]:
    """A stated accuracy against its experiment's log; when the binding is ambiguous it is only
    matched against every log (confirmed when one has it, else unverifiable, never refuted)."""
    out = []
    for acc in accuracies:
        where = f"line {acc.line}: \"{acc.text}\""
        log, why = log_for(acc.line, acc.sentence)
        if log is not None:
            judged = _judge(log, acc)
            if judged is None:
                continue
            verdict, metric, evidence, final = judged
            if verdict == "refuted":
                other = next((j for j in (_judge(lg, acc) for lg in all_logs if lg is not log) if j and j[0] == "confirmed"), None)
                if other is not None:  # another run has exactly this value: which run is meant is not clear
                    verdict, evidence = "unverifiable", (f"not in the log above it ({evidence}), but {other[2]}: "
                                                         "the sentence may be about that run")
            out.append(Verdict(metric, where, acc.value, round(final, 4), verdict, evidence))
            continue
        if not all_logs or acc.which == "test":
            continue
        matches = [j for j in (_judge(lg, acc) for lg in all_logs) if j is not None and j[0] != "refuted"]
        metric = {"val": "val_accuracy", "train": "accuracy"}.get(acc.which, "accuracy")
        if matches:
            verdict, metric, evidence, final = matches[0]
            out.append(Verdict(metric, where, acc.value, round(final, 4), verdict, evidence))
        else:
            out.append(Verdict(metric, where, acc.value, None, "unverifiable", f"{why}; no log has this value"))
    return out
