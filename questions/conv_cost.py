"""The cost of one 2-D convolution layer: output shape, parameters, multiply-accumulates (MACs),
FLOPs and the bytes of its output, as PyTorch counts them.

A filter sees ``C / groups`` input channels over a ``kh x kw`` window, so each output value costs
``(C / groups) kh kw`` MACs. FLOPs are 2 x MACs (one multiply and one add per MAC), as
``torch.utils.flop_counter.FlopCounterMode`` counts a convolution; the bias additions are left out
of both (FlopCounterMode leaves them out too) but its values are parameters. Pure integers.
"""

from __future__ import annotations

import dataclasses
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nnexam.questions import doc
from nnexam.questions.conv_arith import conv_out
from nnexam.questions.conv_output_size import _PADDING, _WINDOW, _pair, _pick, size_formula
from nnexam.questions.doc import op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, OneOf, Param, PartSpec

TYPE_ID = "conv-cost"
SUMMARY = "Cost of a conv layer: output shape, parameters, MACs, FLOPs (2 x MACs) and output bytes"

MAX_SIZE = 10**5  # height, width, channels, filters

PARAMS = (
    Param("input", ListOf(Integer(min=1, max=MAX_SIZE), min_len=3, max_len=3), help="input shape [H, W, C] (channels last)"),
    Param("filters", Integer(min=1, max=MAX_SIZE), help="output channels (number of filters)"),
    Param("kernel", _WINDOW, help="kernel size k, or [kh, kw]"),
    Param("stride", _WINDOW, default=1, help="stride s, or [sh, sw]"),
    Param("padding", _PADDING, default=0, help="zeros on each side (int or [ph, pw]), 'same' or 'valid' (Keras)"),
    Param("dilation", _WINDOW, default=1, help="dilation rate"),
    Param("groups", Integer(min=1, max=MAX_SIZE), default=1, help="groups (C for a depthwise convolution)"),
    Param("bias", Boolean(), default=True, help="the layer has a bias (one per filter)"),
    Param("bytes_per_value", Integer(min=1, max=16), default=4, help="bytes per stored value (4: float32)"),
)
PARTS = (
    PartSpec("output_shape", "shape", "[H', W', filters]"),
    PartSpec("params", "integer", "weights and biases: filters (C/groups) kh kw (+ filters)"),
    PartSpec("macs", "integer", "multiply-accumulates: H' W' filters (C/groups) kh kw"),
    PartSpec("flops", "integer", "floating-point operations: 2 x MACs (bias additions not counted)"),
    PartSpec("output_bytes", "integer", "bytes of the output: H' W' filters x bytes_per_value"),
)
OPTIONS = (
    Param("sizes", ListOf(Integer(min=1, max=MAX_SIZE)), default=(8, 14, 16, 28, 32, 56, 64), help="input heights/widths drawn (square)"),
    Param("channels", ListOf(Integer(min=1, max=MAX_SIZE)), default=(1, 3, 8, 16, 32, 64), help="input channels drawn"),
    Param("filters", ListOf(Integer(min=1, max=MAX_SIZE)), default=(8, 16, 32, 64, 128), help="filter counts drawn"),
    Param("kernels", ListOf(Integer(min=1, max=15)), default=(1, 3, 5, 7), help="kernel sizes drawn"),
    Param("strides", ListOf(Integer(min=1, max=8)), default=(1, 1, 2), help="strides drawn"),
    Param("paddings", ListOf(OneOf(Integer(min=0, max=8), Choice("same", "valid"))), default=(0, 1, "same", "valid"),
          help="paddings drawn"),
    Param("groups", Choice("never", "sometimes", "always"), default="sometimes",
          help="grouped and depthwise convolutions: never, sometimes (a third of the draws) or always"),
    Param("bias", Choice("true", "false", "either"), default="either", help="layers with a bias"),
    Param("bytes", ListOf(Integer(min=1, max=16)), default=(4,), help="bytes per value drawn (2: float16, 1: int8)"),
)

Window = int | tuple[int, int]


@dataclass(frozen=True)
class Params:
    input: tuple[int, int, int]
    filters: int
    kernel: Window
    stride: Window = 1
    padding: int | tuple[int, int] | str = 0
    dilation: Window = 1
    groups: int = 1
    bias: bool = True
    bytes_per_value: int = 4

    def __post_init__(self) -> None:
        for name in ("input", "kernel", "stride", "padding", "dilation"):
            object.__setattr__(self, name, _pair(getattr(self, name)))
        if not isinstance(self.input, tuple) or len(self.input) != 3:
            raise ParamError("input", "[H, W, C]: three positive integers", self.input)
        c = self.input[2]
        if c % self.groups or self.filters % self.groups:
            raise ParamError(
                "groups",
                f"a divisor of both the input channels C={c} and filters={self.filters} (each group maps C/groups "
                "channels to filters/groups filters)",
                self.groups,
            )
        spatial(self)  # raises when the kernel does not fit

    @property
    def channels_per_group(self) -> int:
        return self.input[2] // self.groups

    def axis(self, i: int) -> tuple[int, int, int | str, int]:
        """(kernel, stride, padding, dilation) along axis i (0: height, 1: width)."""
        return _pick(self.kernel, i), _pick(self.stride, i), _pick(self.padding, i), _pick(self.dilation, i)

    @property
    def window(self) -> int:
        """kh kw."""
        return _pick(self.kernel, 0) * _pick(self.kernel, 1)


def spatial(p: Params) -> tuple[int, int]:
    """(H', W'), as Keras and PyTorch compute them (floor; 'same' gives ceil(n / s))."""
    out = []
    for ax in range(2):
        k, s, pad, d = p.axis(ax)
        out.append(conv_out(p.input[ax], k, s, pad, d, param="kernel"))
    return out[0], out[1]


def _parts(p: Params, *, cin: int | None = None, hw: tuple[int, int] | None = None, bias_flops: bool = False,
           bias_params: bool | None = None) -> dict[str, Any]:
    """Every part; the keywords let a mistaken solver change one ingredient."""
    h, w = hw or spatial(p)
    cin = p.channels_per_group if cin is None else cin
    per_output = cin * p.window
    macs = h * w * p.filters * per_output
    with_bias = p.bias if bias_params is None else bias_params
    oh, ow = spatial(p)
    return {
        "output_shape": (oh, ow, p.filters),
        "params": p.filters * per_output + (p.filters if with_bias else 0),
        "macs": macs,
        "flops": 2 * macs + (h * w * p.filters if bias_flops else 0),
        "output_bytes": oh * ow * p.filters * p.bytes_per_value,
    }


def _dim(v: Any) -> str:
    return f"{v[0]}×{v[1]}" if isinstance(v, tuple) else str(v)


def _describe(p: Params) -> str:
    pad = f"'{p.padding}'" if isinstance(p.padding, str) else _dim(p.padding)
    bits = [f"{p.filters} filters of size {_dim(p.kernel) if isinstance(p.kernel, tuple) else f'{p.kernel}×{p.kernel}'}",
            f"stride {_dim(p.stride)}", f"padding {pad}"]
    if p.dilation != 1:
        bits.append(f"dilation {_dim(p.dilation)}")
    if p.groups != 1:
        bits.append(f"groups={p.groups}" + (" (depthwise)" if p.groups == p.input[2] else ""))
    bits.append("with a bias" if p.bias else "without bias (bias=False)")
    return ", ".join(bits)


def solve(p: Params) -> Answer:
    parts = _parts(p)
    h, w, c = p.input
    oh, ow, f = parts["output_shape"]
    kh, kw = _pick(p.kernel, 0), _pick(p.kernel, 1)
    cg = p.channels_per_group
    n = doc.num
    steps: list[doc.Block] = [para("Output size along each axis: ", doc.floor(doc.frac(var("n") + op("+") + n(2) + var("p") + op("-")
                                   + var("span"), var("s"))) + op("+") + n(1), ", with span = d(k - 1) + 1; 'same' gives ",
                                   doc.ceil(doc.frac(var("n"), var("s"))), ".")]
    same_axes = p.axis(0) == p.axis(1) and h == w
    for ax, (name, size) in enumerate((("H", h), ("W", w))):
        if ax == 1 and same_axes:
            break
        k, s, pad, d = p.axis(ax)
        formula, note = size_formula(size, k, s, pad, d)
        lhs = var("H'") + op("=") + var("W'") if same_axes else var(name + "'")
        steps.append(doc.Display(doc.eq(lhs, formula)))
        if note:
            steps.append(para(note))
    steps.append(para("Output shape: ", f"[{oh}, {ow}, {f}] (H', W', filters)."))
    group_note = f"C/groups = {c}/{p.groups} = {cg} input channels" if p.groups > 1 else f"all C = {c} input channels"
    steps.append(para(f"Each filter sees {group_note} over a {kh}×{kw} window: {cg} · {kh} · {kw} = {cg * p.window} weights."))
    weights = f * cg * p.window
    if p.bias:
        steps.append(doc.Display(doc.eq(var("params"), n(f) + op("*") + n(cg * p.window) + op("+") + n(f), n(parts["params"]))))
        steps.append(para(f"({weights} weights and {f} biases, one per filter.)"))
    else:
        steps.append(doc.Display(doc.eq(var("params"), n(f) + op("*") + n(cg * p.window), n(parts["params"]))))
    steps.append(para("Every output value is one filter applied to one window, one multiply-accumulate per weight:"))
    steps.append(doc.Display(doc.eq(var("MACs"), n(oh) + op("*") + n(ow) + op("*") + n(f) + op("*") + n(cg * p.window),
                                    n(parts["macs"]))))
    steps.append(para("A MAC is a multiply and an add, so (as PyTorch's FlopCounterMode counts, bias additions left out):"))
    steps.append(doc.Display(doc.eq(var("FLOPs"), n(2) + op("*") + n(parts["macs"]), n(parts["flops"]))))
    steps.append(doc.Display(doc.eq(var("bytes"), n(oh) + op("*") + n(ow) + op("*") + n(f) + op("*") + n(p.bytes_per_value),
                                    n(parts["output_bytes"]))))
    return Answer(
        parts=(
            Part("output_shape", parts["output_shape"], "shape"),
            Part("params", parts["params"], "integer"),
            Part("macs", parts["macs"], "integer"),
            Part("flops", parts["flops"], "integer"),
            Part("output_bytes", parts["output_bytes"], "integer"),
        ),
        steps=tuple(steps),
    )


def statement(p: Params) -> tuple[doc.Block, ...]:
    h, w, c = p.input
    return (
        para(f"A 2-D convolution layer with {_describe(p)} is applied to an input of shape {h}×{w}×{c} "
             "(height × width × channels). 'same' and 'valid' padding are as in Keras."),
        para("Give the output shape [H', W', filters], the number of parameters, the multiply-accumulates (MACs) and "
             "FLOPs of one forward pass for one input (FLOPs = 2 × MACs, bias additions not counted), and the size of "
             f"the output in bytes at {p.bytes_per_value} byte{'s' if p.bytes_per_value > 1 else ''} per value."),
    )


def _int(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return int(f) if f.is_integer() and abs(f) < 2**62 else None


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """MACs and output bytes from the student's output shape; FLOPs from the student's MACs."""
    out: dict[str, Any] = {}
    shape = given.get("output_shape")
    if isinstance(shape, Sequence) and not isinstance(shape, str) and len(shape) == 3:
        dims = [_int(v) for v in shape]
        if all(d is not None and d >= 1 for d in dims):
            oh, ow, f = dims  # type: ignore[misc]
            out["macs"] = oh * ow * f * p.channels_per_group * p.window
            out["output_bytes"] = oh * ow * f * p.bytes_per_value
    macs = _int(given.get("macs"))
    if macs is not None:
        out["flops"] = 2 * macs
    return out


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


def _changed(p: Params, wrong: dict[str, Any]) -> dict[str, Any]:
    """The parts a mistake changes (all of them when it changes none: draws reject the variant)."""
    right = _parts(p)
    diff = {k: v for k, v in wrong.items() if right[k] != v}
    return diff or wrong


def _only(cond: bool, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return make() if cond else {}


MISTAKES = (
    Mistake("flops-as-macs", "FLOPs count the multiply and the add of every MAC: FLOPs = 2 × MACs.",
            lambda p: {"flops": _parts(p)["macs"]}),
    Mistake("macs-as-flops", "a MAC is one multiply-accumulate: MACs = H' W' filters (C/groups) kh kw, half the FLOPs.",
            lambda p: {"macs": _parts(p)["flops"]}),
    Mistake("forgot-input-channels", "each filter spans every input channel of its group: multiply by C/groups.",
            lambda p: _only(p.channels_per_group > 1, lambda: _changed(p, _parts(p, cin=1)))),
    Mistake("forgot-groups", "with groups, a filter sees only C/groups input channels, not all C.",
            lambda p: _only(p.groups > 1, lambda: _changed(p, _parts(p, cin=p.input[2])))),
    Mistake("bias-in-flops", "the bias additions are not counted in FLOPs (FlopCounterMode counts 2 × MACs).",
            lambda p: _only(p.bias, lambda: {"flops": _parts(p, bias_flops=True)["flops"]})),
    Mistake("forgot-bias-params", "the layer's biases (one per filter) are parameters too.",
            lambda p: _only(p.bias, lambda: {"params": _parts(p, bias_params=False)["params"]})),
    Mistake("bias-without-bias", "this layer has no bias (bias=False): count the weights only.",
            lambda p: _only(not p.bias, lambda: {"params": _parts(p, bias_params=True)["params"]})),
    Mistake("input-size-for-macs", "the filters are applied at every *output* position: use H' W', not the input's H W.",
            lambda p: _only(spatial(p) != p.input[:2], lambda: _changed(p, _parts(p, hw=p.input[:2])))),
    Mistake("forgot-stride", "the stride skips positions: H' = floor((H + 2p - span) / s) + 1, not the stride-1 size.",
            lambda p: _only(p.stride != 1, lambda: _changed(p, _parts(dataclasses.replace(p, stride=1))))),
    Mistake("forgot-padding", "the padding adds zeros on each side: H' = floor((H + 2p - span) / s) + 1 with the 2p.",
            lambda p: _only(p.padding not in (0, "valid", (0, 0)),
                            lambda: _changed(p, _parts(dataclasses.replace(p, padding="valid"))))),
    Mistake("values-not-bytes", "the output holds H' W' filters values of bytes_per_value bytes each: multiply by it.",
            lambda p: _only(p.bytes_per_value > 1, lambda: {"output_bytes": _parts(p)["output_bytes"] // p.bytes_per_value})),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    sizes: Sequence[int] = (8, 14, 16, 28, 32, 56, 64),
    channels: Sequence[int] = (1, 3, 8, 16, 32, 64),
    filters: Sequence[int] = (8, 16, 32, 64, 128),
    kernels: Sequence[int] = (1, 3, 5, 7),
    strides: Sequence[int] = (1, 1, 2),
    paddings: Sequence[int | str] = (0, 1, "same", "valid"),
    groups: str = "sometimes",
    bias: str = "either",
    bytes: Sequence[int] = (4,),
) -> Params:
    """A square input and kernel from the lists; grouped (or depthwise) layers a third of the time."""
    last: ParamError | None = None
    for _ in range(200):
        n, c, f = rng.choice(sizes), rng.choice(channels), rng.choice(filters)
        g = 1
        if groups == "always" or (groups == "sometimes" and rng.random() < 1 / 3):
            common = [d for d in range(2, min(c, f) + 1) if c % d == 0 and f % d == 0]
            if not common:
                continue
            g = c if c in common and rng.random() < 0.5 else rng.choice(common)
        has_bias = rng.random() < 0.5 if bias == "either" else bias == "true"
        try:
            return Params(input=(n, n, c), filters=f, kernel=rng.choice(kernels), stride=rng.choice(strides),
                          padding=rng.choice(paddings), groups=g, bias=has_bias, bytes_per_value=rng.choice(bytes))
        except ParamError as err:
            last = err
    raise ParamError("options", "sizes, channels and filters that allow a layer" + (
        " with groups (channels and filters with a common divisor > 1)" if groups == "always" else ""), str(last))
