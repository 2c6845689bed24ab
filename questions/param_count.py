"""param-count: per-layer output shapes and parameter counts of a model, as Keras' ``model.summary()``.

The model is Keras or PyTorch code (read by a safe interpreter, never run: Sequential, functional
graphs, subclassed models, nn.Module trees, applications and torchvision models by name), a list
of layer tables or VGG notation; :mod:`nnexam.questions.model_analyser` does the arithmetic. The known mistakes
are the same analysis with one layer kind counted the mistaken way (bias forgotten, input
channels forgotten, batch-norm statistics left out, ...).
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import para
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.model_analyser import analyse, detect
from nnexam.questions.model_analyser.layers import KERAS, Kind, Out, Shape, fmt_shape
from nnexam.questions.model_spec import ModelSpec
from nnexam.questions.params import Boolean, Choice, Converter, Integer, Param, PartSpec, Text

TYPE_ID = "param-count"
SUMMARY = "Per-layer output shapes and parameter counts (total, trainable, non-trainable) of a model"

MAX_TABLES = 500
MAX_BINDINGS = 64


class ModelSource(Converter):
    """Model code / VGG notation as text, or a list of layer tables."""

    expected = 'Keras or PyTorch code, VGG notation (conv3-64, maxpool, FC-4096), or a list of layer tables like [{"type": "Dense", "units": 10}]'

    def __call__(self, raw: Any, name: str) -> str | tuple[dict[str, Any], ...]:
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("[{"):
                try:
                    raw = json.loads(text)
                except json.JSONDecodeError:
                    raise self.fail(name, raw) from None
            else:
                return Text()(raw, name)
        if isinstance(raw, Sequence) and not isinstance(raw, bytes) and 0 < len(raw) <= MAX_TABLES:
            if all(isinstance(t, Mapping) for t in raw):
                return tuple(dict(t) for t in raw)
        raise self.fail(name, raw)


class ShapeValue(Converter):
    expected = "a list of sizes like [28, 28, 1] (batch excluded; null for a variable length)"

    def __call__(self, raw: Any, name: str) -> tuple[int | None, ...]:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise self.fail(name, raw) from None
        ok = isinstance(raw, Sequence) and not isinstance(raw, str) and 1 <= len(raw) <= 8
        if not ok or not all(v is None or (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 10**9) for v in raw):
            raise self.fail(name, raw)
        return tuple(raw)


class Bindings(Converter):
    expected = 'a table of names the code leaves free, e.g. {"num_classes": 10, "input_shape": [28, 28, 1]}'

    def __call__(self, raw: Any, name: str) -> dict[str, Any]:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise self.fail(name, raw) from None
        if not isinstance(raw, Mapping) or len(raw) > MAX_BINDINGS:
            raise self.fail(name, raw)
        for key, value in raw.items():
            if not (isinstance(key, str) and key.isidentifier()) or len(json.dumps(value)) > 1000:
                raise self.fail(f"{name}.{key}", value, "a name bound to a number, text or list")
        return {k: raw[k] for k in sorted(raw)}


PARAMS = (
    Param("model", ModelSource(), help="Keras or PyTorch model code, a list of layer tables, or VGG notation"),
    Param("input_shape", ShapeValue(), default=None, help="input shape without the batch (when the model does not state it)"),
    Param("bindings", Bindings(), default=None, help="values for names the code leaves free (num_classes, input_shape)"),
)
PARTS = (
    PartSpec("total", "integer", "all parameters (weights and biases, trainable or not)"),
    PartSpec("trainable", "integer", "parameters updated by training"),
    PartSpec("non_trainable", "integer", "parameters not trained (batch-norm moving mean and variance)"),
    PartSpec("layers", "table", "each layer: name, type, output_shape (batch excluded), params"),
)
OPTIONS = (
    Param("kind", Choice("any", "cnn", "mlp", "rnn"), default="any", help="which kind of model to draw"),
    Param("style", Choice("any", "list", "add"), default="any", help="Sequential([...]) or model.add(...) code"),
    Param("batchnorm", Boolean(), default=True, help="allow BatchNormalization layers"),
    Param("max_blocks", Integer(min=1, max=4), default=3, help="most conv blocks / hidden layers drawn"),
)


@dataclass(frozen=True)
class Params:
    model: str | tuple[dict[str, Any], ...]
    input_shape: tuple[int | None, ...] | None = None
    bindings: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        spec(self)  # raises ParamError naming the layer when the model cannot be analysed

    def __hash__(self) -> int:
        return hash(_key(self))


def _key(p: Params) -> tuple[bool, str, str, str]:
    """Hashable form of the params: (model is tables, model text or JSON, input shape, bindings)."""
    tables = not isinstance(p.model, str)
    model = json.dumps(p.model, sort_keys=True, default=str) if tables else p.model
    return tables, str(model), json.dumps(p.input_shape), json.dumps(p.bindings or {}, sort_keys=True, default=str)


def spec(p: Params, mistake: str | None = None) -> ModelSpec:
    """The analysed model (``mistake``: with that mistake's layer kinds), cached per instance."""
    return _analysed(_key(p), mistake)


@lru_cache(maxsize=512)
def _analysed(key: tuple[bool, str, str, str], mistake: str | None) -> ModelSpec:
    tables, model_text, shape_json, bindings_json = key
    model: Any = json.loads(model_text) if tables else model_text
    registry = None if mistake is None else {**KERAS, **_WRONG[mistake].kinds()}
    return analyse(model, json.loads(shape_json), json.loads(bindings_json), registry=registry)


# ---------------------------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------------------------


def _parts(s: ModelSpec) -> dict[str, Any]:
    table = tuple(
        {"name": layer.name, "type": layer.kind, "output_shape": layer.output_shape, "params": layer.params} for layer in s.layers
    )
    return {
        "total": s.total,
        "trainable": s.trainable,
        "non_trainable": s.non_trainable,
        "layers": table,
    }


def _sum(values: Sequence[int]) -> str:
    nz = [v for v in values if v]
    return f"{' + '.join(f'{v:,}' for v in nz)} = {sum(nz):,}" if len(nz) > 1 else f"{sum(nz):,}"


def solve(p: Params) -> Answer:
    s = spec(p)
    parts = _parts(s)
    rows = tuple(
        (str(i), layer.name, layer.kind, "?" if layer.output_shape is None else fmt_shape(layer.output_shape), f"{layer.params:,}", layer.formula)
        for i, layer in enumerate(s.layers, 1)
    )
    if s.input_shape is None:
        intro = "The input shape is not given: each module's parameters follow from its arguments (output shapes are not computed):"
    else:
        shown = fmt_shape(s.input_shape) if all(isinstance(d, int | None) for d in s.input_shape) else " and ".join(map(fmt_shape, s.input_shape))  # type: ignore[arg-type]
        layout = "" if len(s.input_shape) < 2 else ", channels first" if s.data_format == "channels_first" else ", channels last"
        intro = f"Input shape {shown} (batch dimension excluded{layout}). Each layer's output shape and parameters:"
    steps: list[doc.Block] = [
        para(intro),
        doc.Table(("#", "layer", "type", "output shape", "params", "arithmetic"), rows),
        para("Total parameters: ", _sum([layer.params for layer in s.layers]) if sum(x.params for x in s.layers) == s.total else f"{s.total:,}", "."),
        para("Trainable: ", _sum([layer.trainable for layer in s.layers]) if sum(x.trainable for x in s.layers) == s.trainable else f"{s.trainable:,}", "."),
    ]
    frozen = [layer for layer in s.layers if layer.non_trainable]
    if frozen:
        names = ", ".join(layer.name for layer in frozen)
        nt = _sum([layer.non_trainable for layer in frozen]) if sum(x.non_trainable for x in frozen) == s.non_trainable else f"{s.non_trainable:,}"
        steps.append(para(f"Non-trainable ({names}): ", nt, "."))
    else:
        steps.append(para("Non-trainable: 0 (no batch normalisation or frozen layer)."))
    if s.totals is not None and s.totals != (sum(x.trainable for x in s.layers), sum(x.non_trainable for x in s.layers)):
        steps.append(para("A layer used in several places holds one set of weights: it is counted once."))
    steps += [para(f"Note: {n}.") for n in s.notes]
    return Answer(parts=tuple(Part(k, v, "table" if k == "layers" else "integer") for k, v in parts.items()), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    source = detect(p.model)
    given = []
    if p.input_shape is not None and source != "vgg":  # VGG's intro states the input shape
        given.append(f"the input shape is {fmt_shape(p.input_shape)} (batch excluded)")
    given += [f"{k} = {json.dumps(v)}" for k, v in (p.bindings or {}).items()]
    where = f" where {', '.join(given)}" if given else ""
    naming = "its module path, as named_modules() gives it" if source == "torch" else "as Keras names it"
    ask = para(
        "How many parameters does the model have in total, how many are trainable and how many non-trainable? "
        f"Give each layer's name ({naming}), output shape (batch excluded) and number of parameters."
    )
    if source == "tables":
        rows = tuple(
            (str(i), str(t.get("type")), ", ".join(f"{k}={json.dumps(v)}" for k, v in t.items() if k != "type"))
            for i, t in enumerate(p.model, 1)  # type: ignore[arg-type]
        )
        return (para(f"Consider the Keras Sequential model with these layers{where}:"), doc.Table(("#", "layer", "arguments"), rows), ask)
    text = str(p.model)
    if source == "vgg":
        intro = (
            "Consider the network in the VGG paper's notation (convK-N: KxK convolution, N filters, stride 1, "
            f"'same' padding, ReLU; maxpool: 2x2, stride 2; FC-N: N units) on {fmt_shape(spec(p).input_shape)} inputs{where}:"
        )
        return (para(intro), doc.Code(text, lang="text"), ask)
    framework = "PyTorch" if source == "torch" else "Keras"
    return (para(f"Consider the following {framework} model{where}:"), doc.Code(text, lang="python"), ask)


# ---------------------------------------------------------------------------------------------
# Mistakes: the same analysis with some layer kinds counted the mistaken way
# ---------------------------------------------------------------------------------------------

Forward = Callable[[Shape, dict[str, Any]], Out]


@dataclass(frozen=True)
class _Wrong:
    """Replacement forward functions for some kinds, and which layers the mistake touches."""

    kinds_of: Callable[[], dict[str, Forward]]
    touches: Callable[[Any], bool]

    def kinds(self) -> dict[str, Kind]:
        return {name: dataclasses.replace(KERAS[name], forward=f) for name, f in self.kinds_of().items()}


def _each(names: Sequence[str], wrap: Callable[[Forward], Forward]) -> Callable[[], dict[str, Forward]]:
    return lambda: {n: wrap(KERAS[n].forward) for n in names}


_BIASED = [n for n, k in KERAS.items() if "use_bias" in k.norm]
_CONVS = [n for n in KERAS if n.startswith(("Conv", "SeparableConv", "DepthwiseConv"))]
_POOLS = [n for n in KERAS if n.startswith(("MaxPooling", "AveragePooling"))]
_PADDED = [n for n, k in KERAS.items() if "padding" in k.norm]
_FAN_IN = ["Dense", *(n for n in _CONVS if "Transpose" not in n)]


def _no_bias(f: Forward) -> Forward:
    return lambda s, c: f(s, {**c, "use_bias": False})


def _no_fan_in(f: Forward) -> Forward:
    def g(s: Shape, c: dict[str, Any]) -> Out:
        right = f(s, c)
        wrong = f(s[:-1] + (1,), {**c, "groups": 1} if "groups" in c else c)
        return dataclasses.replace(wrong, shape=right.shape)

    return g


def _bn_two(f: Forward) -> Forward:
    return lambda s, c: dataclasses.replace(f(s, c), non_trainable=0)


def _bn_all_trainable(f: Forward) -> Forward:
    def g(s: Shape, c: dict[str, Any]) -> Out:
        out = f(s, c)
        return dataclasses.replace(out, trainable=out.trainable + out.non_trainable, non_trainable=0)

    return g


def _pool_params(f: Forward) -> Forward:
    def g(s: Shape, c: dict[str, Any]) -> Out:
        return dataclasses.replace(f(s, c), trainable=math.prod(c["pool_size"]) * (s[-1] or 0))

    return g


def _flatten_no_channels(f: Forward) -> Forward:
    return lambda s, c: f(s[:-1], c) if len(s) > 1 else f(s, c)


def _valid(f: Forward) -> Forward:
    return lambda s, c: f(s, {**c, "padding": "valid"} if c.get("padding") == "same" else c)


def _one_gate(f: Forward) -> Forward:
    """An LSTM (4 gates) or GRU (3 gates) counted as if it had a single gate."""

    def g(s: Shape, c: dict[str, Any]) -> Out:
        out = f(s, c)
        return dataclasses.replace(out, trainable=out.trainable // (3 if "reset_after" in c else 4))

    return g


def _separable_as_conv(f: Forward) -> Forward:
    return lambda s, c: KERAS["Conv2D"].forward(s, {**c, "groups": 1})


def _layers_where(p: Any, pred: Callable[[Any], bool]) -> bool:
    return any(pred(layer) for layer in spec(p).layers)


_WRONG: dict[str, _Wrong] = {
    "forgot-bias": _Wrong(_each(_BIASED, _no_bias), lambda p: _layers_where(p, lambda lay: lay.config.get("use_bias") is True)),
    "forgot-fan-in": _Wrong(_each(_FAN_IN, _no_fan_in), lambda p: _layers_where(p, lambda lay: lay.kind in _FAN_IN and lay.input_shape[-1] != 1)),
    "forgot-bn-non-trainable": _Wrong(_each(["BatchNormalization"], _bn_two), lambda p: _layers_where(p, lambda lay: lay.kind == "BatchNormalization")),
    "bn-all-trainable": _Wrong(_each(["BatchNormalization"], _bn_all_trainable), lambda p: _layers_where(p, lambda lay: lay.kind == "BatchNormalization")),
    "counted-pooling-params": _Wrong(_each(_POOLS, _pool_params), lambda p: _layers_where(p, lambda lay: lay.kind in _POOLS)),
    "flatten-size-wrong": _Wrong(_each(["Flatten"], _flatten_no_channels),
                                 lambda p: _layers_where(p, lambda lay: lay.kind == "Flatten" and len(lay.input_shape) > 1)),
    "forgot-padding": _Wrong(_each(_PADDED, _valid), lambda p: _layers_where(p, lambda lay: lay.config.get("padding") == "same")),
    "lstm-forgot-gates": _Wrong(_each(["LSTM", "GRU"], _one_gate), lambda p: _layers_where(p, lambda lay: lay.kind in ("LSTM", "GRU"))),
    "gru-one-bias": _Wrong(lambda: {"GRU": lambda s, c: KERAS["GRU"].forward(s, {**c, "reset_after": False})},
                           lambda p: _layers_where(p, lambda lay: lay.kind == "GRU" and lay.config.get("reset_after") and lay.config.get("use_bias"))),
    "separable-as-full-conv": _Wrong(_each(["SeparableConv2D"], _separable_as_conv), lambda p: _layers_where(p, lambda lay: lay.kind == "SeparableConv2D")),
}  # fmt: skip


def _mistaken(mistake: str) -> Callable[[Any], dict[str, Any]]:
    def apply(p: Any) -> dict[str, Any]:
        if detect(p.model) == "torch" or not _WRONG[mistake].touches(p):
            return {}
        return _parts(spec(p, mistake))

    return apply


_MESSAGES = {
    "forgot-bias": "each unit / filter also has a bias: add one parameter per output unit or filter (use_bias=True is the default).",
    "forgot-fan-in": "a filter spans all input channels (k*k*C_in weights) and a dense unit has one weight per input: multiply by the fan-in.",
    "forgot-bn-non-trainable": "BatchNormalization keeps 4 numbers per channel: gamma and beta (trainable) and the moving mean and variance (non-trainable, but counted in the total).",
    "bn-all-trainable": "BatchNormalization's moving mean and variance are not trained: they count as non-trainable parameters.",
    "counted-pooling-params": "pooling layers have no weights: they only take the max or average of each window.",
    "flatten-size-wrong": "Flatten multiplies all dimensions, channels included (H*W*C), so the next Dense layer's fan-in is H*W*C.",
    "forgot-padding": "with padding='same' the output keeps the input size (divided by the stride, rounded up); only 'valid' shrinks it by k - 1.",
    "lstm-forgot-gates": "an LSTM has 4 gates (a GRU 3), each with its own input weights, recurrent weights and bias: multiply by the number of gates.",
    "gru-one-bias": "Keras' GRU uses reset_after=True by default: two bias vectors per gate, 3*(units*(inputs + units) + 2*units).",
    "separable-as-full-conv": "a separable convolution is a depthwise k*k filter per input channel followed by a 1x1 pointwise convolution, not a full k*k*C_in filter per output.",
}

MISTAKES = tuple(Mistake(mid, _MESSAGES[mid], _mistaken(mid)) for mid in _WRONG)


# ---------------------------------------------------------------------------------------------
# Generator: small Keras models an exam can ask about
# ---------------------------------------------------------------------------------------------

Blueprint = list[tuple[str, tuple[Any, ...], dict[str, Any]]]


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(_literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def code_text(input_shape: tuple[int, ...], blueprint: Blueprint, *, style: str = "list", constants: Mapping[str, Any] | None = None) -> str:
    """Keras code for a blueprint of (class, args, kwargs); ``constants`` are written as assignments
    and a kwarg whose value is a constant's name (a ``str`` starting with ``=``) refers to it."""

    def value(v: Any) -> str:
        return v[1:] if isinstance(v, str) and v.startswith("=") else _literal(v)

    calls = [
        f"layers.{kind}(" + ", ".join([value(a) for a in args] + [f"{k}={value(v)}" for k, v in kwargs.items()]) + ")"
        for kind, args, kwargs in blueprint
    ]
    head = ["import keras", "from keras import layers", ""]
    head += [f"{k} = {_literal(v)}" for k, v in (constants or {}).items()]
    head += [""] if constants else []
    inp = f"keras.Input(shape={_literal(input_shape)})"
    if style == "add":
        body = ["model = keras.Sequential()", f"model.add({inp})"] + [f"model.add({c})" for c in calls]
    else:
        body = ["model = keras.Sequential(", "    [", f"        {inp},"] + [f"        {c}," for c in calls] + ["    ]", ")"]
    return "\n".join(head + body) + "\n"


def sample(rng: random.Random, *, kind: str = "any", style: str = "any", batchnorm: bool = True, max_blocks: int = 3) -> Params:
    """A small Keras model with round sizes: a few conv blocks or dense layers, or an RNN."""
    kind = rng.choice(["cnn", "cnn", "mlp", "rnn"]) if kind == "any" else kind
    style = rng.choice(["list", "add"]) if style == "any" else style
    constants = {"num_classes": rng.choice([2, 3, 5, 10])}
    bp: Blueprint = []
    if kind == "cnn":
        size, channels = rng.choice([(8, 1), (10, 1), (12, 3), (16, 1), (16, 3), (28, 1), (32, 3)])
        shape: tuple[int, ...] = (size, size, channels)
        for _ in range(rng.randint(1, max_blocks)):
            k = rng.choice([3, 3, 5]) if size >= 7 else 3
            padding = rng.choice(["valid", "same"])
            kw: dict[str, Any] = {"padding": padding} if padding == "same" else {}
            bp.append(("Conv2D", (rng.choice([4, 6, 8, 12, 16, 32]), (k, k) if rng.random() < 0.5 else k), {**kw, "activation": "relu"}))
            size = size if padding == "same" else size - k + 1
            if batchnorm and rng.random() < 0.4:
                bp.append(("BatchNormalization", (), {}))
            if size >= 4 and rng.random() < 0.7:
                bp.append((rng.choice(["MaxPooling2D", "MaxPooling2D", "AveragePooling2D"]), ((2, 2),), {}))
                size //= 2
            if size < 5:
                break
        bp.append(("Flatten", (), {}) if rng.random() < 0.8 else ("GlobalAveragePooling2D", (), {}))
    elif kind == "mlp":
        shape = (rng.choice([4, 8, 10, 20, 64, 784]),)
        for _ in range(rng.randint(1, max_blocks)):
            bp.append(("Dense", (rng.choice([8, 10, 16, 32, 64, 100, 128]),), {"activation": rng.choice(["relu", "tanh", "sigmoid"])}))
            if batchnorm and rng.random() < 0.3:
                bp.append(("BatchNormalization", (), {}))
    else:
        steps = rng.choice([10, 20, 50, 100])
        if rng.random() < 0.6:
            shape = (steps,)
            bp.append(("Embedding", (rng.choice([100, 500, 1000, 5000]), rng.choice([8, 16, 32])), {}))
        else:
            shape = (steps, rng.choice([1, 3, 8]))
        layers_n = rng.randint(1, min(2, max_blocks))
        for i in range(layers_n):
            cell = rng.choice(["SimpleRNN", "LSTM", "GRU"])
            kw = {"return_sequences": True} if i < layers_n - 1 else {}
            bp.append((cell, (rng.choice([4, 8, 16, 32]),), kw))
    if kind != "rnn" and rng.random() < 0.5:
        bp.append(("Dense", (rng.choice([8, 10, 16, 32, 64]),), {"activation": "relu"}))
    if rng.random() < 0.3:
        bp.append(("Dropout", (0.5,), {}))
    bp.append(("Dense", ("=num_classes",), {"activation": "softmax"}))
    return Params(model=code_text(shape, bp, style=style, constants=constants))
