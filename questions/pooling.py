"""Max and average pooling of a matrix (or one matrix per channel), and its gradient, exactly.

Integer ``padding`` is PyTorch's (``F.max_pool2d``/``F.avg_pool2d``): that many cells on each side,
never taken by a max, counted by an average when ``count_include_pad`` (the default), with
``ceil_mode``'s last partial window. ``same`` is Keras' (TensorFlow's): ``ceil(n / stride)`` outputs,
the odd padding cell at the bottom/right, an average over the real cells only; ``valid`` is no
padding. The gradient routes each output's upstream gradient to the first maximum of its window in
row-major order, as PyTorch's max-pool backward does with ties, or spreads it evenly over the
cells an average divided by; overlapping windows add up.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.conv_arith import conv_out, pads
from nnexam.questions.doc import Display, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import norm
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, Nested, OneOf, Param, PartSpec

TYPE_ID = "pooling"
SUMMARY = "Max or average pooling of a matrix (per channel) and its gradient (PyTorch padding, Keras 'same')"

MAX_SIDE = 32
MAX_CHANNELS = 8

_WINDOW = OneOf(Integer(min=1, max=MAX_SIDE), ListOf(Integer(min=1, max=MAX_SIDE), min_len=2, max_len=2))
_WINDOW.expected = f"an integer from 1 to {MAX_SIDE}, or [rows, columns] of such"
_PADDING = OneOf(Integer(min=0, max=MAX_SIDE), ListOf(Integer(min=0, max=MAX_SIDE), min_len=2, max_len=2), Choice("same", "valid"))
_PADDING.expected = "an integer (cells on each side, as PyTorch), [rows, columns] of such, 'same' (as Keras) or 'valid'"

PARAMS = (
    Param("input", Nested(max_depth=3, max_items=MAX_CHANNELS * MAX_SIDE * MAX_SIDE),
          help="a matrix, or a list of matrices (one per channel)"),
    Param("kernel", _WINDOW, help="window size k or [rows, columns]"),
    Param("stride", _WINDOW, default=None, help="stride (default: the kernel)"),
    Param("padding", _PADDING, default=0, help="cells on each side (PyTorch), 'same' (Keras) or 'valid'"),
    Param("mode", Choice("max", "avg"), default="max", help="max or avg"),
    Param("count_include_pad", Boolean(), default=True, help="integer padding: an average counts the padding cells (PyTorch's default)"),
    Param("ceil_mode", Boolean(), default=False, help="PyTorch's ceil_mode: a last partial window"),
    Param("grad_output", Nested(max_depth=3, max_items=MAX_CHANNELS * MAX_SIDE * MAX_SIDE), default=None,
          help="upstream gradient dL/d(output), shaped like the output: asks for the input gradient"),
)
PARTS = (
    PartSpec("output", "matrix", "the pooled matrix (one per channel)"),
    PartSpec("input_gradient", "matrix", "dL/d(input), shaped like the input (when grad_output is given)"),
)
OPTIONS = (
    Param("size_min", Integer(min=2, max=12), default=4, help="smallest input side"),
    Param("size_max", Integer(min=2, max=12), default=6, help="largest input side"),
    Param("channels", Integer(min=1, max=MAX_CHANNELS), default=1, help="channels"),
    Param("kernels", ListOf(Integer(min=1, max=6)), default=(2, 3), help="kernel sizes to draw from"),
    Param("strides", ListOf(Integer(min=1, max=6)), default=(1, 2, 3), help="strides to draw from"),
    Param("paddings", ListOf(OneOf(Integer(min=0, max=3), Choice("same", "valid"))), default=(0, 0, 1, "same"),
          help="paddings to draw from"),
    Param("modes", ListOf(Choice("max", "avg")), default=("max", "avg"), help="modes to draw from"),
    Param("gradient", Choice("always", "never", "sometimes"), default="sometimes", help="ask for the input gradient"),
    Param("value_max", Integer(min=1, max=99), default=9, help="input values in [0, value_max] (gradients in [1, 3])"),
)


def _tuples(v: Any) -> Any:
    return tuple(_tuples(x) for x in v) if isinstance(v, list | tuple) else v


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _channels(raw: Any, name: str) -> tuple[tuple[tuple[Any, ...], ...], ...]:
    """A matrix or a list of matrices -> a tuple of matrices (rows of equal length, same sizes)."""
    if not isinstance(raw, tuple) or not all(isinstance(r, tuple) for r in raw):
        raise ParamError(name, "a matrix (a list of rows of numbers) or a list of such matrices", raw)
    mats = raw if all(isinstance(r, tuple) for row in raw for r in row) else (raw,)
    for c, m in enumerate(mats, start=1):
        where = name if len(mats) == 1 else f"{name}[{c}]"
        if not all(isinstance(r, tuple) and r and not any(isinstance(x, tuple) for x in r) for r in m):
            raise ParamError(where, "a matrix: a list of rows of numbers", m)
        if len({len(r) for r in m}) != 1:
            raise ParamError(where, "rows of equal length", f"row lengths {[len(r) for r in m]}")
    if len({(len(m), len(m[0])) for m in mats}) != 1:
        raise ParamError(name, "channels of one size", [f"{len(m)}x{len(m[0])}" for m in mats])
    if len(mats) > MAX_CHANNELS:
        raise ParamError(name, f"at most {MAX_CHANNELS} channels", len(mats))
    return tuple(tuple(tuple(r) for r in m) for m in mats)


@dataclass(frozen=True)
class Params:
    input: Any
    kernel: Any
    stride: Any = None
    padding: Any = 0
    mode: str = "max"
    count_include_pad: bool = True
    ceil_mode: bool = False
    grad_output: Any = None

    def __post_init__(self) -> None:
        for name in ("input", "grad_output", "kernel", "stride", "padding"):
            object.__setattr__(self, name, _tuples(getattr(self, name)))
        mats = _channels(self.input, "input")
        kh, kw = _pair(self.kernel)
        sh, sw = _pair(self.stride) if self.stride is not None else (kh, kw)
        if self.padding == "same" and self.ceil_mode:
            raise ParamError("ceil_mode", "false with padding 'same' (Keras has no ceil_mode)", True)
        if not isinstance(self.padding, str):
            ph, pw = _pair(self.padding)
            if 2 * ph > kh or 2 * pw > kw:
                raise ParamError("padding", f"at most half the kernel ({kh}x{kw}) on each side, as PyTorch requires", self.padding)
        _out_size(self)  # raises when the kernel does not fit the (padded) input
        if self.grad_output is not None:
            grads = _channels(self.grad_output, "grad_output")
            oh, ow = _out_size(self)
            if len(grads) != len(mats) or (len(grads[0]), len(grads[0][0])) != (oh, ow):
                raise ParamError("grad_output", f"{len(mats)} matrix(es) of {oh}x{ow}, shaped like the output",
                                 [f"{len(g)}x{len(g[0])}" for g in grads])


def _geometry(p: Params, ceil_mode: bool | None = None, padding: Any = None) -> tuple[Any, ...]:
    """(kh, kw, sh, sw, (top, bottom), (left, right), ceil) of the pooling."""
    kh, kw = _pair(p.kernel)
    sh, sw = _pair(p.stride) if p.stride is not None else (kh, kw)
    padding = p.padding if padding is None else padding
    h, w = _size(p)
    if padding in ("same", "valid"):
        rows, cols = pads(h, kh, sh, padding), pads(w, kw, sw, padding)
    else:
        ph, pw = _pair(padding)
        rows, cols = (ph, ph), (pw, pw)
    return kh, kw, sh, sw, rows, cols, p.ceil_mode if ceil_mode is None else ceil_mode


def _size(p: Params) -> tuple[int, int]:
    m = _channels(p.input, "input")[0]
    return len(m), len(m[0])


def _out_size(p: Params, ceil_mode: bool | None = None, padding: Any = None) -> tuple[int, int]:
    kh, kw, sh, sw, rows, cols, ceil = _geometry(p, ceil_mode, padding)
    padding = p.padding if padding is None else padding
    h, w = _size(p)
    if padding == "same":
        return -(-h // sh), -(-w // sw)
    return conv_out(h, kh, sh, rows[0], ceil_mode=ceil), conv_out(w, kw, sw, cols[0], ceil_mode=ceil)


@dataclass(frozen=True)
class Window:
    """One output's window: the real cells it covers and what an average divides by."""

    cells: tuple[tuple[int, int], ...]
    divisor: int


def _windows(p: Params, *, ceil_mode: bool | None = None, padding: Any = None, count_include_pad: bool | None = None,
             ) -> tuple[tuple[Window, ...], ...]:
    """Every output's window, as PyTorch's pooling kernels compute them (hend clipped to the padded
    input for the divisor, then to the real input for the cells)."""
    kh, kw, sh, sw, (top, bottom), (left, right), ceil = _geometry(p, ceil_mode, padding)
    padding = p.padding if padding is None else padding
    include = p.count_include_pad if count_include_pad is None else count_include_pad
    include = include and padding not in ("same", "valid")
    h, w = _size(p)
    oh, ow = _out_size(p, ceil_mode, padding)
    out = []
    for i in range(oh):
        r0 = i * sh - top
        r1 = min(r0 + kh, h + bottom)
        row = []
        for j in range(ow):
            c0 = j * sw - left
            c1 = min(c0 + kw, w + right)
            cells = tuple((r, c) for r in range(max(r0, 0), min(r1, h)) for c in range(max(c0, 0), min(c1, w)))
            row.append(Window(cells, (r1 - r0) * (c1 - c0) if include else len(cells)))
        out.append(tuple(row))
    return tuple(out)


def _pool(m: Sequence[Sequence[Any]], windows: Sequence[Sequence[Window]], mode: str) -> tuple[tuple[Any, ...], ...]:
    if mode == "max":
        return tuple(tuple(norm(Fraction(max(m[r][c] for r, c in win.cells))) for win in row) for row in windows)
    return tuple(tuple(norm(Fraction(sum(m[r][c] for r, c in win.cells)) / win.divisor) for win in row) for row in windows)


def _argmax(m: Sequence[Sequence[Any]], win: Window) -> tuple[int, int]:
    """The first maximum in row-major order (PyTorch: ``val > maxval`` keeps the first of ties)."""
    best = win.cells[0]
    for r, c in win.cells[1:]:
        if m[r][c] > m[best[0]][best[1]]:
            best = (r, c)
    return best


def _backward(m: Sequence[Sequence[Any]], g: Sequence[Sequence[Any]], windows: Sequence[Sequence[Window]], mode: str,
              *, route: str = "argmax", accumulate: bool = True) -> tuple[tuple[Any, ...], ...]:
    """dL/d(input): each window's upstream gradient to its arg-max (or its whole window, ``route="all"``, or
    every tied maximum, ``route="ties"``),
    or spread over an average's divisor; ``accumulate=False`` keeps only the first window reaching a cell."""
    h, w = len(m), len(m[0])
    grad: list[list[Any]] = [[0] * w for _ in range(h)]
    reached = [[False] * w for _ in range(h)]
    for i, row in enumerate(windows):
        for j, win in enumerate(row):
            if mode == "max" and route == "ties":
                top = max(m[r][c] for r, c in win.cells)
                targets = [((r, c), g[i][j]) for r, c in win.cells if m[r][c] == top]
            elif mode == "max":
                targets = [(_argmax(m, win), g[i][j])] if route == "argmax" else [(cell, g[i][j]) for cell in win.cells]
            else:
                share = Fraction(g[i][j]) / win.divisor
                targets = [(cell, share) for cell in win.cells]
            for (r, c), v in targets:
                if accumulate or not reached[r][c]:
                    grad[r][c] = grad[r][c] + v
                    reached[r][c] = True
    return tuple(tuple(norm(Fraction(v)) for v in row) for row in grad)


def _shaped(p: Params, mats: Sequence[Any]) -> Any:
    """One matrix for a one-channel input written as a matrix, else a tuple of matrices."""
    single = not all(isinstance(r, tuple) for row in p.input for r in row)
    return mats[0] if single else tuple(mats)


def _compute(p: Params, *, mode: str | None = None, ceil_mode: bool | None = None, padding: Any = None,
             count_include_pad: bool | None = None, route: str = "argmax", accumulate: bool = True) -> dict[str, Any]:
    mode = mode or p.mode
    windows = _windows(p, ceil_mode=ceil_mode, padding=padding, count_include_pad=count_include_pad)
    mats = _channels(p.input, "input")
    out = {"output": _shaped(p, [_pool(m, windows, mode) for m in mats])}
    if p.grad_output is not None:
        grads = _channels(p.grad_output, "grad_output")
        if (len(windows), len(windows[0])) != (len(grads[0]), len(grads[0][0])):
            return out  # another output size: the given upstream gradient does not fit it
        out["input_gradient"] = _shaped(p, [_backward(m, g, windows, mode, route=route, accumulate=accumulate)
                                            for m, g in zip(mats, grads)])
    return out


@lru_cache(maxsize=64)
def _right(p: Params) -> dict[str, Any]:
    return _compute(p)


def solve(p: Params) -> Answer:
    right = _right(p)
    parts = [Part("output", right["output"], "matrix")]
    if "input_gradient" in right:
        parts.append(Part("input_gradient", right["input_gradient"], "matrix"))
    return Answer(parts=tuple(parts), steps=tuple(_steps(p, right)))


# ---------------------------------------------------------------------------------------------
# Statement and steps
# ---------------------------------------------------------------------------------------------


def _padding_text(p: Params) -> str:
    if p.padding == "same":
        return "padding 'same' as in Keras (ceil(n / stride) outputs, the odd padding cell at the bottom/right; " + (
            "padding cells never win a max)" if p.mode == "max" else "an average counts only the real cells)")
    if p.padding == "valid" or _pair(p.padding) == (0, 0):
        return "no padding"
    ph, pw = _pair(p.padding)
    text = f"{ph} padding cell(s) on the top and bottom and {pw} on the left and right, as PyTorch's padding={p.padding}"
    if p.mode == "avg":
        text += "; an average divides by the whole window, padding included (count_include_pad=True)" if p.count_include_pad \
            else "; an average divides by the real cells only (count_include_pad=False)"
    return text


def _matrices(x: Any) -> list[Any]:
    return list(x) if isinstance(x[0][0], tuple) else [x]


def statement(p: Params) -> tuple[doc.Block, ...]:
    kh, kw, sh, sw, *_ = _geometry(p)
    mats = _channels(p.input, "input")
    what = "average" if p.mode == "avg" else "max"
    blocks: list[doc.Block] = [
        para(f"A {kh}x{kw} {what} pooling with stride {sh}x{sw}, {_padding_text(p)}"
             + (", ceil_mode=True (a last partial window counts, as PyTorch's ceil_mode)" if p.ceil_mode else "")
             + (f", is applied to each of the {len(mats)} channels of the input:" if len(mats) > 1 else ", is applied to the input:"))
    ]
    for c, m in enumerate(mats, start=1):
        blocks.append(Display(doc.eq(var("X", c if len(mats) > 1 else None), doc.mat(m))))
    ask = "Give the output"
    if p.grad_output is not None:
        for c, g in enumerate(_channels(p.grad_output, "grad_output"), start=1):
            blocks.append(Display(doc.eq(var("G", c if len(mats) > 1 else None), doc.mat(g))))
        ask += (" and, for the upstream gradient G = dL/d(output) above, the gradient dL/dX"
                + (" (a max sends each window's gradient to the first maximum of the window, in row-major order, on ties)"
                   if p.mode == "max" else ""))
    blocks.append(para(ask + ", exactly."))
    return tuple(blocks)


def _steps(p: Params, right: Mapping[str, Any]) -> list[doc.Block]:
    kh, kw, sh, sw, rows, cols, ceil = _geometry(p)
    h, w = _size(p)
    oh, ow = _out_size(p)
    if p.padding == "same":
        size = f"same padding: ceil({h}/{sh}) x ceil({w}/{sw}) = {oh}x{ow} outputs; padding {rows[0]}+{rows[1]} rows, {cols[0]}+{cols[1]} columns."
    else:
        rnd = "ceil" if ceil else "floor"
        size = (f"output size {rnd}(({h} + {rows[0] * 2} - {kh})/{sh}) + 1 = {oh} rows and "
                f"{rnd}(({w} + {cols[0] * 2} - {kw})/{sw}) + 1 = {ow} columns.")
    out: list[doc.Block] = [para(size[0].upper() + size[1:])]
    windows = _windows(p)
    mats = _channels(p.input, "input")
    for c, m in enumerate(mats, start=1):
        lines = []
        for i, row in enumerate(windows):
            for j, win in enumerate(row):
                vals = ", ".join(doc.plain_str(m[r][cc]) for r, cc in win.cells)
                value = _pool(m, ((win,),), p.mode)[0][0]
                if p.mode == "max":
                    lines.append(f"y[{i + 1},{j + 1}] = max({vals}) = {doc.plain_str(value)}")
                else:
                    lines.append(f"y[{i + 1},{j + 1}] = ({' + '.join(doc.plain_str(m[r][cc]) for r, cc in win.cells)}) / {win.divisor} "
                                 f"= {doc.plain_str(value)}")
        head = f"Channel {c}: " if len(mats) > 1 else ""
        out.append(para(head + ("each" if head else "Each") + " window (rows and columns 1-based; padding cells left out): "
                        + "; ".join(lines) + "."))
    out.append(para("Output: ", *[doc.mat(x) for x in _matrices(right["output"])], "."))
    if "input_gradient" in right:
        how = ("each window's upstream gradient goes to the position of its maximum (the first one in row-major order on "
               "ties); a cell that is the maximum of several windows adds their gradients") if p.mode == "max" else \
            "each window's upstream gradient is divided by its divisor and added to every real cell of the window"
        out.append(para(f"Gradient: {how}: ", *[doc.mat(x) for x in _matrices(right["input_gradient"])], "."))
    return out


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """The input gradient needs the input only (not the student's output): nothing carries forward."""
    return {}


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


def _changed(p: Params, **variant: Any) -> dict[str, Any]:
    from nnexam.questions.family import same

    right = _right(p)
    wrong = _compute(p, **variant)
    diff = {k: v for k, v in wrong.items() if k in right and not same(v, right[k])}
    return diff or wrong


def _other_mode(p: Params) -> dict[str, Any]:
    return _changed(p, mode="avg" if p.mode == "max" else "max")


def _ceil_floor(p: Params) -> dict[str, Any]:
    if p.padding == "same" or _out_size(p, ceil_mode=not p.ceil_mode) == _out_size(p):
        return {}
    try:
        return _changed(p, ceil_mode=not p.ceil_mode)
    except ParamError:
        return {}


def _overlap_once(p: Params) -> dict[str, Any]:
    kh, kw, sh, sw, *_ = _geometry(p)
    if p.grad_output is None or (sh >= kh and sw >= kw):
        return {}
    return _changed(p, accumulate=False)


def _max_to_window(p: Params) -> dict[str, Any]:
    if p.grad_output is None or p.mode != "max":
        return {}
    return _changed(p, route="all")


def _all_ties(p: Params) -> dict[str, Any]:
    if p.grad_output is None or p.mode != "max":
        return {}
    windows = _windows(p)
    for m in _channels(p.input, "input"):
        for row in windows:
            for win in row:
                values = [m[r][c] for r, c in win.cells]
                if values.count(max(values)) > 1:
                    return _changed(p, route="ties")
    return {}


def _count_pad(p: Params) -> dict[str, Any]:
    if p.mode != "avg" or isinstance(p.padding, str) or _pair(p.padding) == (0, 0):
        return {}
    return _changed(p, count_include_pad=not p.count_include_pad)


def _forgot_padding(p: Params) -> dict[str, Any]:
    if p.padding == "valid" or (not isinstance(p.padding, str) and _pair(p.padding) == (0, 0)):
        return {}
    try:
        return _changed(p, padding=0)
    except ParamError:
        return {}


MISTAKES = (
    Mistake("avg-vs-max", "this is the other pooling: max pooling keeps each window's largest value, average pooling its mean.",
            _other_mode),
    Mistake("ceil-vs-floor",
            "the output size rounds down (floor) unless ceil_mode is set; with ceil_mode a last partial window counts.",
            _ceil_floor),
    Mistake("overlap-counted-once",
            "windows overlap: a cell inside several windows receives the gradient of every one of them (they add up).",
            _overlap_once),
    Mistake("max-gradient-to-window",
            "a max passes its gradient only to the position of the maximum (the first one on ties), not to every cell of the window.",
            _max_to_window),
    Mistake("max-gradient-to-every-tie",
            "when a window's maximum is tied, the gradient goes to one position only, the first maximum in row-major "
            "order (as PyTorch does), not to every tied cell.", _all_ties),
    Mistake("count-include-pad",
            "with count_include_pad=True an average divides by the whole window, padding cells included; with False by "
            "the real cells only.", _count_pad),
    Mistake("forgot-padding", "pad the input first: the padding adds windows at the borders.", _forgot_padding),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    size_min: int = 4,
    size_max: int = 6,
    channels: int = 1,
    kernels: Sequence[int] = (2, 3),
    strides: Sequence[int] = (1, 2, 3),
    paddings: Sequence[Any] = (0, 0, 1, "same"),
    modes: Sequence[str] = ("max", "avg"),
    gradient: str = "sometimes",
    value_max: int = 9,
) -> Params:
    """Square inputs of small integers, a kernel no larger than the input; a valid PyTorch padding."""
    if size_min > size_max:
        raise ParamError("options", "size_min <= size_max", (size_min, size_max))
    last: ParamError | None = None
    for _ in range(100):
        n = rng.randint(size_min, size_max)
        k = rng.choice([x for x in kernels if x <= n] or [min(kernels)])
        s = rng.choice([x for x in strides if x <= k] or [min(strides)])
        pad = rng.choice(list(paddings))
        mode = rng.choice(list(modes))
        ceil = pad != "same" and rng.random() < 0.25
        mats = [[[rng.randint(0, value_max) for _ in range(n)] for _ in range(n)] for _ in range(channels)]
        try:
            p = Params(input=mats if channels > 1 else mats[0], kernel=k, stride=s, padding=pad, mode=mode, ceil_mode=ceil,
                       count_include_pad=rng.random() < 0.7)
        except ParamError as err:
            last = err
            continue
        ask = gradient == "always" or (gradient == "sometimes" and rng.random() < 0.5)
        if ask:
            oh, ow = _out_size(p)
            g = [[[rng.randint(1, 3) for _ in range(ow)] for _ in range(oh)] for _ in range(channels)]
            p = replace(p, grad_output=g if channels > 1 else g[0])
        return p
    raise ParamError("options", "kernels, strides and paddings that fit the input sizes", str(last))
