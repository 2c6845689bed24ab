"""Keras layers of the functional API that take several tensors (merges, attention) or whose
output the code states (``Lambda(output_shape=...)``): kinds whose ``forward`` gets the list of
input shapes. Same pure arithmetic as :mod:`layers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnexam.questions.model_analyser.layers import (
    REQUIRED,
    Kind,
    Out,
    Shape,
    _known_last,
    fmt_shape,
    identity,
)
from nnexam.questions.model_analyser.values import Bad, anything, boolean, int_tuple, integer, optional

MULTI = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "MultiHeadAttention",
                   "Attention", "AdditiveAttention"})  # fmt: skip
MERGE_FUNCTIONS = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "average": "Average", "maximum": "Maximum",
                   "minimum": "Minimum", "concatenate": "Concatenate", "dot": "Dot"}  # fmt: skip


def _broadcast(shapes: list[Shape], what: str) -> Shape:
    rank = max(len(s) for s in shapes)
    out: list[int | None] = []
    for i in range(rank):
        dims = {s[i - rank + len(s)] for s in shapes if i - rank + len(s) >= 0}
        dims.discard(1)
        known = {d for d in dims if d is not None}
        if len(known) > 1:
            raise Bad(f"{what} needs inputs of one shape; received {', '.join(fmt_shape(s) for s in shapes)}")
        out.append(known.pop() if known else None if None in dims else 1)
    return tuple(out)


def merge(s: Any, c: dict[str, Any]) -> Out:
    shapes = list(s)
    if len(shapes) < 2 and c.get("__kind__") != "Add":
        raise Bad(f"a merge layer needs at least 2 inputs, received {len(shapes)}")
    return Out(_broadcast(shapes, "a merge layer"), 0, 0, "no weights = 0")


def subtract(s: Any, c: dict[str, Any]) -> Out:
    if len(s) != 2:
        raise Bad(f"Subtract needs exactly 2 inputs, received {len(s)}")
    return merge(s, c)


def concatenate(s: Any, c: dict[str, Any]) -> Out:
    shapes = list(s)
    if len(shapes) < 2:
        raise Bad(f"Concatenate needs at least 2 inputs, received {len(shapes)}")
    rank = len(shapes[0])
    if any(len(x) != rank for x in shapes):
        raise Bad(f"Concatenate needs inputs of one rank; received {', '.join(fmt_shape(x) for x in shapes)}")
    axis = c["axis"]
    if not -rank - 1 <= axis <= rank or axis == 0 or axis == -rank - 1:
        raise Bad(f"axis {axis} is not a feature axis of inputs of rank {rank}")
    a = axis - 1 if axis > 0 else rank + axis
    for i in range(rank):
        if i == a:
            continue
        dims = {x[i] for x in shapes if x[i] is not None}
        if len(dims) > 1:
            raise Bad(f"Concatenate needs matching shapes except on the concatenation axis; received {', '.join(fmt_shape(x) for x in shapes)}")
    size = None if any(x[a] is None for x in shapes) else sum(x[a] for x in shapes)  # type: ignore[misc]
    out = list(shapes[0])
    out[a] = size
    for i in range(rank):
        if out[i] is None and i != a:
            out[i] = next((x[i] for x in shapes if x[i] is not None), None)
    return Out(tuple(out), 0, 0, "no weights = 0")


def dot(s: Any, c: dict[str, Any]) -> Out:
    if len(s) != 2:
        raise Bad(f"Dot needs exactly 2 inputs, received {len(s)}")
    a, b = s
    axes = c["axes"] if isinstance(c["axes"], tuple) else (c["axes"], c["axes"])
    ra, rb = len(a) + 1, len(b) + 1
    ia, ib = [x % r if x < 0 else x for x, r in zip(axes, (ra, rb))]
    if ia == 0 or ib == 0:
        raise Bad("Dot cannot contract the batch axis")
    if a[ia - 1] is not None and b[ib - 1] is not None and a[ia - 1] != b[ib - 1]:
        raise Bad(f"Dot: dimension {a[ia - 1]} of {fmt_shape(a)} does not match {b[ib - 1]} of {fmt_shape(b)}")
    out = tuple(v for i, v in enumerate(a) if i != ia - 1) + tuple(v for i, v in enumerate(b) if i != ib - 1)
    return Out(out if out else (1,), 0, 0, "no weights = 0")


def mha(s: Any, c: dict[str, Any]) -> Out:
    shapes = list(s)
    query = shapes[0]
    value = shapes[1] if len(shapes) > 1 else query
    key = shapes[2] if len(shapes) > 2 else value
    h, kd = c["num_heads"], c["key_dim"]
    vd = c["value_dim"] or kd
    qd, kdim, vdim = (_known_last(x, "MultiHeadAttention") for x in (query, key, value))
    out_dim = qd if c["output_shape"] is None else c["output_shape"][-1]
    b = c["use_bias"]
    parts = [qd * h * kd + (h * kd if b else 0), kdim * h * kd + (h * kd if b else 0), vdim * h * vd + (h * vd if b else 0),
             h * vd * out_dim + (out_dim if b else 0)]  # fmt: skip
    w = sum(parts)
    shape = query[:-1] + ((out_dim,) if c["output_shape"] is None else tuple(c["output_shape"]))
    return Out(shape, w, 0, f"query {parts[0]} + key {parts[1]} + value {parts[2]} + output {parts[3]} = {w}")


def attention(s: Any, c: dict[str, Any]) -> Out:
    shapes = list(s)
    if len(shapes) < 2:
        raise Bad("Attention needs [query, value] (and optionally key)")
    query, value = shapes[0], shapes[1]
    w = (1 if c["use_scale"] else 0) + (1 if c.get("score_mode") == "concat" else 0)
    return Out(query[:-1] + (value[-1],), w, 0, f"{w} scalar(s) = {w}" if w else "no weights = 0")


def additive_attention(s: Any, c: dict[str, Any]) -> Out:
    shapes = list(s)
    if len(shapes) < 2:
        raise Bad("AdditiveAttention needs [query, value] (and optionally key)")
    query, value = shapes[0], shapes[1]
    w = _known_last(query, "AdditiveAttention") if c["use_scale"] else 0
    return Out(query[:-1] + (value[-1],), w, 0, f"one scale per feature = {w}" if w else "no weights = 0")


def layer_scale(s: Shape, c: dict[str, Any]) -> Out:
    """ConvNeXt's LayerScale (keras.applications.convnext): one gamma per channel."""
    d = c["projection_dim"]
    if s[-1] is not None and s[-1] != d:
        raise Bad(f"LayerScale projection_dim={d} but the input has {s[-1]} channels")
    return Out(s, d, 0, f"gamma {d} = {d}")


def lambda_layer(s: Shape, c: dict[str, Any]) -> Out:
    shape = c["output_shape"]
    if shape is None:
        raise Bad("Lambda: the output shape of a function cannot be read without running it; give output_shape=(...)")
    return Out(tuple(shape), 0, 0, "no weights = 0")


def _kind(name: str, args: str, norm: Mapping[str, Any], defaults: Mapping[str, Any], forward: Any, extras: str = "") -> Kind:
    return Kind(name, tuple(args.split()), dict(norm), dict(defaults), forward, (), "", frozenset(extras.split()) | {"dtype"})


_NONE: dict[str, Any] = {}
EXTRA: dict[str, Kind] = {k.name: k for k in [
    _kind("Add", "", _NONE, {}, merge),
    _kind("Subtract", "", _NONE, {}, subtract),
    _kind("Multiply", "", _NONE, {}, merge),
    _kind("Average", "", _NONE, {}, merge),
    _kind("Maximum", "", _NONE, {}, merge),
    _kind("Minimum", "", _NONE, {}, merge),
    _kind("Concatenate", "axis", {"axis": integer(-9)}, {"axis": -1}, concatenate),
    _kind("Dot", "axes normalize", {"axes": anything, "normalize": boolean}, {"axes": REQUIRED, "normalize": False}, dot),
    _kind("MultiHeadAttention", "num_heads key_dim value_dim dropout use_bias output_shape attention_axes",
          {"num_heads": integer(1), "key_dim": integer(1), "value_dim": optional(integer(1)), "use_bias": boolean,
           "output_shape": optional(int_tuple)},
          {"num_heads": REQUIRED, "key_dim": REQUIRED, "value_dim": None, "use_bias": True, "output_shape": None}, mha,
          "dropout attention_axes kernel_initializer bias_initializer kernel_regularizer bias_regularizer seed flash_attention"),
    _kind("Attention", "use_scale score_mode dropout", {"use_scale": boolean}, {"use_scale": False}, attention, "score_mode dropout seed"),
    _kind("AdditiveAttention", "use_scale dropout", {"use_scale": boolean}, {"use_scale": True}, additive_attention, "dropout"),
    _kind("Lambda", "function output_shape mask arguments", {"output_shape": optional(int_tuple)}, {"output_shape": None}, lambda_layer,
          "function mask arguments"),
    _kind("Identity", "", _NONE, {}, identity),
    _kind("LayerScale", "init_values projection_dim", {"projection_dim": integer(1)}, {"projection_dim": REQUIRED}, layer_scale, "init_values"),
]}  # fmt: skip


def outputs_of(kind: str, raw: Any, kwargs: Mapping[str, Any]) -> int:
    """How many tensors a layer call returns (an RNN with ``return_state``, attention with scores)."""
    kw = raw.kwargs
    if kind in ("LSTM", "GRU", "SimpleRNN") and kw.get("return_state") is True:
        return 3 if kind == "LSTM" else 2
    if kind == "Bidirectional" and raw.args and getattr(raw.args[0], "kwargs", {}).get("return_state") is True:
        return 5 if raw.args[0].kind == "LSTM" else 3
    if kind == "MultiHeadAttention" and kwargs.get("return_attention_scores") is True:
        return 2
    return 1
