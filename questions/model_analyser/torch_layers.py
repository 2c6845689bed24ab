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
          forward: Callable[[Shape, dict[str, Any]], Out] | None = None, ranks: tuple[int, ...] = (), hint: str = "",
          passthrough: frozenset[str] = frozenset(), weights: Callable[[dict[str, Any]], list[tuple[str, int]]] | None = None,
          ) -> Kind:  # fmt: skip
    extras = passthrough | {"inplace", "device", "dtype"}
    return Kind(name, tuple(args.split()), dict(norm), dict(defaults), forward or identity, ranks, hint, extras,
                weights=weights or (lambda c: []), shapes=forward is not None)  # fmt: skip


def _pool_stride(c: dict[str, Any]) -> dict[str, Any]:
    return {**c, "stride": c["stride"] or c["kernel_size"]}


def _w(*pairs: tuple[str, int, bool]) -> list[tuple[str, int]]:
    return [(n, v) for n, v, on in pairs if on]


def _conv_weights(c: dict[str, Any]) -> list[tuple[str, int]]:
    k = math.prod(c["kernel_size"])
    if c.get("transposed"):
        w = c["in_channels"] * (c["out_channels"] // c["groups"]) * k
    else:
        w = (c["in_channels"] // c["groups"]) * c["out_channels"] * k
    return _w(("weight", w, True), ("bias", c["out_channels"], c["bias"]))


def conv_transpose(s: Shape, c: dict[str, Any]) -> Out:
    cin, cout, k = c["in_channels"], c["out_channels"], c["kernel_size"]
    _check(s, 0, cin, "in_channels", "channels")
    spatial = tuple(
        None if n is None else (n - 1) * st - 2 * p + d * (kk - 1) + op + 1
        for n, st, p, d, kk, op in zip(s[1:], c["stride"], c["padding"], c["dilation"], k, c["output_padding"])
    )
    if any(v is not None and v < 1 for v in spatial):
        raise Bad(f"the output size {spatial} is not positive (input shape {fmt_shape(s)})")
    w = sum(n for _, n in _conv_weights(c))
    return Out((cout,) + spatial, w, 0, f"{cin}*{cout // c['groups']}*{'*'.join(map(str, k))}" + (f" + {cout}" if c["bias"] else "") + f" = {w}")


def _rnn_weights(gates: int) -> Callable[[dict[str, Any]], list[tuple[str, int]]]:
    def weights(c: dict[str, Any]) -> list[tuple[str, int]]:
        h, dirs, proj = c["hidden_size"], 2 if c["bidirectional"] else 1, c.get("proj_size", 0)
        out_size = proj or h
        if proj and proj >= h:
            raise Bad(f"proj_size ({proj}) must be smaller than hidden_size ({h})")
        found = []
        for layer in range(c["num_layers"]):
            n_in = c["input_size"] if layer == 0 else out_size * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                found += [(f"weight_ih{sfx}", gates * h * n_in), (f"weight_hh{sfx}", gates * h * out_size)]
                if c["bias"]:
                    found += [(f"bias_ih{sfx}", gates * h), (f"bias_hh{sfx}", gates * h)]
                if proj:
                    found.append((f"weight_hr{sfx}", proj * h))
        return found

    return weights


def _cell_weights(gates: int) -> Callable[[dict[str, Any]], list[tuple[str, int]]]:
    def weights(c: dict[str, Any]) -> list[tuple[str, int]]:
        h, n_in = c["hidden_size"], c["input_size"]
        return _w(("weight_ih", gates * h * n_in, True), ("weight_hh", gates * h * h, True), ("bias_ih", gates * h, c["bias"]),
                  ("bias_hh", gates * h, c["bias"]))  # fmt: skip

    return weights


def mha_weights(c: dict[str, Any]) -> list[tuple[str, int]]:
    e = c["embed_dim"]
    if e % c["num_heads"]:
        raise Bad(f"embed_dim ({e}) must be divisible by num_heads ({c['num_heads']})")
    kdim, vdim = c["kdim"] or e, c["vdim"] or e
    same = kdim == e and vdim == e
    found = [("in_proj_weight", 3 * e * e)] if same else [("q_proj_weight", e * e), ("k_proj_weight", e * kdim), ("v_proj_weight", e * vdim)]
    found += _w(("in_proj_bias", 3 * e, c["bias"]), ("bias_k", e, c["add_bias_kv"]), ("bias_v", e, c["add_bias_kv"]),
                ("out_proj.weight", e * e, True), ("out_proj.bias", e, c["bias"]))  # fmt: skip
    return found


def _mha(e: int, bias: bool) -> list[tuple[str, int]]:
    return mha_weights({"embed_dim": e, "num_heads": 1, "kdim": None, "vdim": None, "bias": bias, "add_bias_kv": False})


def encoder_layer_weights(c: dict[str, Any]) -> list[tuple[str, int]]:
    d, ff, b = c["d_model"], c["dim_feedforward"], c["bias"]
    if d % c["nhead"]:
        raise Bad(f"d_model ({d}) must be divisible by nhead ({c['nhead']})")
    found = [(f"self_attn.{n}", v) for n, v in _mha(d, b)]
    found += _w(("linear1.weight", d * ff, True), ("linear1.bias", ff, b), ("linear2.weight", ff * d, True), ("linear2.bias", d, b))
    for norm in ("norm1", "norm2") + (("norm3",) if c.get("decoder") else ()):
        found += _w((f"{norm}.weight", d, True), (f"{norm}.bias", d, b))
    if c.get("decoder"):
        found += [(f"multihead_attn.{n}", v) for n, v in _mha(d, b)]
    return found


def layer_norm_weights(c: dict[str, Any]) -> list[tuple[str, int]]:
    n = math.prod(c["normalized_shape"])
    return _w(("weight", n, c["elementwise_affine"]), ("bias", n, c["elementwise_affine"] and c["bias"]))


def upsample(s: Shape, c: dict[str, Any]) -> Out:
    if c["size"] is not None:
        size = c["size"] if isinstance(c["size"], tuple) else (c["size"],) * (len(s) - 1)
        return Out((s[0],) + tuple(size), 0, 0, "no weights = 0")
    f = c["scale_factor"]
    fs = f if isinstance(f, tuple) else (f,) * (len(s) - 1)
    if fs is None or not all(isinstance(v, int | float) for v in fs):
        raise Bad("Upsample needs size or scale_factor")
    return Out((s[0],) + tuple(None if n is None else int(math.floor(n * v)) for n, v in zip(s[1:], fs)), 0, 0, "no weights = 0")


def _kinds() -> list[Kind]:
    kinds: list[Kind] = []
    for n in (1, 2, 3):
        hint = {1: "(channels, length)", 2: "(channels, height, width)", 3: "(channels, depth, height, width)"}[n]
        conv_norm = {"in_channels": _pos, "out_channels": _pos, "kernel_size": sizes(n), "stride": sizes(n), "padding": _padding(n),
                     "dilation": sizes(n), "groups": _pos, "bias": boolean}  # fmt: skip
        conv_def = {"in_channels": REQUIRED, "out_channels": REQUIRED, "kernel_size": REQUIRED, "stride": (1,) * n,
                    "padding": (0,) * n, "dilation": (1,) * n, "groups": 1, "bias": True}  # fmt: skip
        kinds.append(_kind(
            f"Conv{n}d", "in_channels out_channels kernel_size stride padding dilation groups bias padding_mode",
            conv_norm, conv_def, conv, (n + 1,), hint, frozenset({"padding_mode"}), _conv_weights))  # fmt: skip
        kinds.append(dataclasses.replace(_kind(
            f"ConvTranspose{n}d", "in_channels out_channels kernel_size stride padding output_padding groups bias dilation padding_mode",
            {**conv_norm, "padding": sizes(n, lo=0), "output_padding": sizes(n, lo=0)}, {**conv_def, "output_padding": (0,) * n},
            conv_transpose, (n + 1,), hint, frozenset({"padding_mode"}),
            lambda c: _conv_weights({**c, "transposed": True}))))  # fmt: skip
        pool_norm = {"kernel_size": sizes(n), "stride": optional(sizes(n)), "padding": sizes(n, lo=0), "ceil_mode": boolean}
        pool_def = {"kernel_size": REQUIRED, "stride": None, "padding": (0,) * n, "ceil_mode": False}
        kinds.append(dataclasses.replace(_kind(
            f"MaxPool{n}d", "kernel_size stride padding dilation return_indices ceil_mode",
            {**pool_norm, "dilation": sizes(n)}, {**pool_def, "dilation": (1,) * n}, pool, (n + 1,), hint,
            frozenset({"return_indices"})), complete=_pool_stride))  # fmt: skip
        kinds.append(dataclasses.replace(_kind(
            f"AvgPool{n}d", "kernel_size stride padding ceil_mode count_include_pad divisor_override",
            pool_norm, pool_def, pool, (n + 1,), hint, frozenset({"count_include_pad", "divisor_override"})), complete=_pool_stride))
        for op in ("Avg", "Max"):
            kinds.append(_kind(f"Adaptive{op}Pool{n}d", "output_size return_indices", {"output_size": _adaptive(n)}, {"output_size": REQUIRED},
                               adaptive_pool, (n + 1,), hint, frozenset({"return_indices"})))  # fmt: skip
        kinds.append(_kind(f"BatchNorm{n}d", "num_features eps momentum affine track_running_stats",
                           {"num_features": _pos, "eps": number(0), "momentum": optional(number(0, 1)), "affine": boolean},
                           {"num_features": REQUIRED, "eps": 1e-5, "momentum": 0.1, "affine": True},
                           batch_norm, (1, 2) if n == 1 else (n + 1,), hint, frozenset({"track_running_stats"}),
                           lambda c: _w(("weight", c["num_features"], c["affine"]), ("bias", c["num_features"], c["affine"]))))
        kinds.append(_kind(f"InstanceNorm{n}d", "num_features eps momentum affine track_running_stats",
                           {"num_features": _pos, "affine": boolean}, {"num_features": REQUIRED, "affine": False},
                           identity, (), hint, frozenset({"track_running_stats", "eps", "momentum"}),
                           lambda c: _w(("weight", c["num_features"], c["affine"]), ("bias", c["num_features"], c["affine"]))))
        kinds.append(_kind(f"Dropout{n}d", "p inplace", {"p": number(0, 1.0000001)}, {"p": 0.5}, identity))
        kinds.append(_kind(f"LazyConv{n}d", "out_channels kernel_size", {}, {}, None, passthrough=frozenset({"out_channels", "kernel_size"}),
                           weights=_lazy))  # fmt: skip
    rate = {"p": number(0, 1.0000001)}
    simple = {
        "ReLU": "inplace", "ReLU6": "inplace", "Sigmoid": "", "Tanh": "", "GELU": "approximate", "SiLU": "inplace", "Mish": "inplace",
        "Identity": "", "ELU": "alpha inplace", "SELU": "inplace", "CELU": "alpha inplace", "Hardswish": "inplace",
        "Hardsigmoid": "inplace", "Hardtanh": "min_val max_val inplace", "Softplus": "beta threshold", "Softsign": "",
        "Tanhshrink": "", "Softshrink": "lambd", "Hardshrink": "lambd", "LogSigmoid": "", "Threshold": "threshold value inplace",
        "Softmin": "dim", "Softmax2d": "", "AlphaDropout": "p inplace", "FeatureAlphaDropout": "p inplace",
        "ZeroPad2d": "padding", "ConstantPad1d": "padding value", "ConstantPad2d": "padding value", "ReflectionPad1d": "padding",
        "ReflectionPad2d": "padding", "ReplicationPad1d": "padding", "ReplicationPad2d": "padding",
        "LocalResponseNorm": "size alpha beta k", "PixelShuffle": "upscale_factor", "PixelUnshuffle": "downscale_factor",
        "ChannelShuffle": "groups", "Unflatten": "dim unflattened_size", "CosineSimilarity": "dim eps", "PairwiseDistance": "p eps keepdim",
        "CrossEntropyLoss": "weight ignore_index reduction label_smoothing", "MSELoss": "reduction", "NLLLoss": "weight ignore_index reduction",
        "BCELoss": "weight reduction", "BCEWithLogitsLoss": "weight reduction pos_weight", "L1Loss": "reduction",
        "SmoothL1Loss": "reduction beta", "HuberLoss": "reduction delta", "KLDivLoss": "reduction log_target",
        "Dropout1d": "p inplace", "UpsamplingNearest2d": "size scale_factor", "UpsamplingBilinear2d": "size scale_factor",
        "Unfold": "kernel_size dilation padding stride", "GLU": "dim", "Fold": "output_size kernel_size dilation padding stride",
    }  # fmt: skip
    shaped = {"ReLU", "ReLU6", "Sigmoid", "Tanh", "GELU", "SiLU", "Mish", "Identity", "ELU", "SELU", "CELU", "Hardswish", "Hardsigmoid",
              "Hardtanh", "Softplus", "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "LogSigmoid", "Threshold", "Softmin",
              "Softmax2d", "AlphaDropout", "FeatureAlphaDropout", "LocalResponseNorm", "Dropout1d"}  # fmt: skip
    known = {k.name for k in kinds}
    kinds += [_kind(k, a, {}, {}, identity if k in shaped else None, passthrough=frozenset(a.split())) for k, a in simple.items() if k not in known]
    rnn_norm = {"input_size": _pos, "hidden_size": _pos, "num_layers": _pos, "bias": boolean, "bidirectional": boolean}
    rnn_def = {"input_size": REQUIRED, "hidden_size": REQUIRED, "num_layers": 1, "bias": True, "bidirectional": False}
    rnn_extra = frozenset({"batch_first", "dropout", "nonlinearity"})
    cell_norm = {"input_size": _pos, "hidden_size": _pos, "bias": boolean}
    cell_def = {"input_size": REQUIRED, "hidden_size": REQUIRED, "bias": True}
    kinds += [
        _kind("Linear", "in_features out_features bias", {"in_features": _pos, "out_features": _pos, "bias": boolean},
              {"in_features": REQUIRED, "out_features": REQUIRED, "bias": True}, linear,
              weights=lambda c: _w(("weight", c["in_features"] * c["out_features"], True), ("bias", c["out_features"], c["bias"]))),
        _kind("LazyLinear", "out_features bias", {}, {}, None, passthrough=frozenset({"out_features", "bias"}), weights=_lazy),
        _kind("Bilinear", "in1_features in2_features out_features bias",
              {"in1_features": _pos, "in2_features": _pos, "out_features": _pos, "bias": boolean},
              {"in1_features": REQUIRED, "in2_features": REQUIRED, "out_features": REQUIRED, "bias": True}, None,
              weights=lambda c: _w(("weight", c["in1_features"] * c["in2_features"] * c["out_features"], True), ("bias", c["out_features"], c["bias"]))),
        _kind("Flatten", "start_dim end_dim", {"start_dim": integer(-9), "end_dim": integer(-9)}, {"start_dim": 1, "end_dim": -1}, torch_flatten),
        _kind("Dropout", "p inplace", rate, {"p": 0.5}, identity),
        _kind("LeakyReLU", "negative_slope inplace", {"negative_slope": number(0)}, {"negative_slope": 0.01}, identity),
        _kind("PReLU", "num_parameters init", {"num_parameters": _pos}, {"num_parameters": 1}, identity, passthrough=frozenset({"init"}),
              weights=lambda c: [("weight", c["num_parameters"])]),
        _kind("Softmax", "dim", {"dim": optional(integer(-9))}, {"dim": None}, identity),
        _kind("LogSoftmax", "dim", {"dim": optional(integer(-9))}, {"dim": None}, identity),
        _kind("Embedding", "num_embeddings embedding_dim padding_idx max_norm norm_type scale_grad_by_freq sparse",
              {"num_embeddings": _pos, "embedding_dim": _pos}, {"num_embeddings": REQUIRED, "embedding_dim": REQUIRED}, embedding,
              passthrough=frozenset({"padding_idx", "max_norm", "norm_type", "scale_grad_by_freq", "sparse", "_weight", "_freeze"}),
              weights=lambda c: [("weight", c["num_embeddings"] * c["embedding_dim"])]),
        _kind("EmbeddingBag", "num_embeddings embedding_dim max_norm norm_type scale_grad_by_freq mode",
              {"num_embeddings": _pos, "embedding_dim": _pos}, {"num_embeddings": REQUIRED, "embedding_dim": REQUIRED}, None,
              passthrough=frozenset({"max_norm", "norm_type", "scale_grad_by_freq", "mode", "sparse", "padding_idx", "include_last_offset"}),
              weights=lambda c: [("weight", c["num_embeddings"] * c["embedding_dim"])]),
        _kind("LayerNorm", "normalized_shape eps elementwise_affine bias", {"normalized_shape": sizes_any, "elementwise_affine": boolean, "bias": boolean},
              {"normalized_shape": REQUIRED, "elementwise_affine": True, "bias": True}, identity, passthrough=frozenset({"eps"}),
              weights=layer_norm_weights),
        _kind("RMSNorm", "normalized_shape eps elementwise_affine", {"normalized_shape": sizes_any, "elementwise_affine": boolean},
              {"normalized_shape": REQUIRED, "elementwise_affine": True}, identity, passthrough=frozenset({"eps"}),
              weights=lambda c: _w(("weight", math.prod(c["normalized_shape"]), c["elementwise_affine"]))),
        _kind("GroupNorm", "num_groups num_channels eps affine", {"num_groups": _pos, "num_channels": _pos, "affine": boolean},
              {"num_groups": REQUIRED, "num_channels": REQUIRED, "affine": True}, identity, passthrough=frozenset({"eps"}),
              weights=lambda c: _w(("weight", c["num_channels"], c["affine"]), ("bias", c["num_channels"], c["affine"]))),
        _kind("RNN", "input_size hidden_size num_layers nonlinearity bias batch_first dropout bidirectional", rnn_norm, rnn_def, None,
              passthrough=rnn_extra, weights=_rnn_weights(1)),
        _kind("LSTM", "input_size hidden_size num_layers bias batch_first dropout bidirectional proj_size",
              {**rnn_norm, "proj_size": integer(0)}, {**rnn_def, "proj_size": 0}, None, passthrough=rnn_extra, weights=_rnn_weights(4)),
        _kind("GRU", "input_size hidden_size num_layers bias batch_first dropout bidirectional", rnn_norm, rnn_def, None,
              passthrough=rnn_extra, weights=_rnn_weights(3)),
        _kind("RNNCell", "input_size hidden_size bias nonlinearity", cell_norm, cell_def, None, passthrough=frozenset({"nonlinearity"}),
              weights=_cell_weights(1)),
        _kind("LSTMCell", "input_size hidden_size bias", cell_norm, cell_def, None, weights=_cell_weights(4)),
        _kind("GRUCell", "input_size hidden_size bias", cell_norm, cell_def, None, weights=_cell_weights(3)),
        _kind("MultiheadAttention", "embed_dim num_heads dropout bias add_bias_kv add_zero_attn kdim vdim batch_first",
              {"embed_dim": _pos, "num_heads": _pos, "bias": boolean, "add_bias_kv": boolean, "kdim": optional(_pos), "vdim": optional(_pos)},
              {"embed_dim": REQUIRED, "num_heads": REQUIRED, "bias": True, "add_bias_kv": False, "kdim": None, "vdim": None}, None,
              passthrough=frozenset({"dropout", "add_zero_attn", "batch_first"}), weights=mha_weights),
        _kind("Upsample", "size scale_factor mode align_corners recompute_scale_factor", {"size": optional(anything), "scale_factor": optional(anything)},
              {"size": None, "scale_factor": None}, upsample, passthrough=frozenset({"mode", "align_corners", "recompute_scale_factor"})),
    ]  # fmt: skip
    layer_args = "d_model nhead dim_feedforward dropout activation layer_norm_eps batch_first norm_first bias"
    layer_norm = {"d_model": _pos, "nhead": _pos, "dim_feedforward": _pos, "bias": boolean}
    layer_def = {"d_model": REQUIRED, "nhead": REQUIRED, "dim_feedforward": 2048, "bias": True}
    extra = frozenset({"dropout", "activation", "layer_norm_eps", "batch_first", "norm_first"})
    kinds.append(_kind("TransformerEncoderLayer", layer_args, layer_norm, layer_def, None, passthrough=extra, weights=encoder_layer_weights))
    kinds.append(_kind("TransformerDecoderLayer", layer_args, layer_norm, layer_def, None, passthrough=extra,
                       weights=lambda c: encoder_layer_weights({**c, "decoder": True})))
    kinds.append(_kind("Transformer", "d_model nhead num_encoder_layers num_decoder_layers dim_feedforward dropout activation "
                       "custom_encoder custom_decoder layer_norm_eps batch_first norm_first bias",
                       {**layer_norm, "num_encoder_layers": integer(0), "num_decoder_layers": integer(0)},
                       {"d_model": 512, "nhead": 8, "num_encoder_layers": 6, "num_decoder_layers": 6, "dim_feedforward": 2048, "bias": True},
                       None, passthrough=extra, weights=transformer_weights))  # fmt: skip
    return kinds


def transformer_weights(c: dict[str, Any]) -> list[tuple[str, int]]:
    d, b = c["d_model"], c["bias"]
    found = []
    for i in range(c["num_encoder_layers"]):
        found += [(f"encoder.layers.{i}.{n}", v) for n, v in encoder_layer_weights(c)]
    found += _w(("encoder.norm.weight", d, True), ("encoder.norm.bias", d, b))
    for i in range(c["num_decoder_layers"]):
        found += [(f"decoder.layers.{i}.{n}", v) for n, v in encoder_layer_weights({**c, "decoder": True})]
    found += _w(("decoder.norm.weight", d, True), ("decoder.norm.bias", d, b))
    return found


def _lazy(c: dict[str, Any]) -> list[tuple[str, int]]:
    raise Bad("lazy modules get their sizes from the first batch: give in_features / in_channels (nn.Linear, nn.Conv2d)")


def sizes_any(value: Any, key: str) -> tuple[int, ...]:
    value = anything(value, key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, tuple | list) or not value:
        raise Bad(f"argument '{key}': expected an int or a tuple of sizes, received {value!r}")
    return tuple(integer(1)(v, key) for v in value)


def _adaptive(n: int) -> Normaliser:
    def norm(value: Any, key: str) -> tuple[Any, ...]:
        value = anything(value, key)
        if value is None or isinstance(value, int):
            return (value,) * n
        if isinstance(value, tuple | list) and len(value) == n:
            return tuple(v if v is None else integer(1)(v, key) for v in value)
        raise Bad(f"argument '{key}': expected an int or {n} ints, received {value!r}")

    return norm


KINDS: dict[str, Kind] = {k.name: k for k in _kinds()}
