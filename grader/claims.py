"""Claims files: what a report states about a model, checked by analysis and by really training it.

A claims file (YAML, read with :mod:`nnexam.questions.yaml_load`: no aliases, tags or YAML 1.1 magic)::

    model: |                      # Keras code, PyTorch nn.Sequential code, VGG notation or layer tables
      model = keras.Sequential([keras.Input((64,)), layers.Dense(32, activation="sigmoid"), ...])
    input_shape: [64]             # optional when the code states it
    bindings: {num_classes: 10}   # optional: names the code leaves free
    dataset: digits               # or fashion-mnist, mnist, a .npz/.csv path, or {name, subset, data_dir}
    training: {optimizer: sgd, learning_rate: 0.01, batch_size: 32, epochs: 5,
               loss: sparse_categorical_crossentropy, validation_split: 0.2}
    claims:
      - {what: total_params, value: 2410}
      - {what: val_accuracy, value: 0.95, epoch: 5}     # epoch: N (1-based), best, or final (default)

Static claims are exact (``confirmed``/``refuted``): ``total_params``, ``trainable_params``,
``non_trainable_params``, ``layer_params`` and ``output_shape`` (``layer``: name or 1-based index;
no layer: the model's output), ``steps_per_epoch`` and ``total_updates`` (Keras: ceil of the
training rows left after ``validation_split`` over the batch size), ``train_samples`` (those rows)
and ``dataset_size`` (the training set before the split).

Training claims (``accuracy``, ``loss``, ``val_accuracy``, ``val_loss``, ``test_accuracy``,
``test_loss``; ``does_not_learn`` / ``learns``) are judged against the band the model reaches over
several seeds: ``consistent`` or ``implausible``. The margin around the band [min, max] is
``max(3 * sd, floor)`` where sd is the seed-to-seed standard deviation (three seeds underestimate
the spread a student's single run can show, hence 3 sd) and the floor covers what seeds cannot:
data order, library versions, a subset. Floors: 0.02 absolute for accuracies; for losses 10 %
of the band's midpoint, at least 0.02. A model "does not learn" when its final accuracy
(validation if any) stays within 0.1 of chance (the most frequent class's share).
Accuracy values may be given as fractions (0.97), percentages (97, "97%").

A model whose output layer is linear (no softmax) is trained with ``from_logits: true`` unless the
training table says otherwise; PyTorch ``nn.Sequential`` models are trained with the same Keras-style
loop (their own initialisation).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nnexam.grader import datasets
from nnexam.grader.backends.base import History, TrainConfig
from nnexam.questions.errors import InputError, NnexamError, ParamError
from nnexam.questions.files import read_text
from nnexam.questions.model_spec import ModelSpec
from nnexam.questions.training_steps import steps_per_epoch, train_rows

STATIC = ("total_params", "trainable_params", "non_trainable_params", "layer_params", "output_shape",
          "steps_per_epoch", "total_updates", "train_samples", "dataset_size")
METRICS = ("accuracy", "loss", "val_accuracy", "val_loss", "test_accuracy", "test_loss")
QUALITATIVE = ("does_not_learn", "learns")
VERDICTS = ("confirmed", "refuted", "consistent", "implausible", "unverifiable")
ACC_FLOOR = 0.02
LOSS_FLOOR_REL = 0.10
LOSS_FLOOR_ABS = 0.02
CHANCE_MARGIN = 0.10
MAX_BYTES = 1 << 20
# The training budget: runs estimated longer than this are refused before they start (--max-train-minutes).
DEFAULT_MAX_TRAIN_MINUTES = 30.0
MACS_PER_SECOND = 1e9  # one CPU core, forward + backward, conservative
STEP_OVERHEAD_S = 3e-4  # per optimiser step (batch_size 1 pays it once per sample)


@dataclass(frozen=True)
class Verdict:
    """One checked claim, as ``--json`` writes it."""

    what: str
    where: str
    claimed: Any
    expected: Any
    verdict: str
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Claim:
    what: str
    value: Any
    where: str
    epoch: int | str | None = None
    layer: str | int | None = None


@dataclass(frozen=True)
class ClaimsFile:
    path: str
    spec: ModelSpec
    data: datasets.DataRef
    config: TrainConfig
    claims: tuple[Claim, ...]


# ---------------------------------------------------------------- reading


def _lines(text: str) -> dict[str, Any]:
    """Line numbers (1-based) of top-level keys and of each claim, from the YAML node tree."""
    import yaml
    from nnexam.questions.yaml_load import compose_yaml

    out: dict[str, Any] = {"claims": []}
    root = compose_yaml(text)
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if isinstance(k, yaml.ScalarNode):
                out[k.value] = k.start_mark.line + 1
            if k.value == "claims" and isinstance(v, yaml.SequenceNode):
                out["claims"] = [item.start_mark.line + 1 for item in v.value]
    return out


def read(path: str | Path, *, data_dir: str | None = None) -> ClaimsFile:
    """Parse and validate a claims file; errors name the file and line."""
    from nnexam.questions.model_analyser import analyse
    from nnexam.questions.yaml_load import load_yaml

    p = Path(path)
    text = read_text(p, "claims file", MAX_BYTES)
    raw = load_yaml(text, str(p), "claims file")
    if not isinstance(raw, dict):
        raise InputError(str(p), "expected a mapping with model, dataset, training and claims")
    lines = _lines(text)
    unknown = set(raw) - {"model", "input_shape", "bindings", "dataset", "training", "claims", "name"}
    if unknown:
        k = sorted(unknown)[0]
        raise InputError(str(p), f"unknown key {k!r}; expected model, input_shape, bindings, dataset, training, claims", line=lines.get(k))

    def fail(key: str, err: NnexamError) -> InputError:
        return InputError(str(p), str(err), line=lines.get(key))

    if "model" not in raw:
        raise InputError(str(p), "missing 'model' (Keras or PyTorch code, VGG notation, or layer tables)")
    bindings, shape = raw.get("bindings") or {}, raw.get("input_shape")
    if not isinstance(bindings, dict) or not all(isinstance(k, str) for k in bindings):
        raise fail("bindings", ParamError("bindings", "a table of names and values, such as {num_classes: 10}", bindings))
    if shape is not None and not (isinstance(shape, list) and all(
            d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape)):
        raise fail("input_shape", ParamError("input_shape", "a list of sizes, such as [28, 28, 1]", shape))
    if not isinstance(raw["model"], str | list):
        raise fail("model", ParamError("model", "Keras or PyTorch code, VGG notation (text) or a list of layer tables",
                                       raw["model"]))
    try:
        spec = analyse(raw["model"], shape, bindings)
    except NnexamError as err:
        raise fail("model", err) from err
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as err:  # the analyser's own gap
        raise InputError(str(p), f"the model could not be analysed ({type(err).__name__}: {str(err)[:120]})",
                         line=lines.get("model")) from None
    try:
        data = datasets.parse_ref(raw.get("dataset"), data_dir=data_dir)
    except NnexamError as err:
        raise fail("dataset", err) from err
    try:
        config = training_config(raw.get("training") or {}, spec)
    except NnexamError as err:
        raise fail("training", err) from err
    items = raw.get("claims")
    if not isinstance(items, list) or not items:
        raise InputError(str(p), "'claims' must be a non-empty list of {what, value, epoch?, layer?}", line=lines.get("claims"))
    claims = []
    for i, item in enumerate(items):
        line = lines["claims"][i] if i < len(lines["claims"]) else None
        claims.append(_claim(item, f"claims[{i + 1}]" + (f" (line {line})" if line else ""), str(p), line))
    return ClaimsFile(str(p), spec, data, config, tuple(claims))


_TRAINING_KEYS = {f.name for f in fields(TrainConfig)} | {"lr"}


def linear_output(spec: ModelSpec) -> bool:
    """Does the model end without softmax/sigmoid (PyTorch ``Linear``, Keras ``Dense`` with no activation)?"""
    last = spec.layers[-1] if spec.layers else None
    if last is None:
        return False
    if spec.source == "torch":
        return last.kind == "Linear"
    return last.kind == "Dense" and str(last.config.get("activation", "linear")).lower() in ("linear", "none")


def training_config(raw: Mapping[str, Any], spec: ModelSpec | None = None) -> TrainConfig:
    """A ``training`` table -> TrainConfig (Keras' defaults for what it leaves out). A cross-entropy loss
    on a model with a linear output is trained ``from_logits`` unless the table says otherwise: that is
    the only way such a model trains (PyTorch's ``CrossEntropyLoss``, Keras' ``from_logits=True``)."""
    if not isinstance(raw, Mapping):
        raise ParamError("training", "a table of optimizer, learning_rate, batch_size, epochs, loss, ...", raw)
    unknown = set(raw) - _TRAINING_KEYS
    if unknown:
        raise ParamError(f"training.{sorted(unknown)[0]}", f"one of {', '.join(sorted(_TRAINING_KEYS))}", raw)
    kw = dict(raw)
    if "lr" in kw:
        kw["learning_rate"] = kw.pop("lr")
    if isinstance(kw.get("metrics"), str):
        kw["metrics"] = (kw["metrics"],)
    for name, value in kw.items():
        _check_type(name, value)
    if "from_logits" not in kw and spec is not None and linear_output(spec) and "crossentropy" in str(kw.get("loss", "crossentropy")).lower():
        kw["from_logits"] = True
    try:
        return TrainConfig(**kw)
    except TypeError as err:
        raise ParamError("training", "valid training settings", str(err)) from err


_STRINGS = ("optimizer", "loss")
_INTEGERS = ("batch_size", "epochs")
_NUMBERS = ("learning_rate", "momentum", "validation_split", "beta_1", "beta_2", "rho", "epsilon")
_BOOLEANS = ("nesterov", "shuffle", "from_logits")
KNOWN_METRICS = ("accuracy",)


def _check_type(name: str, value: Any) -> None:
    """One training setting's type, before it reaches a backend (``optimizer: [sgd]`` is a message
    naming the key, not an AttributeError deep in the trainer)."""
    where = f"training.{name}"
    if name in _STRINGS and not isinstance(value, str):
        raise ParamError(where, "a name (text)", value)
    if name in _INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
        raise ParamError(where, "an integer", value)
    if name in _NUMBERS and value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)):
        raise ParamError(where, "a finite number", value)
    if name in _BOOLEANS and not isinstance(value, bool):
        raise ParamError(where, "true or false", value)
    if name == "metrics":
        if not isinstance(value, list | tuple) or not all(isinstance(m, str) for m in value):
            raise ParamError(where, "a list of metric names, such as [accuracy]", value)
        unknown = [m for m in value if m not in KNOWN_METRICS]
        if unknown:
            raise ParamError(where, f"metrics nnexam can reproduce: {', '.join(KNOWN_METRICS)}", unknown[0])


def _claim(item: Any, where: str, path: str, line: int | None) -> Claim:
    if not isinstance(item, dict) or "what" not in item:
        raise InputError(path, "each claim is a table {what, value, epoch?, layer?}", line=line)
    what = str(item["what"]).strip().lower()
    if what not in STATIC + METRICS + QUALITATIVE:
        raise InputError(path, f"unknown claim {what!r}; expected one of {', '.join(STATIC + METRICS + QUALITATIVE)}", line=line)
    if "value" not in item and what not in QUALITATIVE:
        raise InputError(path, f"claim {what!r} needs a value", line=line)
    epoch = item.get("epoch")
    if epoch is not None and not (isinstance(epoch, int) and not isinstance(epoch, bool) and epoch >= 1) \
            and str(epoch).lower() not in ("best", "final", "last"):
        raise InputError(path, f"epoch must be a 1-based number, 'best' or 'final'; got {epoch!r}", line=line)
    return Claim(what, item.get("value", True), where, epoch if isinstance(epoch, int) else (str(epoch).lower() if epoch else None),
                 item.get("layer"))


# ---------------------------------------------------------------- static claims


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.replace(",", "").replace("_", "").replace(" ", "")
        return int(text) if text.isdigit() else None
    return None


def _shape(value: Any) -> tuple[int | None, ...] | None:
    if isinstance(value, str):
        parts = [t.strip() for t in value.strip().strip("()[]").split(",") if t.strip()]
        value = [None if t.lower() == "none" else t for t in parts]
    if not isinstance(value, list | tuple):
        return None
    out: list[int | None] = []
    for v in value:
        if v is None:
            out.append(None)
        else:
            n = _int(v)
            if n is None:
                return None
            out.append(n)
    return tuple(out)


def _layer(spec: ModelSpec, ref: Any) -> int | None:
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref - 1 if 1 <= ref <= len(spec.layers) else None
    for i, layer in enumerate(spec.layers):
        if layer.name == str(ref):
            return i
    return None


def _fmt(n: int) -> str:
    return f"{n:,}"


def check_static(claim: Claim, spec: ModelSpec, config: TrainConfig, train_size: int | None,
                 counts: tuple[int, int, int] | None = None, backend: str = "") -> Verdict:
    """An exact claim against the analysed model (and the backend's own count when given)."""
    what = claim.what
    if what in ("total_params", "trainable_params", "non_trainable_params"):
        return _totals(claim, spec, counts, backend)
    if what in ("layer_params", "output_shape"):
        return _layer_claim(claim, spec)
    if train_size is None:
        return _verdict(claim, None, "unverifiable", "the dataset could not be loaded")
    return _steps(claim, config, train_size)


def _verdict(claim: Claim, expected: Any, verdict: str | bool, why: str) -> Verdict:
    if isinstance(verdict, bool):
        verdict = "confirmed" if verdict else "refuted"
    return Verdict(claim.what, claim.where, claim.value, expected, verdict, why)


def _totals(claim: Claim, spec: ModelSpec, counts: tuple[int, int, int] | None, backend: str) -> Verdict:
    names = ("total_params", "trainable_params", "non_trainable_params")
    expected = dict(zip(names, (spec.total, spec.trainable, spec.non_trainable)))[claim.what]
    rows = " + ".join(f"{lay.name} {_fmt(lay.params)}" for lay in spec.layers if lay.params)
    why = (f"analyser: {rows or '0'} = {_fmt(spec.total)} total, {_fmt(spec.trainable)} trainable, "
           f"{_fmt(spec.non_trainable)} non-trainable")
    if counts is not None:
        built = dict(zip(names, counts))[claim.what]
        why += f"; the {backend} backend's built model counts {_fmt(built)}" + ("" if built == expected else " (disagrees: please report)")
    return _verdict(claim, expected, _int(claim.value) == expected, why)


def _layer_claim(claim: Claim, spec: ModelSpec) -> Verdict:
    if claim.layer is None:
        if claim.what == "layer_params":
            return _verdict(claim, None, "unverifiable", "layer_params needs 'layer' (a name or 1-based index)")
        expected_shape, label = spec.output_shape, "the model's output"
    else:
        idx = _layer(spec, claim.layer)
        if idx is None:
            names = ", ".join(lay.name for lay in spec.layers)
            return _verdict(claim, None, "unverifiable", f"no layer {claim.layer!r} in the model ({names})")
        layer = spec.layers[idx]
        if claim.what == "layer_params":
            return _verdict(claim, layer.params, _int(claim.value) == layer.params,
                            f"layer {layer.name} ({layer.kind}, input {layer.input_shape}): {_fmt(layer.params)} parameters")
        expected_shape, label = layer.output_shape, f"layer {layer.name} ({layer.kind})"
    if expected_shape is None:
        return _verdict(claim, None, "unverifiable", f"{label}: the analyser gives no output shape here (give input_shape)")
    got = _shape(claim.value)
    if got is not None and len(got) == len(expected_shape) + 1 and got[0] is None:
        got = got[1:]  # Keras prints the batch axis as None
    shown = "(None, " + ", ".join(str(d) for d in expected_shape) + ")"
    return _verdict(claim, list(expected_shape), got == tuple(expected_shape), f"{label}: output shape {shown}")


def _steps(claim: Claim, config: TrainConfig, train_size: int) -> Verdict:
    rows = train_rows(train_size, config.validation_split)
    bs = config.batch_size
    steps = steps_per_epoch(rows, bs)
    split = f" ({_fmt(train_size - rows)} go to validation_split {config.validation_split:g})" if rows != train_size else ""
    claimed = _int(claim.value)
    if claim.what == "dataset_size":
        return _verdict(claim, train_size, claimed == train_size, f"the dataset has {_fmt(train_size)} training rows")
    if claim.what == "train_samples":
        return _verdict(claim, rows, claimed == rows, f"{_fmt(rows)} of {_fmt(train_size)} training rows are used for training{split}")
    if claim.what == "steps_per_epoch":
        why = f"ceil({_fmt(rows)} / {bs}) = {_fmt(steps)} steps per epoch{split}"
        if claimed and claimed != steps:
            why += f"; {_fmt(claimed)} steps of batch {bs} would need {_fmt((claimed - 1) * bs + 1)}-{_fmt(claimed * bs)} training rows"
        return _verdict(claim, steps, claimed == steps, why)
    total = steps * config.epochs
    return _verdict(claim, total, claimed == total, f"{_fmt(steps)} steps x {config.epochs} epochs = {_fmt(total)} updates")


# ---------------------------------------------------------------- training claims


def metric_value(value: Any, metric: str) -> float | None:
    """A claimed metric as a fraction: 0.97, 97 and "97%" are the same accuracy."""
    pct = False
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        pct = text.endswith("%")
        try:
            value = float(text.rstrip("%").strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if "accuracy" in metric and (pct or 1 < value <= 100):
        return round(value / 100, 12)  # 90.8 % is 0.908, not 0.9079999999999999
    return float(value)


def _series(hist: History, metric: str, epoch: int | str | None) -> tuple[float | None, int | None]:
    """The run's value of ``metric`` at the claimed epoch (1-based), with the epoch used."""
    if metric.startswith("test_"):
        v = hist.test.get(metric[5:])
        return (float(v) if v is not None else None), None
    values = hist.series(metric)
    if not values:
        return None, None
    if epoch == "best":
        best = (max if "accuracy" in metric else min)(range(len(values)), key=lambda i: values[i])
        return values[best], best + 1
    if isinstance(epoch, int):
        return (values[epoch - 1], epoch) if epoch <= len(values) else (None, None)
    return values[-1], len(values)


def margin(values: Sequence[float], metric: str) -> float:
    """How far outside the seeds' band a claim may lie and still be consistent (see module docstring)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    if "accuracy" in metric:
        floor = ACC_FLOOR
    else:
        floor = max(LOSS_FLOOR_REL * abs(statistics.fmean(values)), LOSS_FLOOR_ABS)
    return max(3 * sd, floor)


def _setup(cf: ClaimsFile, histories: Sequence[History], backend: str, train_rows: int) -> str:
    where = ", ".join(sorted({h.device for h in histories if h.device}))
    return (f"{len(histories)} seed{'s' * (len(histories) > 1)} with the {backend} backend{' on ' + where if where else ''}, "
            f"{cf.config.epochs} epochs, "
            f"{cf.config.describe()}, {cf.data.name} ({_fmt(train_rows)} training rows)")


def check_training(claim: Claim, cf: ClaimsFile, histories: Sequence[History], backend: str, train_rows: int,
                   chance: float) -> Verdict:
    """A training claim against the per-seed results (band +- margin)."""
    setup = _setup(cf, histories, backend, train_rows)
    if claim.what in QUALITATIVE:
        metric = "val_accuracy" if histories and "val_accuracy" in histories[0].epochs[-1] else "accuracy"
        finals = [h.series(metric)[-1] for h in histories if h.series(metric)]
        if not finals:
            return Verdict(claim.what, claim.where, claim.value, None, "unverifiable", f"no {metric} was recorded")
        stuck = [v <= chance + CHANCE_MARGIN for v in finals]
        says_stuck = (claim.what == "does_not_learn") == bool(claim.value)
        band = f"final {metric} {min(finals):.3f}-{max(finals):.3f} over {setup}; chance {chance:.3f}"
        if all(stuck) or not any(stuck):
            ok = all(stuck) == says_stuck
            state = "does not learn" if all(stuck) else "learns"
        else:
            ok, state = True, "learns with some seeds only"
        return Verdict(claim.what, claim.where, claim.value, state, "consistent" if ok else "implausible",
                       f"reproduced: the model {state} ({band}; 'does not learn' = within {CHANCE_MARGIN} of chance)")
    claimed = metric_value(claim.value, claim.what)
    if claimed is None:
        return Verdict(claim.what, claim.where, claim.value, None, "unverifiable", f"{claim.value!r} is not a number")
    pairs = [_series(h, claim.what, claim.epoch) for h in histories]
    values = [v for v, _ in pairs if v is not None]
    if not values:
        why = "the dataset has no test split" if claim.what.startswith("test_") else (
            "no validation split in the training settings" if claim.what.startswith("val_") else
            f"epoch {claim.epoch} is beyond the {cf.config.epochs} epochs trained")
        return Verdict(claim.what, claim.where, claim.value, None, "unverifiable", why)
    lo, hi, m = min(values), max(values), margin(values, claim.what)
    if claim.what.startswith("test_"):
        at = "on the test split after training"
    elif isinstance(claim.epoch, int):
        at = f"at epoch {claim.epoch}"
    else:
        at = "at the best epoch" if claim.epoch == "best" else "after the last epoch"
    ok = lo - m <= claimed <= hi + m
    side = "" if ok else (f"; {claimed - hi:.3f} above" if claimed > hi else f"; {lo - claimed:.3f} below")
    evidence = (f"reproduced {lo:.3f}-{hi:.3f} {at} over {setup}; claimed {claimed:.3f}{side} "
                f"(margin {m:.3f} = max(3 x seed sd, floor))")
    return Verdict(claim.what, claim.where, claim.value, [round(lo, 4), round(hi, 4)],
                   "consistent" if ok else "implausible", evidence)


# ---------------------------------------------------------------- verifying a file


def training_minutes(jobs: Sequence[Any], train_size: int, cached: Sequence[bool]) -> float:
    """Estimated minutes of the runs not in the cache: multiply-adds at :data:`MACS_PER_SECOND`
    plus :data:`STEP_OVERHEAD_S` per optimiser step, on one core per run."""
    from nnexam.grader import train_cache

    seconds = 0.0
    for job, hit in zip(jobs, cached):
        if hit:
            continue
        steps = steps_per_epoch(train_rows(train_size, job.config.validation_split), job.config.batch_size) * job.config.epochs
        seconds += train_cache.macs(job, train_size) / MACS_PER_SECOND + steps * STEP_OVERHEAD_S
    return seconds / 60


def check_budget(cf: ClaimsFile, jobs: Sequence[Any], train_size: int, backend: Any, limit: float) -> None:
    """Refuse, before any training, runs estimated longer than ``limit`` minutes."""
    from nnexam.grader import train_cache

    fp = datasets.load(cf.data).fingerprint
    cached = [(train_cache.cache_dir() / f"{train_cache.key(j, fp, backend.version())}.json").is_file() for j in jobs]
    minutes = training_minutes(jobs, train_size, cached)
    if minutes > limit:
        c = cf.config
        raise InputError(cf.path, f"training would take about {minutes:,.0f} minutes ({len(jobs)} seed(s) x {c.epochs} epochs, "
                                  f"batch {c.batch_size}, {cf.spec.total:,} parameters); the budget is {limit:g} minutes: "
                                  "raise it with --max-train-minutes, or train less (fewer epochs or --seeds, a subset)")


def verify(cf: ClaimsFile, *, backend: str | None = None, seeds: int = 3, show_progress: bool = False,
           workers: int | None = None, max_train_minutes: float | None = None) -> tuple[list[Verdict], list[History]]:
    """Every claim's verdict, training only when a training claim needs it (``seeds`` runs, cached,
    within ``max_train_minutes``, default :data:`DEFAULT_MAX_TRAIN_MINUTES`). Static claims come
    from the analyser's arithmetic alone: no model is ever allocated for them."""
    from nnexam.grader import train_cache
    from nnexam.grader.backends import registry

    if not 1 <= seeds <= 50:
        raise ParamError("seeds", "an integer from 1 to 50", seeds)
    needs_training = any(c.what not in STATIC for c in cf.claims)
    needs_data = needs_training or any(c.what in ("steps_per_epoch", "total_updates", "train_samples", "dataset_size")
                                       for c in cf.claims)
    ds = datasets.load(cf.data) if needs_data else None
    be = registry.get(backend) if needs_training or backend else None
    counts = None  # static claims need no backend and allocate nothing
    out: list[Verdict | None] = [None] * len(cf.claims)
    for i, c in enumerate(cf.claims):
        if c.what in STATIC:
            out[i] = check_static(c, cf.spec, cf.config, ds.train_size if ds else None, counts, be.name if be else "")
    histories: list[History] = []
    if be is not None and ds is not None and any(v is None for v in out):
        jobs = training_jobs(cf, be.name, seeds)
        check_budget(cf, jobs, ds.train_size, be, DEFAULT_MAX_TRAIN_MINUTES if max_train_minutes is None else max_train_minutes)
        histories = train_cache.run(jobs, show_progress=show_progress, workers=workers)
        rows = train_rows(ds.train_size, cf.config.validation_split)
        counts_by_class = [int((ds.y_train == k).sum()) for k in range(ds.num_classes)] or [1]
        chance = max(counts_by_class) / max(sum(counts_by_class), 1)
        for i, c in enumerate(cf.claims):
            if out[i] is None:
                out[i] = check_training(c, cf, histories, be.name, rows, chance)
    return [v for v in out if v is not None], histories


def needs_training(cf: ClaimsFile) -> bool:
    return any(c.what not in STATIC for c in cf.claims)


def training_jobs(cf: ClaimsFile, backend: str, seeds: int) -> list[Any]:
    """The training runs (``train_cache.Job``, one per seed) that the file's training claims need."""
    from nnexam.grader import train_cache

    return [train_cache.Job(cf.spec, cf.data, cf.config, s, backend) for s in range(seeds)]
