"""PyTorch module kinds (channels first): arguments, output shape and parameter counts.

Same contract as :mod:`nnexam.questions.model_analyser.layers`, with PyTorch's argument names and
semantics: integer padding on each side, pooling ``ceil_mode``, ``in_features`` /
``in_channels`` / ``num_features`` checked against the actual input. Batch-norm running
statistics are buffers, not parameters (``parameters()`` does not count them).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

from nnexam.questions.conv_arith import conv_out, effective_kernel
from nnexam.questions.model_analyser.layers import REQUIRED, Kind, Out, Shape, flatten, fmt_shape, identity
from nnexam.questions.model_analyser.values import (
    Bad,
    Normaliser,
    anything,
    boolean,
    integer,
    number,
    optional,
    sizes,
)

_pos = integer(1)


def _padding(n: int) -> Normaliser:
    ints = sizes(n, lo=0)

    def norm(value: Any, key: str) -> Any:
        value = anything(value, key)
        if isinstance(value, str):
            if value not in ("same", "valid"):
                raise Bad(f"argument '{key}': expected an int, {n} ints, 'same' or 'valid', received {value!r}")
            return value
        return ints(value, key)

    return norm


def _check(s: Shape, axis: int, expected: int, key: str, what: str) -> None:
    if s[axis] != expected:
        raise Bad(f"{key}={expected} but the input has {s[axis]} {what} (input shape {fmt_shape(s)})")


def linear(s: Shape, c: dict[str, Any]) -> Out:
    n_in, n_out = c["in_features"], c["out_features"]
    _check(s, -1, n_in, "in_features", "features")
    w = n_in * n_out + (n_out if c["bias"] else 0)
    f = f"({n_in} + 1)*{n_out}" if c["bias"] else f"{n_in}*{n_out}"
    return Out(s[:-1] + (n_out,), w, 0, f"{f} = {w}")


def _window(s: Shape, c: dict[str, Any], kernel: tuple[int, ...], what: str, ceil_mode: bool = False) -> Shape:
    stride, dil, pad = c["stride"], c.get("dilation", (1,) * len(kernel)), c["padding"]
    spatial = s[1:]
    if pad == "same":
        if any(st != 1 for st in stride):
            raise Bad(f"padding='same' needs stride 1 in PyTorch, received stride={stride}")
        return spatial
    pads = (0,) * len(kernel) if pad == "valid" else pad
    spans = tuple(effective_kernel(k, d) for k, d in zip(kernel, dil))
    if any(n is not None and sp > n + 2 * p for n, sp, p in zip(spatial, spans, pads)):
        raise Bad(f"{what} {'x'.join(map(str, spans))} is larger than its padded input {fmt_shape(s)} (padding {pads})")
    return tuple(conv_out(n, k, st, p, d, ceil_mode=ceil_mode) for n, k, st, p, d in zip(spatial, kernel, stride, pads, dil))


def conv(s: Shape, c: dict[str, Any]) -> Out:
    cin, cout, groups, k = c["in_channels"], c["out_channels"], c["groups"], c["kernel_size"]
    _check(s, 0, cin, "in_channels", "channels")
    if cin % groups or cout % groups:
        raise Bad(f"in_channels ({cin}) and out_channels ({cout}) must both be divisible by groups ({groups})")
    out = (cout,) + _window(s, c, k, "kernel")
    fan = "*".join(str(v) for v in (*k, cin // groups))
    w = math.prod(k) * (cin // groups) * cout + (cout if c["bias"] else 0)
    f = f"({fan} + 1)*{cout}" if c["bias"] else f"{fan}*{cout}"
    return Out(out, w, 0, f"{f} = {w}")


def pool(s: Shape, c: dict[str, Any]) -> Out:
    k = c["kernel_size"]
    if any(2 * p > kk for p, kk in zip(c["padding"], k)):
        raise Bad(f"pad should be at most half of the kernel size (PyTorch), received padding={c['padding']}, kernel_size={k}")
    return Out((s[0],) + _window(s, c, k, "pool window", c["ceil_mode"]), 0, 0, "no weights = 0")


def adaptive_pool(s: Shape, c: dict[str, Any]) -> Out:
    size = c["output_size"]
    return Out((s[0],) + tuple(n if o is None else o for n, o in zip(s[1:], size)), 0, 0, "no weights = 0")


def batch_norm(s: Shape, c: dict[str, Any]) -> Out:
    ch = c["num_features"]
    _check(s, 0, ch, "num_features", "channels")
    w = 2 * ch if c["affine"] else 0
    return Out(s, w, 0, f"2*{ch} (weight, bias; running mean and variance are buffers) = {w}" if w else "affine=False: 0")


def torch_flatten(s: Shape, c: dict[str, Any]) -> Out:
    full = len(s) + 1
    start, end = c["start_dim"] % full, c["end_dim"] % full
    if start == 0:
        raise Bad("Flatten(start_dim=0) would merge the batch dimension; the analyser keeps the batch apart")
    if start > end:
        raise Bad(f"start_dim {c['start_dim']} comes after end_dim {c['end_dim']} for input shape {fmt_shape(s)}")
    inner = s[start - 1 : end]
    merged = flatten(inner, {})
    return Out(s[: start - 1] + merged.shape + s[end:], 0, 0, merged.formula)


def embedding(s: Shape, c: dict[str, Any]) -> Out:
    w = c["num_embeddings"] * c["embedding_dim"]
    return Out(s + (c["embedding_dim"],), w, 0, f"{c['num_embeddings']}*{c['embedding_dim']} = {w}")


def _kind(name: str, args: str, norm: Mapping[str, Normaliser], defaults: Mapping[str, Any],
          forward: Callable[[Shape, dict[str, Any]], Out], ranks: tuple[int, ...] = (), hint: str = "",
          passthrough: frozenset[str] = frozenset()) -> Kind:  # fmt: skip
    return Kind(name, tuple(args.split()), dict(norm), dict(defaults), forward, ranks, hint, passthrough | {"inplace"})


def _pool_stride(c: dict[str, Any]) -> dict[str, Any]:
    return {**c, "stride": c["stride"] or c["kernel_size"]}


def _kinds() -> list[Kind]:
    kinds: list[Kind] = []
    for n in (1, 2):
        hint = "(channels, length)" if n == 1 else "(channels, height, width)"
        kinds.append(_kind(
            f"Conv{n}d", "in_channels out_channels kernel_size stride padding dilation groups bias padding_mode",
            {"in_channels": _pos, "out_channels": _pos, "kernel_size": sizes(n), "stride": sizes(n), "padding": _padding(n),
             "dilation": sizes(n), "groups": _pos, "bias": boolean},
            {"in_channels": REQUIRED, "out_channels": REQUIRED, "kernel_size": REQUIRED, "stride": (1,) * n,
             "padding": (0,) * n, "dilation": (1,) * n, "groups": 1, "bias": True},
            conv, (n + 1,), hint, frozenset({"padding_mode", "device", "dtype"})))  # fmt: skip
        pool_norm = {"kernel_size": sizes(n), "stride": optional(sizes(n)), "padding": sizes(n, lo=0), "ceil_mode": boolean}
        pool_def = {"kernel_size": REQUIRED, "stride": None, "padding": (0,) * n, "ceil_mode": False}
        kinds.append(dataclasses.replace(_kind(
            f"MaxPool{n}d", "kernel_size stride padding dilation return_indices ceil_mode",
            {**pool_norm, "dilation": sizes(n)}, {**pool_def, "dilation": (1,) * n}, pool, (n + 1,), hint), complete=_pool_stride))
        kinds.append(dataclasses.replace(_kind(
            f"AvgPool{n}d", "kernel_size stride padding ceil_mode count_include_pad divisor_override",
            pool_norm, pool_def, pool, (n + 1,), hint, frozenset({"count_include_pad", "divisor_override"})), complete=_pool_stride))
        for op in ("Avg", "Max"):
            kinds.append(_kind(f"Adaptive{op}Pool{n}d", "output_size", {"output_size": sizes(n)}, {"output_size": REQUIRED},
                               adaptive_pool, (n + 1,), hint))
        kinds.append(_kind(f"BatchNorm{n}d", "num_features eps momentum affine track_running_stats",
                           {"num_features": _pos, "eps": number(0), "momentum": optional(number(0, 1)), "affine": boolean},
                           {"num_features": REQUIRED, "eps": 1e-5, "momentum": 0.1, "affine": True},
                           batch_norm, (1, 2) if n == 1 else (3,), hint, frozenset({"track_running_stats"})))
        kinds.append(_kind(f"Dropout{n}d" if n == 2 else "Dropout1d", "p inplace", {"p": number(0, 1)}, {"p": 0.5}, identity))
    rate = {"p": number(0, 1)}
    simple = {"ReLU": "inplace", "Sigmoid": "", "Tanh": "", "GELU": "approximate", "SiLU": "inplace", "Identity": "", "ELU": "alpha inplace"}
    kinds += [_kind(k, a, {}, {}, identity, passthrough=frozenset(a.split())) for k, a in simple.items()]
    kinds += [
        _kind("Linear", "in_features out_features bias", {"in_features": _pos, "out_features": _pos, "bias": boolean},
              {"in_features": REQUIRED, "out_features": REQUIRED, "bias": True}, linear, passthrough=frozenset({"device", "dtype"})),
        _kind("Flatten", "start_dim end_dim", {"start_dim": integer(-9), "end_dim": integer(-9)}, {"start_dim": 1, "end_dim": -1}, torch_flatten),
        _kind("Dropout", "p inplace", rate, {"p": 0.5}, identity),
        _kind("LeakyReLU", "negative_slope inplace", {"negative_slope": number(0)}, {"negative_slope": 0.01}, identity),
        _kind("Softmax", "dim", {"dim": optional(integer(-9))}, {"dim": None}, identity),
        _kind("LogSoftmax", "dim", {"dim": optional(integer(-9))}, {"dim": None}, identity),
        _kind("Embedding", "num_embeddings embedding_dim padding_idx", {"num_embeddings": _pos, "embedding_dim": _pos},
              {"num_embeddings": REQUIRED, "embedding_dim": REQUIRED}, embedding, passthrough=frozenset({"padding_idx"})),
    ]  # fmt: skip
    return kinds


KINDS: dict[str, Kind] = {k.name: k for k in _kinds()}
