"""Keras layer kinds: normalised arguments, output shape and parameter counts, pure integer math.

One small function per kind computes, like Keras' ``compute_output_shape`` plus its weights,
the output shape (batch excluded) and the trainable / non-trainable counts with the arithmetic
written out. :data:`KERAS` maps each class name to its :class:`Kind`; aliases live in
:data:`ALIASES`. A new kind is one function and one registry entry.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnexam.questions.conv_arith import conv_out, effective_kernel
from nnexam.questions.model_analyser.values import (
    Bad,
    Normaliser,
    activation,
    anything,
    boolean,
    choice,
    int_tuple,
    integer,
    number,
    optional,
    show,
    sizes,
)

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class Out:
    """What a layer does to its input: output shape, trainable / non-trainable counts, arithmetic."""

    shape: Shape
    trainable: int = 0
    non_trainable: int = 0
    formula: str = ""


@dataclass(frozen=True)
class Kind:
    """A layer class: positional argument order, normalisers and defaults of the arguments that
    matter (``REQUIRED`` ones have no default), accepted input ranks, and the shape/param function."""

    name: str
    args: tuple[str, ...]
    norm: Mapping[str, Normaliser]
    defaults: Mapping[str, Any]
    forward: Callable[[Shape, dict[str, Any]], Out]
    ranks: tuple[int, ...] = ()  # accepted input ranks (batch excluded); empty: any
    rank_hint: str = ""
    passthrough: frozenset[str] = field(default_factory=frozenset)  # accepted, shape-neutral extras
    complete: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # defaults that depend on others
    # PyTorch: the module's own parameters (name, count) from its arguments alone, no input shape needed
    weights: Callable[[dict[str, Any]], list[tuple[str, int]]] | None = None
    shapes: bool = True  # False: the analyser does not compute this kind's output shape


REQUIRED = object()


def _extras_for(name: str) -> frozenset[str]:
    """Arguments of a Keras class that change neither shapes nor counts (initializers, dropout
    rates, ...): kept in the config when they are plain literals, dropped with a note otherwise."""
    groups: list[str] = ["dtype"]
    if name == "Dense" or name.startswith("Conv"):
        groups += ["kernel", "bias", "activity_regularizer"]
    elif name.startswith("DepthwiseConv"):
        groups += ["depthwise", "bias", "activity_regularizer"]
    elif name.startswith("SeparableConv"):
        groups += ["depthwise", "pointwise", "bias", "activity_regularizer"]
    elif name in ("SimpleRNN", "LSTM", "GRU"):
        groups += ["kernel", "recurrent", "bias", "activity_regularizer", "dropout", "recurrent_dropout", "go_backwards",
                   "stateful", "unroll", "seed", "return_state"]  # fmt: skip
        groups += ["unit_forget_bias"] if name == "LSTM" else []
    elif name == "Embedding":
        groups += ["embeddings", "mask_zero", "activity_regularizer"]
    elif name in ("BatchNormalization", "LayerNormalization", "GroupNormalization"):
        groups += ["beta", "gamma"]
        groups += ["moving_mean_initializer", "moving_variance_initializer"] if name == "BatchNormalization" else []
    elif name == "Dropout":
        groups += ["noise_shape", "seed"]
    elif name.startswith("SpatialDropout") or name == "GaussianNoise":
        groups += ["seed"]
    elif name == "PReLU":
        groups += ["alpha"]
    weighted = ("kernel", "bias", "depthwise", "pointwise", "recurrent", "embeddings", "beta", "gamma", "alpha")
    keys = {f"{g}_{what}" for g in groups if g in weighted for what in ("initializer", "regularizer", "constraint")}
    return frozenset(keys | {g for g in groups if g not in weighted})


FIRST_LAYER_INPUT = ("input_shape", "input_dim", "batch_input_shape", "batch_shape", "input_length")

_pos = integer(1)
_padding = choice("valid", "same")
_fmt = optional(choice("channels_last", "channels_first"))


def _prod(values: Shape) -> int | None:
    return None if any(v is None for v in values) else math.prod(values)  # type: ignore[arg-type]


def _known_last(s: Shape, what: str) -> int:
    if s[-1] is None:
        raise Bad(f"{what} needs a known last dimension, but the input shape is {fmt_shape(s)}")
    return s[-1]


def fmt_shape(s: Shape) -> str:
    return "(" + ", ".join("None" if v is None else str(v) for v in s) + ("," if len(s) == 1 else "") + ")"


def _x(values: tuple[int, ...]) -> str:
    return "x".join(str(v) for v in values)


# ---------------------------------------------------------------------------------------------
# Dense, convolutions
# ---------------------------------------------------------------------------------------------


def dense(s: Shape, c: dict[str, Any]) -> Out:
    n_in, units = _known_last(s, "Dense"), c["units"]
    w = n_in * units + (units if c["use_bias"] else 0)
    f = f"({n_in} + 1)*{units}" if c["use_bias"] else f"{n_in}*{units}"
    return Out(s[:-1] + (units,), w, 0, f"{f} = {w}")


def _spatial(s: Shape, c: dict[str, Any], kernel: tuple[int, ...], what: str) -> Shape:
    """Output spatial sizes of a window op, with a clear error when the window does not fit."""
    strides, padding = c["strides"], c["padding"]
    dil = c.get("dilation_rate", (1,) * len(kernel))
    if any(st > 1 for st in strides) and any(d > 1 for d in dil):
        raise Bad(f"strides > 1 cannot be combined with dilation_rate > 1 (Keras). Received: strides={strides}, dilation_rate={dil}")
    spans = tuple(effective_kernel(k, d) for k, d in zip(kernel, dil))
    spatial = s[: len(kernel)]
    if padding == "valid" and any(n is not None and sp > n for n, sp in zip(spatial, spans)):
        dil_note = f" (dilated span {_x(spans)})" if spans != kernel else ""
        raise Bad(f"{what} {_x(kernel)}{dil_note} is larger than its input {_x(spatial)} (shape {fmt_shape(s)}, padding 'valid')")
    if padding == "causal":
        return tuple(None if n is None else (n - 1) // st + 1 for n, st in zip(spatial, strides))
    return tuple(conv_out(n, k, st, padding, d) for n, k, st, d in zip(spatial, kernel, strides, dil))


def _conv_norm(n: int, *, filters: bool = True, groups: bool = True, causal: bool = False, depth: bool = False) -> dict[str, Normaliser]:
    norm: dict[str, Normaliser] = {
        "kernel_size": sizes(n),
        "strides": sizes(n),
        "padding": choice("valid", "same", "causal") if causal else _padding,
        "data_format": _fmt,
        "dilation_rate": sizes(n),
        "activation": activation,
        "use_bias": boolean,
    }
    if filters:
        norm["filters"] = _pos
    if groups:
        norm["groups"] = _pos
    if depth:
        norm["depth_multiplier"] = _pos
    return norm


def _conv_defaults(n: int, **extra: Any) -> dict[str, Any]:
    return {"strides": (1,) * n, "padding": "valid", "dilation_rate": (1,) * n, "activation": "linear", "use_bias": True, **extra}


def conv(s: Shape, c: dict[str, Any]) -> Out:
    k, cin, filters, groups = c["kernel_size"], _known_last(s, "a convolution"), c["filters"], c["groups"]
    if cin % groups or filters % groups:
        raise Bad(f"input channels ({cin}) and filters ({filters}) must both be divisible by groups ({groups})")
    out = _spatial(s, c, k, "kernel") + (filters,)
    fan_in = "*".join(str(v) for v in (*k, cin // groups))
    w = math.prod(k) * (cin // groups) * filters + (filters if c["use_bias"] else 0)
    f = f"({fan_in} + 1)*{filters}" if c["use_bias"] else f"{fan_in}*{filters}"
    return Out(out, w, 0, f"{f} = {w}")


def conv_transpose(s: Shape, c: dict[str, Any]) -> Out:
    k, cin, filters = c["kernel_size"], _known_last(s, "a convolution"), c["filters"]
    spans = tuple(effective_kernel(kk, d) for kk, d in zip(k, c["dilation_rate"]))
    op = c.get("output_padding")
    if op is None:
        spatial = tuple(
            None if n is None else (n * st if c["padding"] == "same" else n * st + max(sp - st, 0))
            for n, st, sp in zip(s[: len(k)], c["strides"], spans)
        )
    else:
        if any(p >= st for p, st in zip(op, c["strides"])):
            raise Bad(f"output_padding {op} must be smaller than strides {c['strides']}")
        spatial = tuple(
            None if n is None else (n - 1) * st + sp - 2 * (sp // 2 if c["padding"] == "same" else 0) + p
            for n, st, sp, p in zip(s[: len(k)], c["strides"], spans, op)
        )
    w = math.prod(k) * cin * filters + (filters if c["use_bias"] else 0)
    fan = "*".join(str(v) for v in (*k, cin))
    f = f"({fan} + 1)*{filters}" if c["use_bias"] else f"{fan}*{filters}"
    return Out(spatial + (filters,), w, 0, f"{f} = {w}")


def depthwise(s: Shape, c: dict[str, Any]) -> Out:
    k, cin, dm = c["kernel_size"], _known_last(s, "a convolution"), c["depth_multiplier"]
    out = _spatial(s, c, k, "kernel") + (cin * dm,)
    w = math.prod(k) * cin * dm + (cin * dm if c["use_bias"] else 0)
    ks = "*".join(str(v) for v in k)
    f = f"{ks}*{cin}*{dm} + {cin}*{dm}" if c["use_bias"] else f"{ks}*{cin}*{dm}"
    return Out(out, w, 0, f"{f} = {w}")


def separable(s: Shape, c: dict[str, Any]) -> Out:
    k, cin, dm, filters = c["kernel_size"], _known_last(s, "a convolution"), c["depth_multiplier"], c["filters"]
    out = _spatial(s, c, k, "kernel") + (filters,)
    w = math.prod(k) * cin * dm + cin * dm * filters + (filters if c["use_bias"] else 0)
    ks = "*".join(str(v) for v in k)
    f = f"{ks}*{cin}*{dm} + {cin}*{dm}*{filters}" + (f" + {filters}" if c["use_bias"] else "")
    return Out(out, w, 0, f"{f} = {w}")


# ---------------------------------------------------------------------------------------------
# Pooling, reshaping
# ---------------------------------------------------------------------------------------------


def pool_strides(c: dict[str, Any]) -> dict[str, Any]:
    """Keras pooling: ``strides=None`` means strides = pool_size (made explicit in the config)."""
    return {**c, "strides": c["strides"] or c["pool_size"]}


def pool(s: Shape, c: dict[str, Any]) -> Out:
    out = _spatial(s, c, c["pool_size"], "pool window") + (s[-1],)
    return Out(out, 0, 0, "no weights = 0")


def global_pool(s: Shape, c: dict[str, Any]) -> Out:
    out = (1,) * (len(s) - 1) + (s[-1],) if c["keepdims"] else (s[-1],)
    return Out(out, 0, 0, "no weights = 0")


def flatten(s: Shape, c: dict[str, Any]) -> Out:
    size = _prod(s)
    f = f"{'*'.join(str(v) for v in s)} = {size} values, no weights = 0" if len(s) > 1 else "no weights = 0"
    return Out((size,), 0, 0, f)


def identity(s: Shape, c: dict[str, Any]) -> Out:
    return Out(s, 0, 0, "no weights = 0")


def prelu(s: Shape, c: dict[str, Any]) -> Out:
    n = _prod(s)
    if n is None:
        raise Bad(f"PReLU needs a fully known input shape, got {fmt_shape(s)}")
    return Out(s, n, 0, f"one alpha per input value: {'*'.join(str(v) for v in s)} = {n}")


def reshape(s: Shape, c: dict[str, Any]) -> Out:
    target = c["target_shape"]
    if list(target).count(-1) > 1:
        raise Bad(f"Reshape target_shape may contain at most one -1, received {target}")
    n = _prod(s)
    rest = math.prod(v for v in target if v != -1)  # type: ignore[misc]
    if -1 in target:
        if n is not None and n % rest:
            raise Bad(f"cannot reshape {fmt_shape(s)} ({n} values) into {target}: {n} is not divisible by {rest}")
        fill = None if n is None else n // rest
        target = tuple(fill if v == -1 else v for v in target)
    elif n is not None and n != rest:
        raise Bad(f"cannot reshape {fmt_shape(s)} ({n} values) into {target} ({rest} values)")
    return Out(tuple(target), 0, 0, "no weights = 0")


def _pad_pairs(value: Any, n: int, key: str) -> tuple[tuple[int, int], ...]:
    """ZeroPadding / Cropping argument -> ((before, after), ...) per spatial axis."""
    one = integer(0)
    if isinstance(value, int) and not isinstance(value, bool):
        return ((one(value, key),) * 2,) * n
    if isinstance(value, tuple | list) and len(value) == n:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return tuple((one(v, key), one(v, key)) for v in value) if n > 1 else ((one(value[0], key), one(value[0], key)),)
        if all(isinstance(v, tuple | list) and len(v) == 2 for v in value):
            return tuple((one(a, key), one(b, key)) for a, b in value)
    if n == 1 and isinstance(value, tuple | list) and len(value) == 2:
        return ((one(value[0], key), one(value[1], key)),)
    raise Bad(f"argument '{key}': expected an int, {n} ints or {n} (before, after) pairs, received {value!r}")


def _pairs(n: int) -> Normaliser:
    """((before, after), ...) per axis; a flat (before, after) for 1D, as Keras' 1D layers take it."""

    def norm(value: Any, key: str) -> Any:
        pairs = _pad_pairs(anything(value, key), n, key)
        return pairs[0] if n == 1 else pairs

    return norm


def _as_pairs(value: Any) -> tuple[tuple[int, int], ...]:
    return (value,) if isinstance(value[0], int) else value


def zero_padding(s: Shape, c: dict[str, Any]) -> Out:
    pads = _as_pairs(c["padding"])
    out = tuple(None if v is None else v + a + b for v, (a, b) in zip(s, pads)) + s[len(pads) :]
    return Out(out, 0, 0, "no weights = 0")


def cropping(s: Shape, c: dict[str, Any]) -> Out:
    crops = _as_pairs(c["cropping"])
    out = tuple(None if v is None else v - a - b for v, (a, b) in zip(s, crops)) + s[len(crops) :]
    if any(v is not None and v < 1 for v in out):
        raise Bad(f"cropping {crops} removes the whole input {fmt_shape(s)}")
    return Out(out, 0, 0, "no weights = 0")


def up_sampling(s: Shape, c: dict[str, Any]) -> Out:
    size = c["size"] if isinstance(c["size"], tuple) else (c["size"],)  # UpSampling1D takes an int
    out = tuple(None if v is None else v * f for v, f in zip(s, size)) + s[len(size) :]
    return Out(out, 0, 0, "no weights = 0")


def repeat_vector(s: Shape, c: dict[str, Any]) -> Out:
    return Out((c["n"],) + s, 0, 0, "no weights = 0")


# ---------------------------------------------------------------------------------------------
# Normalisation, embedding, recurrent
# ---------------------------------------------------------------------------------------------


def _axis_size(s: Shape, axis: int) -> int:
    full = len(s) + 1  # with the batch axis, as Keras counts ``axis``
    if not -full <= axis < full or axis % full == 0:
        raise Bad(f"axis {axis} is not a feature axis of input shape {fmt_shape(s)}")
    size = s[axis % full - 1]
    if size is None:
        raise Bad(f"axis {axis} of input shape {fmt_shape(s)} has unknown size")
    return size


def batch_norm(s: Shape, c: dict[str, Any]) -> Out:
    ch = _axis_size(s, c["axis"])
    learned = int(c["center"]) + int(c["scale"])
    names = " + ".join(n for n, on in (("gamma", c["scale"]), ("beta", c["center"])) if on)
    f = f"{learned}*{ch} trainable ({names}) + 2*{ch} non-trainable (moving mean, variance) = {(learned + 2) * ch}"
    return Out(s, learned * ch, 2 * ch, f)


def _axes(value: Any, key: str) -> int | tuple[int, ...]:
    """An axis or a tuple of axes (LayerNormalization(axis=(1, 2)))."""
    value = anything(value, key)
    if isinstance(value, tuple | list):
        if not value:
            raise Bad(f"argument '{key}': expected an axis or a tuple of axes, received {show(value)}")
        return tuple(integer(-8)(v, key) for v in value)
    return integer(-8)(value, key)


def group_norm(s: Shape, c: dict[str, Any]) -> Out:
    ch = _axis_size(s, c["axis"])
    if ch % c["groups"]:
        raise Bad(f"the {ch} channels must be divisible by groups ({c['groups']})")
    learned = int(c["center"]) + int(c["scale"])
    return Out(s, learned * ch, 0, f"{learned}*{ch} (gamma, beta) = {learned * ch}")


def layer_norm(s: Shape, c: dict[str, Any]) -> Out:
    axes = c["axis"] if isinstance(c["axis"], tuple) else (c["axis"],)
    ch = math.prod(_axis_size(s, a) for a in axes)
    learned = int(c["center"]) + int(c["scale"])
    return Out(s, learned * ch, 0, f"{learned}*{ch} (gamma, beta) = {learned * ch}")


def embedding(s: Shape, c: dict[str, Any]) -> Out:
    w = c["input_dim"] * c["output_dim"]
    return Out(s + (c["output_dim"],), w, 0, f"{c['input_dim']}*{c['output_dim']} = {w}")


def _rnn(s: Shape, c: dict[str, Any], gates: int, what: str, extra_bias: bool = False) -> Out:
    units, feats = c["units"], _known_last(s, what)
    bias = (2 if extra_bias else 1) * units if c["use_bias"] else 0
    one = units * feats + units * units + bias
    out = (s[0], units) if c["return_sequences"] else (units,)
    b = (" + 2*" if extra_bias else " + ") + str(units) if c["use_bias"] else ""
    core = f"{units}*{feats} + {units}*{units}{b}"
    f = f"{gates}*({core}) = {gates * one}" if gates > 1 else f"{core} = {one}"
    return Out(out, gates * one, 0, f)


def simple_rnn(s: Shape, c: dict[str, Any]) -> Out:
    return _rnn(s, c, 1, "SimpleRNN")


def lstm(s: Shape, c: dict[str, Any]) -> Out:
    return _rnn(s, c, 4, "LSTM")


def gru(s: Shape, c: dict[str, Any]) -> Out:
    return _rnn(s, c, 3, "GRU", extra_bias=c["reset_after"])


def _wrapped(*classes: str) -> Normaliser:
    """A wrapped layer, as the builder resolved it: ``{"class_name": "LSTM", "config": {...}}``."""

    def norm(value: Any, key: str) -> dict[str, Any]:
        if not (isinstance(value, dict) and (not classes or value.get("class_name") in classes)):
            expected = " or ".join(classes) if classes else "a layer"
            raise Bad(f"argument '{key}': expected a {expected} layer such as {classes[0] if classes else 'Dense'}(8), received {show(value)}")
        return value

    return norm


def bidirectional(s: Shape, c: dict[str, Any]) -> Out:
    """Two copies of the wrapped RNN (forward, backward); ``concat`` doubles the features."""
    inner = KERAS[c["layer"]["class_name"]].forward(s, c["layer"]["config"])
    last = inner.shape[-1]
    width = 2 * last if c["merge_mode"] == "concat" and last is not None else last
    return Out(inner.shape[:-1] + (width,), 2 * inner.trainable, 2 * inner.non_trainable, f"2 directions x [{inner.formula}] = {2 * inner.trainable}")


def time_distributed(s: Shape, c: dict[str, Any]) -> Out:
    """The wrapped layer applied to each step: same weights, shape (steps,) + its output."""
    kind = KERAS[c["layer"]["class_name"]]
    if kind.ranks and len(s) - 1 not in kind.ranks:
        raise Bad(f"TimeDistributed({kind.name}) needs each step of rank {kind.ranks[0]}, but the input shape is {fmt_shape(s)}")
    inner = kind.forward(s[1:], c["layer"]["config"])
    return dataclasses.replace(inner, shape=(s[0],) + inner.shape)


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

_ACT = {"activation": activation}
_NO_ARGS: dict[str, Normaliser] = {}


def _kind(name: str, args: str, norm: Mapping[str, Normaliser], defaults: Mapping[str, Any], forward: Callable[[Shape, dict[str, Any]], Out], ranks: tuple[int, ...] = (), hint: str = "") -> Kind:
    return Kind(name, tuple(args.split()), dict(norm), dict(defaults), forward, ranks, hint, _extras_for(name))


_RANK_HINT = {1: "(steps, channels)", 2: "(height, width, channels)", 3: "(depth, height, width, channels)"}


def _conv_kinds() -> list[Kind]:
    kinds = []
    for n in (1, 2, 3):
        hint = _RANK_HINT[n]
        kinds += [
            _kind(f"Conv{n}D", "filters kernel_size strides padding data_format dilation_rate groups activation use_bias",
                  _conv_norm(n, causal=n == 1), _conv_defaults(n, filters=REQUIRED, kernel_size=REQUIRED, groups=1), conv, (n + 1,), hint),
            _kind(f"Conv{n}DTranspose", "filters kernel_size strides padding output_padding data_format dilation_rate activation use_bias",
                  {**_conv_norm(n, groups=False), "output_padding": optional(sizes(n, lo=0))},
                  _conv_defaults(n, filters=REQUIRED, kernel_size=REQUIRED, output_padding=None), conv_transpose, (n + 1,), hint),
            _kind(f"DepthwiseConv{n}D", "kernel_size strides padding depth_multiplier data_format dilation_rate activation use_bias",
                  _conv_norm(n, filters=False, groups=False, depth=True), _conv_defaults(n, kernel_size=REQUIRED, depth_multiplier=1), depthwise, (n + 1,), hint),
            _kind(f"SeparableConv{n}D", "filters kernel_size strides padding data_format dilation_rate depth_multiplier activation use_bias",
                  _conv_norm(n, groups=False, depth=True), _conv_defaults(n, filters=REQUIRED, kernel_size=REQUIRED, depth_multiplier=1), separable, (n + 1,), hint),
        ][: 2 if n == 3 else 4]  # fmt: skip  # Keras has no depthwise / separable 3D convolution
        pool_norm = {"pool_size": sizes(n), "strides": optional(sizes(n)), "padding": _padding, "data_format": _fmt}
        for op in ("Max", "Average"):
            kinds.append(dataclasses.replace(
                _kind(f"{op}Pooling{n}D", "pool_size strides padding data_format", pool_norm,
                      {"pool_size": (2,) * n, "strides": None, "padding": "valid"}, pool, (n + 1,), hint),
                complete=pool_strides))  # fmt: skip
            kinds.append(_kind(f"Global{op}Pooling{n}D", "data_format keepdims", {"data_format": _fmt, "keepdims": boolean},
                               {"keepdims": False}, global_pool, (n + 1,), hint))  # fmt: skip
        kinds.append(_kind(f"ZeroPadding{n}D", "padding data_format", {"padding": _pairs(n), "data_format": _fmt}, {"padding": 1}, zero_padding, (n + 1,), hint))
        kinds.append(_kind(f"Cropping{n}D", "cropping data_format", {"cropping": _pairs(n), "data_format": _fmt}, {"cropping": 1}, cropping, (n + 1,), hint))
        if n == 1:  # UpSampling1D takes an int
            kinds.append(_kind("UpSampling1D", "size", {"size": _pos}, {"size": 2}, up_sampling, (2,), hint))
        else:
            up = {"size": sizes(n), "data_format": _fmt} | ({"interpolation": choice("nearest", "bilinear")} if n == 2 else {})
            kinds.append(_kind(f"UpSampling{n}D", "size data_format interpolation", up,
                               {"size": (2,) * n, "interpolation": "nearest"}, up_sampling, (n + 1,), hint))  # fmt: skip
    return kinds


def resize(s: Shape, c: dict[str, Any]) -> Out:
    return Out((c["height"], c["width"]) + s[2:], 0, 0, "no weights = 0")


def permute(s: Shape, c: dict[str, Any]) -> Out:
    dims = c["dims"]
    if sorted(dims) != list(range(1, len(s) + 1)):
        raise Bad(f"Permute dims must be a permutation of 1..{len(s)} (batch excluded), received {dims}")
    return Out(tuple(s[d - 1] for d in dims), 0, 0, "no weights = 0")


def normalization(s: Shape, c: dict[str, Any]) -> Out:
    """Keras' Normalization: a mean and variance per feature and a sample count, all non-trainable."""
    if c.get("mean") is not None:
        return Out(s, 0, 0, "mean and variance given as constants: no weights = 0")
    axes = () if c["axis"] is None else c["axis"] if isinstance(c["axis"], tuple) else (c["axis"],)
    size = math.prod(_axis_size(s, a) for a in axes)
    return Out(s, 0, 2 * size + 1, f"2*{size} (mean, variance) + 1 (count), non-trainable = {2 * size + 1}")


def _passive(name: str, args: str, ranks: tuple[int, ...] = ()) -> Kind:
    """A layer that changes no shape and has no weights (augmentation, noise, masking): its
    arguments are all shape-neutral and kept as given."""
    return Kind(name, tuple(args.split()), {}, {}, identity, ranks, "", frozenset(args.split()) | {"dtype"})


_RNN_NORM = {"units": _pos, "activation": activation, "use_bias": boolean, "return_sequences": boolean}
_RNN_DEF = {"units": REQUIRED, "activation": "tanh", "use_bias": True, "return_sequences": False}
_GATED_NORM = {**_RNN_NORM, "recurrent_activation": activation}
_GATED_DEF = {**_RNN_DEF, "recurrent_activation": "sigmoid"}
_SEQ_HINT = "(timesteps, features)"

KINDS: list[Kind] = [
    _kind("Dense", "units activation use_bias", {"units": _pos, **_ACT, "use_bias": boolean},
          {"units": REQUIRED, "activation": "linear", "use_bias": True}, dense),
    *_conv_kinds(),
    _kind("Flatten", "data_format", {"data_format": _fmt}, {}, flatten),
    _kind("Dropout", "rate noise_shape seed", {"rate": number(0, 1)}, {"rate": REQUIRED}, identity),
    _kind("SpatialDropout1D", "rate", {"rate": number(0, 1)}, {"rate": REQUIRED}, identity, (2,), _SEQ_HINT),
    _kind("SpatialDropout2D", "rate data_format", {"rate": number(0, 1), "data_format": _fmt}, {"rate": REQUIRED}, identity, (3,), _RANK_HINT[2]),
    _kind("GaussianNoise", "stddev seed", {"stddev": number(0)}, {"stddev": REQUIRED}, identity),
    _kind("Activation", "activation", _ACT, {"activation": REQUIRED}, identity),
    _kind("ReLU", "max_value negative_slope threshold", {"max_value": optional(number(0)), "negative_slope": number(0), "threshold": number(-1e9)},
          {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}, identity),
    _kind("LeakyReLU", "negative_slope", {"negative_slope": number(0)}, {"negative_slope": 0.3}, identity),
    _kind("ELU", "alpha", {"alpha": number(0)}, {"alpha": 1.0}, identity),
    _kind("PReLU", "", _NO_ARGS, {}, prelu),
    _kind("Softmax", "axis", {"axis": integer(-8)}, {"axis": -1}, identity),
    _kind("BatchNormalization", "axis momentum epsilon center scale",
          {"axis": integer(-8), "momentum": number(0, 1), "epsilon": number(0), "center": boolean, "scale": boolean},
          {"axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}, batch_norm),
    _kind("LayerNormalization", "axis epsilon center scale", {"axis": _axes, "epsilon": number(0), "center": boolean, "scale": boolean},
          {"axis": -1, "epsilon": 0.001, "center": True, "scale": True}, layer_norm),
    _kind("GroupNormalization", "groups axis epsilon center scale", {"groups": _pos, "axis": integer(-8), "epsilon": number(0),
          "center": boolean, "scale": boolean}, {"groups": 32, "axis": -1, "epsilon": 0.001, "center": True, "scale": True}, group_norm),
    _kind("Resizing", "height width interpolation crop_to_aspect_ratio", {"height": _pos, "width": _pos},
          {"height": REQUIRED, "width": REQUIRED}, resize, (3,), _RANK_HINT[2]),
    _kind("CenterCrop", "height width data_format", {"height": _pos, "width": _pos, "data_format": _fmt},
          {"height": REQUIRED, "width": REQUIRED}, resize, (3,), _RANK_HINT[2]),
    _kind("RandomCrop", "height width seed data_format", {"height": _pos, "width": _pos, "data_format": _fmt},
          {"height": REQUIRED, "width": REQUIRED}, resize, (3,), _RANK_HINT[2]),
    _kind("Permute", "dims", {"dims": int_tuple}, {"dims": REQUIRED}, permute),
    dataclasses.replace(_kind("Normalization", "axis mean variance invert", {"axis": optional(integer(-8))}, {"axis": -1}, normalization),
                        passthrough=frozenset({"mean", "variance", "invert", "dtype"})),
    _passive("Rescaling", "scale offset"),
    _passive("RandomFlip", "mode seed data_format", (3,)),
    _passive("RandomRotation", "factor fill_mode interpolation seed fill_value data_format", (3,)),
    _passive("RandomZoom", "height_factor width_factor fill_mode interpolation seed fill_value data_format", (3,)),
    _passive("RandomTranslation", "height_factor width_factor fill_mode interpolation seed fill_value data_format", (3,)),
    _passive("RandomContrast", "factor value_range seed", (3,)),
    _passive("RandomBrightness", "factor value_range seed", (3,)),
    _passive("Masking", "mask_value"),
    _passive("GaussianDropout", "rate seed"),
    _passive("AlphaDropout", "rate noise_shape seed"),
    _passive("UnitNormalization", "axis"),
    _passive("ActivityRegularization", "l1 l2"),
    _kind("Reshape", "target_shape", {"target_shape": int_tuple}, {"target_shape": REQUIRED}, reshape),
    _kind("RepeatVector", "n", {"n": _pos}, {"n": REQUIRED}, repeat_vector, (1,), "(features,)"),
    _kind("Embedding", "input_dim output_dim", {"input_dim": _pos, "output_dim": _pos}, {"input_dim": REQUIRED, "output_dim": REQUIRED}, embedding),
    _kind("SimpleRNN", "units activation use_bias", _RNN_NORM, _RNN_DEF, simple_rnn, (2,), _SEQ_HINT),
    _kind("LSTM", "units activation recurrent_activation use_bias", _GATED_NORM, _GATED_DEF, lstm, (2,), _SEQ_HINT),
    _kind("Bidirectional", "layer merge_mode", {"layer": _wrapped("SimpleRNN", "LSTM", "GRU"), "merge_mode": choice("concat", "sum", "mul", "ave")},
          {"layer": REQUIRED, "merge_mode": "concat"}, bidirectional, (2,), _SEQ_HINT),
    _kind("TimeDistributed", "layer", {"layer": _wrapped()}, {"layer": REQUIRED}, time_distributed),
    _kind("GRU", "units activation recurrent_activation use_bias", {**_GATED_NORM, "reset_after": boolean},
          {**_GATED_DEF, "reset_after": True}, gru, (2,), _SEQ_HINT),
]  # fmt: skip

def _any_format(forward: Callable[[Shape, dict[str, Any]], Out]) -> Callable[[Shape, dict[str, Any]], Out]:
    """A channels-last shape function that also serves ``data_format="channels_first"``: the channel
    axis moves last for the arithmetic and back first for the output (counts do not change)."""

    def run(s: Shape, c: dict[str, Any]) -> Out:
        if c.get("data_format") != "channels_first" or len(s) < 2:
            return forward(s, c)
        out = forward(s[1:] + s[:1], c)
        shape = out.shape if len(out.shape) < 2 else out.shape[-1:] + out.shape[:-1]
        return dataclasses.replace(out, shape=shape)

    return run


KINDS = [dataclasses.replace(k, forward=_any_format(k.forward)) if "data_format" in k.norm else k for k in KINDS]
KERAS: dict[str, Kind] = {k.name: k for k in KINDS}

ALIASES: dict[str, str] = {
    "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D",
    "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution2DTranspose": "Conv2DTranspose",
    "SeparableConvolution2D": "SeparableConv2D",
}
