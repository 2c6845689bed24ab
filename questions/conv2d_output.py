"""The output of a 2-D convolution layer on one channel: cross-correlation (the kernel is not
flipped), as ``torch.nn.functional.conv2d`` and Keras ``Conv2D`` compute it, with stride, zero
padding (an int on each side, or Keras' ``same``/``valid``), dilation and a bias."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.conv_arith import effective_kernel, pads
from nnexam.questions.conv_output_size import size_formula
from nnexam.questions.doc import mat, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_str, norm
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, Matrix, Number, OneOf, Param, PartSpec

TYPE_ID = "conv2d-output"
SUMMARY = "Output of a 2-D convolution (cross-correlation) with stride, padding, dilation and bias"

MAX_SHOWN = 100  # window sums written out in the worked steps; larger outputs show the first ones

_PADDING = OneOf(Integer(min=0, max=64), Choice("same", "valid"))
_PADDING.expected = "an integer from 0 to 64 (zeros on each side), 'same' or 'valid'"

PARAMS = (
    Param("input", Matrix(), help="input matrix (one channel), a list of rows"),
    Param("kernel", Matrix(), help="kernel matrix (one filter)"),
    Param("stride", Integer(min=1, max=64), default=1, help="stride"),
    Param("padding", _PADDING, default=0, help="zeros on each side, 'same' or 'valid'"),
    Param("dilation", Integer(min=1, max=64), default=1, help="dilation rate"),
    Param("bias", Number(), default=Fraction(0), help="bias added to every output"),
)
PARTS = (PartSpec("output", "matrix", "the output feature map"),)
OPTIONS = (
    Param("size_min", Integer(min=1, max=64), default=3, help="fewest input rows/columns"),
    Param("size_max", Integer(min=1, max=64), default=6, help="most input rows/columns"),
    Param("square", Boolean(), default=True, help="square input and kernel"),
    Param("kernel_min", Integer(min=1, max=64), default=2, help="smallest kernel size"),
    Param("kernel_max", Integer(min=1, max=64), default=3, help="largest kernel size"),
    Param("strides", ListOf(Integer(min=1, max=8)), default=(1, 1, 2), help="strides drawn"),
    Param("paddings", ListOf(_PADDING), default=(0, 0, 1), help="paddings drawn"),
    Param("dilations", ListOf(Integer(min=1, max=4)), default=(1,), help="dilations drawn"),
    Param("value_min", Integer(min=-100, max=100), default=-2, help="smallest input/kernel entry"),
    Param("value_max", Integer(min=-100, max=100), default=3, help="largest input/kernel entry"),
    Param("bias_min", Integer(min=-100, max=100), default=-2, help="smallest bias"),
    Param("bias_max", Integer(min=-100, max=100), default=2, help="largest bias"),
    Param("outputs_max", Integer(min=1, max=4096), default=9, help="most output entries (each a window sum by hand)"),
    Param("divides", Boolean(), default=False, help="sizes where (n + 2p - span) is a multiple of the stride"),
)

Grid = tuple[tuple[int | Fraction, ...], ...]


@dataclass(frozen=True)
class Params:
    input: Grid
    kernel: Grid
    stride: int = 1
    padding: int | str = 0
    dilation: int = 1
    bias: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        (h, w), (kh, kw) = _shape(self.input), _shape(self.kernel)
        (top, bottom), (left, right) = _pads(self)
        span_h, span_w = effective_kernel(kh, self.dilation), effective_kernel(kw, self.dilation)
        if span_h > h + top + bottom or span_w > w + left + right:
            dilated = f" (dilation {self.dilation}: spans {span_h}x{span_w})" if self.dilation > 1 else ""
            raise ParamError(
                "kernel",
                f"a kernel that fits the input: the {kh}x{kw} kernel{dilated} is larger than the {h}x{w} input "
                f"padded to {h + top + bottom}x{w + left + right}",
                exact_str(self.kernel),
            )


def _shape(m: Grid) -> tuple[int, int]:
    return len(m), len(m[0])


def _pads(p: Params) -> tuple[tuple[int, int], tuple[int, int]]:
    """(top, bottom), (left, right) zeros."""
    (h, w), (kh, kw) = _shape(p.input), _shape(p.kernel)
    return pads(h, kh, p.stride, p.padding, p.dilation), pads(w, kw, p.stride, p.padding, p.dilation)


def _correlate(
    x: Grid, k: Grid, stride: int, padding: tuple[tuple[int, int], tuple[int, int]], dilation: int, bias: Fraction
) -> tuple[list[list[Fraction]], list[list[Fraction]]]:
    """(padded input, output) with exact fractions: out[i][j] = b + sum k[u][v] * xp[i*s + u*d][j*s + v*d]."""
    (top, bottom), (left, right) = padding
    w = len(x[0])
    zero = Fraction(0)
    xp = [[zero] * (w + left + right) for _ in range(top)]
    xp += [[zero] * left + [Fraction(v) for v in row] + [zero] * right for row in x]
    xp += [[zero] * (w + left + right) for _ in range(bottom)]
    kf = [[Fraction(v) for v in row] for row in k]
    kh, kw = len(kf), len(kf[0])
    rows = (len(xp) - effective_kernel(kh, dilation)) // stride + 1
    cols = (len(xp[0]) - effective_kernel(kw, dilation)) // stride + 1
    if rows < 1 or cols < 1:  # only a mistaken variant (e.g. padding forgotten) gets here
        raise ParamError("kernel", f"a kernel that fits the {len(xp)}x{len(xp[0])} (padded) input", (kh, kw))
    b = Fraction(bias)
    out = [
        [
            b + sum(kf[u][v] * xp[i * stride + u * dilation][j * stride + v * dilation] for u in range(kh) for v in range(kw))
            for j in range(cols)
        ]
        for i in range(rows)
    ]
    return xp, out


def _exact(m: Sequence[Sequence[Fraction]]) -> Grid:
    """Integral entries as ``int``, like every exact answer (what sympy's Rational -> Integer did)."""
    return tuple(tuple(norm(v) for v in row) for row in m)


def _output(p: Params, **change: Any) -> Grid:
    """The output, with some parameters changed (the mistakes)."""
    q = {"kernel": p.kernel, "stride": p.stride, "dilation": p.dilation, "bias": p.bias, "padding": _pads(p)} | change
    return _exact(_correlate(p.input, q["kernel"], q["stride"], q["padding"], q["dilation"], q["bias"])[1])


@lru_cache(maxsize=4096)
def _n(x: Fraction) -> doc.F:
    """A factor of a written-out window sum (cached: the same few values recur)."""
    return doc.num(x, paren_negative=True)


@lru_cache(maxsize=16384)
def _term(w: Fraction, x: Fraction) -> doc.F:
    return _n(w) + op("*") + _n(x)


def _window_sum(kf: list[list[Fraction]], xp: list[list[Fraction]], i: int, j: int, p: Params) -> doc.F:
    """``k11·x11 + k12·x12 + ... + b`` for output (i, j), every factor exact."""
    s, d = p.stride, p.dilation
    terms = [_term(w, xp[i * s + u * d][j * s + v * d]) for u, row in enumerate(kf) for v, w in enumerate(row)]
    if p.bias != 0:
        terms.append(_n(Fraction(p.bias)))
    return doc.join("+", terms)


def _padding_text(p: Params) -> str:
    if p.padding == "same":
        return "padding 'same' (Keras: zeros split so the output is ceil(n / stride), the extra one at the bottom/right)"
    if p.padding in (0, "valid"):
        return "no padding"
    return f"zero padding {p.padding} on each side"


def solve(p: Params) -> Answer:
    (h, w), (kh, kw) = _shape(p.input), _shape(p.kernel)
    padding = _pads(p)
    xp, out = _correlate(p.input, p.kernel, p.stride, padding, p.dilation, p.bias)
    exact = _exact(out)
    rows, cols = len(out), len(out[0])
    steps: list[doc.Block] = []
    same_axes = h == w and kh == kw and padding[0] == padding[1]
    for name, n, k, pad in (("H", h, kh, padding[0]), ("W", w, kw, padding[1]))[: 1 if same_axes else 2]:
        lhs = var("H", "out") + op("=") + var("W", "out") if same_axes else var(name, "out")
        pad_arg: int | str = "same" if p.padding == "same" else pad[0]
        formula, note = size_formula(n, k, p.stride, pad_arg, p.dilation)
        steps.append(para("Output size: ", doc.eq(lhs, formula), ". " + note))
    if any(padding[0]) or any(padding[1]):
        (top, bottom), (left, right) = padding
        where = f"{top} row(s) on top, {bottom} at the bottom, {left} column(s) on the left, {right} on the right"
        steps += [para(f"Zero-padded input ({where}):"), doc.Display(var("X", "pad") + op("=") + mat(_exact(xp)))]
    if p.dilation > 1:
        steps.append(para(f"Dilation {p.dilation}: the kernel taps are {p.dilation} apart, so each window reads inputs "
                          f"{p.dilation} apart and spans {effective_kernel(kh, p.dilation)}x{effective_kernel(kw, p.dilation)}."))
    bias = " plus the bias" if p.bias != 0 else ""
    steps.append(para(f"Each output is the sum of the kernel entries times the input window under it{bias} "
                      f"(cross-correlation: the kernel is not flipped), the window moving {p.stride} at a time:"))
    kf = [[Fraction(v) for v in row] for row in p.kernel]
    for c in range(min(rows * cols, MAX_SHOWN)):
        i, j = divmod(c, cols)
        formula = doc.eq(var("y", f"{i + 1},{j + 1}"), _window_sum(kf, xp, i, j, p), doc.num(exact[i][j]))
        steps.append(doc.Display(formula))
    if rows * cols > MAX_SHOWN:
        steps.append(para(f"... and likewise for the remaining {rows * cols - MAX_SHOWN} outputs."))
    steps.append(doc.Display(var("Y") + op("=") + mat(exact)))
    return Answer(parts=(Part("output", exact, "matrix"),), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    details = [f"stride {p.stride}", _padding_text(p)]
    if p.dilation > 1:
        details.append(f"dilation {p.dilation}")
    details.append(f"bias {p.bias}" if p.bias != 0 else "no bias")
    return (
        para("A convolution layer with one input channel and one filter (cross-correlation, as in Keras and PyTorch; "
             f"{', '.join(details)}) is applied to the input X with the kernel K. Compute the output feature map."),
        doc.Display(var("X") + op("=") + mat(p.input)),
        doc.Display(var("K") + op("=") + mat(p.kernel)),
    )


def _flipped(k: Grid) -> Grid:
    return tuple(tuple(reversed(row)) for row in reversed(k))


def _transposed(p: Params) -> dict[str, Any]:
    out = _output(p)
    return {"output": tuple(zip(*out))} if len(out) > 1 or len(out[0]) > 1 else {}


MISTAKES = (
    Mistake(
        "flipped-kernel",
        "deep-learning 'convolution' is cross-correlation: the kernel is not flipped (rotated 180°).",
        lambda p: {"output": _output(p, kernel=_flipped(p.kernel))} if _flipped(p.kernel) != p.kernel else {},
    ),
    Mistake(
        "forgot-padding",
        "pad the input with zeros on each side first; the windows also cover the padding.",
        lambda p: {"output": _output(p, padding=((0, 0), (0, 0)))} if any(sum(a) for a in _pads(p)) else {},
    ),
    Mistake(
        "forgot-stride",
        "the window moves by the stride: output (i, j) starts at row i*s, column j*s.",
        lambda p: {"output": _output(p, stride=1, padding=_pads(dataclasses.replace(p, stride=1)))} if p.stride > 1 else {},
    ),
    Mistake(
        "forgot-bias",
        "add the bias to every output.",
        lambda p: {"output": _output(p, bias=Fraction(0))} if p.bias != 0 else {},
    ),
    Mistake(
        "forgot-dilation",
        "with dilation d the kernel taps are d apart: the window reads every d-th input.",
        lambda p: {"output": _output(p, dilation=1, padding=_pads(dataclasses.replace(p, dilation=1)))} if p.dilation > 1 else {},
    ),
    Mistake(
        "transposed-output",
        "rows and columns are swapped: output (i, j) comes from the window at row i·s, column j·s of the input.",
        _transposed,
    ),
)


def sample(
    rng: random.Random,
    *,
    size_min: int = 3,
    size_max: int = 6,
    square: bool = True,
    kernel_min: int = 2,
    kernel_max: int = 3,
    strides: Sequence[int] = (1, 1, 2),
    paddings: Sequence[int | str] = (0, 0, 1),
    dilations: Sequence[int] = (1,),
    value_min: int = -2,
    value_max: int = 3,
    bias_min: int = -2,
    bias_max: int = 2,
    outputs_max: int = 9,
    divides: bool = False,
) -> Params:
    """Small integer entries; sizes chosen so the kernel fits, the output has 4 (or fewer if asked) to
    ``outputs_max`` entries to compute by hand (and, with ``divides``, the stride divides)."""
    if size_min > size_max or kernel_min > kernel_max or value_min > value_max or bias_min > bias_max:
        raise ParamError("options", "min <= max for sizes, kernels, values and bias")
    if value_min == value_max == 0:
        raise ParamError("options", "a value range with a nonzero value", (value_min, value_max))
    for _ in range(200):
        s, pad, d = rng.choice(strides), rng.choice(paddings), rng.choice(dilations)
        kh = rng.randint(kernel_min, kernel_max)
        kw = kh if square else rng.randint(kernel_min, kernel_max)
        hs = _sizes(size_min, size_max, kh, s, pad, d, divides)
        ws = _sizes(size_min, size_max, kw, s, pad, d, divides)
        shapes = [(h, w) for h, rows in hs for w, cols in ws if min(4, outputs_max) <= rows * cols <= outputs_max and (h == w or not square)]
        if shapes:
            break
    else:
        raise ParamError("options", "size, kernel, stride, padding and outputs_max ranges where the kernel fits the input")
    h, w = rng.choice(shapes)

    def grid(r: int, c: int) -> Grid:
        return tuple(tuple(Fraction(rng.randint(value_min, value_max)) for _ in range(c)) for _ in range(r))

    kernel = grid(kh, kw)
    while all(v == 0 for row in kernel for v in row):
        kernel = grid(kh, kw)
    return Params(grid(h, w), kernel, s, pad, d, Fraction(rng.randint(bias_min, bias_max)))


def _sizes(lo: int, hi: int, k: int, s: int, pad: int | str, d: int, divides: bool) -> list[tuple[int, int]]:
    """(input size, output size) for sizes in [lo, hi] that the kernel fits (and the stride divides, if asked)."""
    span = effective_kernel(k, d)
    out = []
    for n in range(lo, hi + 1):
        before, after = pads(n, k, s, pad, d)
        room = n + before + after - span
        if room >= 0 and not (divides and room % s):
            out.append((n, room // s + 1))
    return out
