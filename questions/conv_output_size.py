"""Output size of a convolution or pooling layer, or of a stack of them, with the floor (and
PyTorch ``ceil_mode``) semantics of Keras and PyTorch; ``same``/``valid`` as in Keras."""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.conv_arith import conv_out, effective_kernel, pads
from nnexam.questions.doc import op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, OneOf, Param, PartSpec, Table

TYPE_ID = "conv-output-size"
SUMMARY = "Output size of a conv/pool layer or stack (floor, 'same'/'valid', dilation, ceil_mode)"

MAX_SIZE = 10**6
MAX_LAYER = 4096  # kernel, stride, padding, dilation

_SIZE = OneOf(Integer(min=1, max=MAX_SIZE), ListOf(Integer(min=1, max=MAX_SIZE), min_len=2, max_len=2))
_SIZE.expected = f"an integer from 1 to {MAX_SIZE}, or [rows, columns] of such"
_WINDOW = OneOf(Integer(min=1, max=MAX_LAYER), ListOf(Integer(min=1, max=MAX_LAYER), min_len=2, max_len=2))
_WINDOW.expected = f"an integer from 1 to {MAX_LAYER}, or [rows, columns] of such"
_PADDING = OneOf(
    Integer(min=0, max=MAX_LAYER), ListOf(Integer(min=0, max=MAX_LAYER), min_len=2, max_len=2), Choice("same", "valid")
)
_PADDING.expected = f"an integer from 0 to {MAX_LAYER} (zeros on each side), [rows, columns] of such, 'same' or 'valid'"

LAYER_PARAMS = (
    Param("op", Choice("conv", "pool"), default="conv", help="conv or pool (max/average: same sizes)"),
    Param("kernel", _WINDOW, help="kernel (pool) size"),
    Param("stride", _WINDOW, default=None, help="stride (default 1 for conv, the pool size for pool)"),
    Param("padding", _PADDING, default=0, help="zeros on each side, 'same' or 'valid'"),
    Param("dilation", _WINDOW, default=1, help="dilation rate"),
    Param("ceil_mode", Boolean(), default=False, help="PyTorch pooling's ceil_mode"),
)

PARAMS = (
    Param("input", _SIZE, help="input size n, or [H, W]"),
    Param("kernel", _WINDOW, default=None, help="one layer: kernel size (or give 'layers')"),
    Param("stride", _WINDOW, default=None, help="one layer: stride (default 1 for conv, the pool size for pool)"),
    Param("padding", _PADDING, default=0, help="one layer: zeros on each side, 'same' or 'valid'"),
    Param("dilation", _WINDOW, default=1, help="one layer: dilation rate"),
    Param("op", Choice("conv", "pool"), default="conv", help="one layer: conv or pool"),
    Param("ceil_mode", Boolean(), default=False, help="one layer: PyTorch pooling's ceil_mode"),
    Param("layers", ListOf(Table(LAYER_PARAMS), max_len=64), default=None, help="a stack: list of layer tables"),
)
PARTS = (
    PartSpec("output", "shape", "final size: an integer for a 1-D input, [H, W] otherwise"),
    PartSpec("sizes", "shape", "size after each layer"),
)
OPTIONS = (
    Param("input_min", Integer(min=1, max=MAX_SIZE), default=8, help="smallest input size drawn"),
    Param("input_max", Integer(min=1, max=MAX_SIZE), default=64, help="largest input size drawn"),
    Param("dims", Integer(min=1, max=2), default=2, help="1: a single size n; 2: [H, W]"),
    Param("square", Boolean(), default=True, help="H = W"),
    Param("layers_min", Integer(min=1, max=16), default=1, help="fewest layers (1: the one-layer form)"),
    Param("layers_max", Integer(min=1, max=16), default=3, help="most layers"),
    Param("kernels", ListOf(Integer(min=1, max=15)), default=(2, 3, 5, 7), help="conv kernel sizes drawn"),
    Param("strides", ListOf(Integer(min=1, max=8)), default=(1, 2, 3), help="conv strides drawn"),
    Param("paddings", ListOf(OneOf(Integer(min=0, max=8), Choice("same", "valid"))), default=(0, 1, 2, "same", "valid"),
          help="conv paddings drawn"),
    Param("dilations", ListOf(Integer(min=1, max=4)), default=(1, 2), help="conv dilations drawn"),
    Param("pool", Boolean(), default=True, help="allow pooling layers in stacks"),
    Param("ceil_mode", Boolean(), default=False, help="allow PyTorch ceil_mode pools"),
    Param("divides", Boolean(), default=False, help="only layers where (n + 2p - span) is a multiple of the stride"),
)

Window = int | tuple[int, int]
Padding = int | tuple[int, int] | str


@dataclass(frozen=True)
class Layer:
    """One conv or pool layer; ``stride=None`` is the default (1 for conv, the pool size for pool)."""

    op: str = "conv"
    kernel: Window = 1
    stride: Window | None = None
    padding: Padding = 0
    dilation: Window = 1
    ceil_mode: bool = False

    def axis(self, i: int) -> tuple[int, int, int | str, int]:
        """(kernel, stride, padding, dilation) along axis ``i`` (0 rows, 1 columns)."""
        k = _pick(self.kernel, i)
        s = _pick(self.stride, i) if self.stride is not None else (k if self.op == "pool" else 1)
        return k, s, _pick(self.padding, i), _pick(self.dilation, i)


def _pick(v: Any, i: int) -> Any:
    return v[i] if isinstance(v, tuple) else v


def _pair(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


@dataclass(frozen=True)
class Params:
    input: int | tuple[int, int]
    kernel: Window | None = None
    stride: Window | None = None
    padding: Padding = 0
    dilation: Window = 1
    op: str = "conv"
    ceil_mode: bool = False
    layers: tuple[Layer, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("input", "kernel", "stride", "padding", "dilation"):
            object.__setattr__(self, name, _pair(getattr(self, name)))
        if self.layers is not None:
            if not self.layers:
                raise ParamError("layers", "at least one layer", [])
            if self.kernel is not None or self.stride is not None or self.padding != 0 or self.dilation != 1 \
                    or self.op != "conv" or self.ceil_mode:
                raise ParamError("layers", "either 'layers' or one layer's kernel/stride/padding/dilation/op, not both")
            layers = tuple(x if isinstance(x, Layer) else Layer(**{k: _pair(v) for k, v in dict(x).items()})
                           for x in self.layers)
            object.__setattr__(self, "layers", layers)
        elif self.kernel is None:
            raise ParamError("kernel", "a kernel size (or a 'layers' list)")
        for i, layer in enumerate(stack(self)):
            _check_layer(layer, _prefix(self, i), one_d=isinstance(self.input, int))
        _chain(self)  # raises when a kernel does not fit


def _prefix(p: Params, i: int) -> str:
    return f"layers[{i + 1}]." if p.layers is not None else ""


def _check_layer(layer: Layer, prefix: str, *, one_d: bool) -> None:
    for name in ("kernel", "stride", "padding", "dilation"):
        if one_d and isinstance(getattr(layer, name), tuple):
            raise ParamError(prefix + name, "a single integer, as the input is a single size", list(getattr(layer, name)))
    if layer.ceil_mode and layer.op != "pool":
        raise ParamError(prefix + "ceil_mode", "false for a convolution (ceil_mode is a PyTorch pooling option)", True)
    if layer.ceil_mode and isinstance(layer.padding, str):
        raise ParamError(prefix + "padding", "an integer with ceil_mode (PyTorch pools take no 'same'/'valid')",
                         layer.padding)
    for ax in range(1 if one_d else 2):
        k, _, pad, _ = layer.axis(ax)
        if layer.op == "pool" and isinstance(pad, int) and pad > k // 2:
            raise ParamError(prefix + "padding", f"at most half the pool size ({k} // 2 = {k // 2}), as PyTorch requires", pad)


def stack(p: Params) -> tuple[Layer, ...]:
    """The layers, the one-layer form included."""
    if p.layers is not None:
        return p.layers
    return (Layer(p.op, p.kernel, p.stride, p.padding, p.dilation, p.ceil_mode),)  # type: ignore[arg-type]


Rule = Callable[[Layer, int, int], "int | None"]


def _chain(p: Params, rule: Rule | None = None, start: Sequence[tuple[int, ...]] | None = None) -> list[tuple[int, ...]]:
    """Sizes after each layer. ``rule(layer, n, axis)`` is a mistaken size (None: the right one);
    ``start[i]`` replaces the input of layer i (follow-on from a student's sizes)."""
    shape = (p.input,) if isinstance(p.input, int) else tuple(p.input)
    out: list[tuple[int, ...]] = []
    for i, layer in enumerate(stack(p)):
        if start is not None and i > 0:
            shape = start[i - 1]
        new = []
        for ax, n in enumerate(shape):
            m = rule(layer, n, ax) if rule else None
            if m is None:
                k, s, pad, d = layer.axis(ax)
                m = conv_out(n, k, s, pad, d, ceil_mode=layer.ceil_mode, param=_prefix(p, i) + "kernel")
            if m < 1:
                raise ParamError(_prefix(p, i) + "kernel", "a layer that leaves at least one output", m)
            new.append(m)
        shape = tuple(new)
        out.append(shape)
    return out


def _parts(p: Params, sizes: Sequence[tuple[int, ...]]) -> dict[str, Any]:
    if isinstance(p.input, int):
        return {"output": sizes[-1][0], "sizes": tuple(s[0] for s in sizes)}
    return {"output": tuple(sizes[-1]), "sizes": tuple(tuple(s) for s in sizes)}


# ---------------------------------------------------------------------------------------------
# Worked steps
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def num(n: int) -> doc.F:
    """An integer in the three notations (cached: sizes recur)."""
    return doc.num(n)


def size_formula(n: int, k: int, s: int, padding: int | str, d: int = 1, ceil_mode: bool = False) -> tuple[doc.F, str]:
    """``floor((28 + 2·1 − 5) / 2) + 1 = floor(25/2) + 1 = 12 + 1 = 13`` (``ceil(28/2) = 14`` for 'same'),
    and a note on the padding 'same' adds or the window ceil_mode drops ("" when none)."""
    out = conv_out(n, k, s, padding, d, ceil_mode=ceil_mode)
    if padding == "same":
        before, after = pads(n, k, s, "same", d)
        note = f"('same' pads {before} before and {after} after, so the windows fit.)"
        return (num(out) if s == 1 else doc.eq(doc.ceil(doc.frac(num(n), num(s))), num(out))), note
    pad = 0 if padding == "valid" else int(padding)
    span = effective_kernel(k, d)
    numer = num(n)
    if pad:
        numer = numer + op("+") + num(2) + op("*") + num(pad)
    numer = numer + op("-") + num(span)
    room = n + 2 * pad - span
    if s == 1:
        return doc.eq(numer + op("+") + num(1), num(room) + op("+") + num(1), num(out)), ""
    rnd = doc.ceil if ceil_mode else doc.floor
    q = -(-room // s) if ceil_mode else room // s
    steps = [rnd(doc.frac(numer, num(s))) + op("+") + num(1), rnd(doc.frac(num(room), num(s))) + op("+") + num(1),
             num(q) + op("+") + num(1)]
    if q + 1 == out:
        return doc.eq(*steps, num(out)), ""
    dropped = "(ceil_mode: the last window would start in the right padding, so it is dropped.)"
    return doc.eq(*steps, num(q + 1) + op("-") + num(1), num(out)), dropped


def _dim(v: Any, one_d: bool) -> str:
    if isinstance(v, tuple):
        return f"{v[0]}×{v[1]}"
    return str(v) if one_d else f"{v}×{v}"


def _describe(layer: Layer, one_d: bool) -> tuple[str, str, str, str, str]:
    """(operation, kernel, stride, padding, dilation) as shown to students."""
    name = "pool" + (" (ceil_mode)" if layer.ceil_mode else "") if layer.op == "pool" else "conv"
    stride = _dim(layer.stride, one_d) if layer.stride is not None else (
        f"{_dim(layer.kernel, one_d)} (default: the pool size)" if layer.op == "pool" else _dim(1, one_d))
    pad = f"'{layer.padding}'" if isinstance(layer.padding, str) else _dim(layer.padding, True)
    return name, _dim(layer.kernel, one_d), stride, pad, _dim(layer.dilation, True)


def _axis_names(one_d: bool) -> tuple[str, ...]:
    return ("n",) if one_d else ("H", "W")


def solve(p: Params) -> Answer:
    sizes = _chain(p)
    one_d = isinstance(p.input, int)
    shape = (p.input,) if one_d else tuple(p.input)
    names = _axis_names(one_d)
    steps: list[doc.Block] = [
        para("Along each axis a window of span ", var("d") + op("(") + var("k") + op("-") + num(1) + op(")") + op("+") + num(1),
             " fits ", doc.floor(doc.frac(var("n") + op("+") + num(2) + var("p") + op("-") + var("span"), var("s")))
             + op("+") + num(1), " times (Keras and PyTorch round down); with padding 'same' (Keras) the output is ",
             doc.ceil(doc.frac(var("n"), var("s"))), "."),
    ]
    for i, layer in enumerate(stack(p)):
        name, kern, stride, pad, dil = _describe(layer, one_d)
        label = f"Layer {i + 1} ({name} {kern}, stride {stride}, padding {pad}" + (f", dilation {dil}" if dil != "1" else "") + ")"
        steps.append(para(label + ":"))
        axes = [0] if not one_d and shape[0] == shape[1] and layer.axis(0) == layer.axis(1) else range(len(shape))
        for ax in axes:
            k, s, padding, d = layer.axis(ax)
            lhs = var(names[ax], i + 1) if len(axes) == len(shape) else var("H", i + 1) + op("=") + var("W", i + 1)
            formula, note = size_formula(shape[ax], k, s, padding, d, layer.ceil_mode)
            steps.append(doc.Display(doc.eq(lhs, formula)))
            if note:
                steps.append(para(note))
        shape = sizes[i]
    parts = _parts(p, sizes)
    steps.append(para("Sizes after each layer: ", ", ".join(_dim(s if len(s) > 1 else s[0], True) for s in sizes), "."))
    kind = "integer" if one_d else "shape"
    return Answer(parts=(Part("output", parts["output"], kind), Part("sizes", parts["sizes"], "shape")), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    one_d = isinstance(p.input, int)
    size = _dim(p.input, one_d)
    if p.layers is None:
        name, kern, stride, pad, dil = _describe(stack(p)[0], one_d)
        what = "A convolution" if p.op == "conv" else "A pooling layer" + (" (PyTorch, ceil_mode=True)" if p.ceil_mode else "")
        specs = [f"kernel {kern}", f"stride {stride}", f"padding {pad}"] + ([f"dilation {dil}"] if dil != "1" else [])
        return (para(f"{what} with {', '.join(specs[:-1])} and {specs[-1]} is applied to an input of size {size}. "
                     "What is the output size?"),)
    rows = tuple((str(i + 1), *_describe(layer, one_d)) for i, layer in enumerate(p.layers))
    return (
        para(f"An input of size {size} passes through the layers below (padding: zeros on each side; 'same' and "
             "'valid' as in Keras). Give the size after each layer and the final output size."),
        doc.Table(("layer", "operation", "kernel", "stride", "padding", "dilation"), rows),
    )


def _as_shape(v: Any, dims: int) -> tuple[int, ...] | None:
    """A student's size (int, [H, W]) as a tuple of positive ints, or None."""
    items = [v] if dims == 1 and not isinstance(v, list | tuple) else v
    if not isinstance(items, list | tuple) or len(items) != dims:
        return None
    out = []
    for x in items:
        if isinstance(x, numbers.Real) and not isinstance(x, int | float) and math.isfinite(x):
            x = float(x)  # a sympy number
        if isinstance(x, float) and x.is_integer():
            x = int(x)
        if isinstance(x, bool) or not isinstance(x, int) or not 1 <= x <= MAX_SIZE:
            return None
        out.append(x)
    return tuple(out)


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """Each size from the student's own size before it (error carried forward)."""
    layers = stack(p)
    raw = given.get("sizes")
    if len(layers) < 2 or not isinstance(raw, list | tuple) or len(raw) != len(layers):
        return {}
    dims = 1 if isinstance(p.input, int) else 2
    start = [_as_shape(v, dims) for v in raw]
    if any(s is None for s in start):
        return {}
    try:
        sizes = _chain(p, start=start)  # type: ignore[arg-type]
    except ParamError:
        return {}
    return _parts(p, sizes)


# ---------------------------------------------------------------------------------------------
# Mistakes: each a rule for one layer along one axis (None where it does not apply)
# ---------------------------------------------------------------------------------------------


def _room(n: int, pad: int, span: int) -> int:
    room = n + pad - span
    if room < 0:
        raise ParamError("kernel", "a kernel that fits", span)
    return room


def _used_ceil(layer: Layer, n: int, ax: int) -> int | None:
    k, s, pad, d = layer.axis(ax)
    if pad == "same" or layer.ceil_mode:
        return None
    room = _room(n, 2 * (0 if pad == "valid" else int(pad)), effective_kernel(k, d))
    return -(-room // s) + 1 if room % s else None


def _forgot_ceil_mode(layer: Layer, n: int, ax: int) -> int | None:
    k, s, pad, d = layer.axis(ax)
    if not layer.ceil_mode:
        return None
    floor = conv_out(n, k, s, pad, d)
    return floor if floor != conv_out(n, k, s, pad, d, ceil_mode=True) else None


def _forgot_padding(layer: Layer, n: int, ax: int) -> int | None:
    k, s, pad, d = layer.axis(ax)
    if pad == "same":
        return conv_out(n, k, s, "valid", d) if sum(pads(n, k, s, "same", d)) else None
    return conv_out(n, k, s, 0, d, ceil_mode=layer.ceil_mode) if pad not in (0, "valid") else None


def _padding_once(layer: Layer, n: int, ax: int) -> int | None:
    k, s, pad, d = layer.axis(ax)
    if isinstance(pad, str) or pad == 0:
        return None
    return _room(n, pad, effective_kernel(k, d)) // s + 1


def _forgot_dilation(layer: Layer, n: int, ax: int) -> int | None:
    k, s, pad, d = layer.axis(ax)
    return conv_out(n, k, s, pad, 1, ceil_mode=layer.ceil_mode) if d > 1 and pad != "same" else None


def _forgot_plus_one(layer: Layer, n: int, ax: int) -> int | None:
    k, s, pad, d = layer.axis(ax)
    return conv_out(n, k, s, pad, d, ceil_mode=layer.ceil_mode) - 1 if pad != "same" else None


def _pool_stride_one(layer: Layer, n: int, ax: int) -> int | None:
    k, _, pad, d = layer.axis(ax)
    if layer.op != "pool" or layer.stride is not None or k == 1:
        return None
    return conv_out(n, k, 1, pad, d, ceil_mode=layer.ceil_mode)


def _same_means_input(layer: Layer, n: int, ax: int) -> int | None:
    _, s, pad, _ = layer.axis(ax)
    return n if pad == "same" and s > 1 else None


def _mistaken(rule: Rule) -> Callable[[Params], dict[str, Any]]:
    def apply(p: Params) -> dict[str, Any]:
        used = []

        def tracked(layer: Layer, n: int, ax: int) -> int | None:
            m = rule(layer, n, ax)
            used.append(m is not None)
            return m

        sizes = _chain(p, tracked)
        return _parts(p, sizes) if any(used) else {}

    return apply


MISTAKES = (
    Mistake("used-ceil", "Keras and PyTorch round down: a window that does not fit completely is not computed, "
            "so n_out = floor((n + 2p - k) / s) + 1.", _mistaken(_used_ceil)),
    Mistake("forgot-ceil-mode", "with ceil_mode=True PyTorch rounds up (a last partial window is kept when it starts "
            "inside the input).", _mistaken(_forgot_ceil_mode)),
    Mistake("forgot-padding", "the padding adds zeros on each side: include 2p in n + 2p - k.", _mistaken(_forgot_padding)),
    Mistake("padding-once", "padding p adds p zeros on *each* side, so the padded size is n + 2p, not n + p.",
            _mistaken(_padding_once)),
    Mistake("forgot-dilation", "a dilated kernel spans d(k - 1) + 1 inputs, not k.", _mistaken(_forgot_dilation)),
    Mistake("forgot-plus-one", "count the first window too: n_out = floor((n + 2p - k) / s) + 1.", _mistaken(_forgot_plus_one)),
    Mistake("pool-stride-one", "a pooling layer's stride defaults to its pool size (Keras MaxPooling2D, PyTorch "
            "MaxPool2d), not 1.", _mistaken(_pool_stride_one)),
    Mistake("same-means-input", "'same' keeps the size only with stride 1; with stride s the output is ceil(n / s).",
            _mistaken(_same_means_input)),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def _fits(layer: Layer, shape: tuple[int, ...], divides: bool) -> tuple[int, ...] | None:
    """The layer's output shape, or None when it does not fit (or does not divide when asked)."""
    out = []
    for ax, n in enumerate(shape):
        k, s, pad, d = layer.axis(ax)
        if divides and not layer.ceil_mode:
            room = n if pad == "same" else n + 2 * (0 if pad == "valid" else int(pad)) - effective_kernel(k, d)
            if room % s:
                return None
        try:
            out.append(conv_out(n, k, s, pad, d, ceil_mode=layer.ceil_mode))
        except ParamError:
            return None
    return tuple(out)


def _candidates(op_: str, opts: dict[str, Any]) -> list[Layer]:
    if op_ == "pool":
        modes = (False, True) if opts["ceil_mode"] else (False,)
        return [Layer("pool", k, s, pad, 1, c) for k in (2, 3) for s in (None, None, 1, 2)
                for pad in (0, 1, "same", "valid") for c in modes
                if not (c and isinstance(pad, str)) and not (isinstance(pad, int) and pad > k // 2)]
    return [Layer("conv", k, s if s > 1 else None, pad, 1 if pad == "same" else d)
            for k in opts["kernels"] for s in opts["strides"] for pad in opts["paddings"] for d in opts["dilations"]]


def sample(
    rng: random.Random,
    *,
    input_min: int = 8,
    input_max: int = 64,
    dims: int = 2,
    square: bool = True,
    layers_min: int = 1,
    layers_max: int = 3,
    kernels: Sequence[int] = (2, 3, 5, 7),
    strides: Sequence[int] = (1, 2, 3),
    paddings: Sequence[int | str] = (0, 1, 2, "same", "valid"),
    dilations: Sequence[int] = (1, 2),
    pool: bool = True,
    ceil_mode: bool = False,
    divides: bool = False,
) -> Params:
    """A stack built layer by layer from the layers that fit the size so far (pools a third of the time)."""
    if input_min > input_max or layers_min > layers_max:
        raise ParamError("options", "input_min <= input_max and layers_min <= layers_max",
                         (input_min, input_max, layers_min, layers_max))
    opts = {"kernels": kernels, "strides": strides, "paddings": paddings, "dilations": dilations, "ceil_mode": ceil_mode}
    convs, pools = _candidates("conv", opts), _candidates("pool", opts)
    h = rng.randint(input_min, input_max)
    start: tuple[int, ...] = (h,) if dims == 1 else (h, h if square else rng.randint(input_min, input_max))
    shape = start
    layers: list[Layer] = []
    for i in range(rng.randint(layers_min, layers_max)):
        use_pool = pool and i > 0 and rng.random() < 1 / 3
        fitting = [(c, o) for c in (pools if use_pool else convs) if (o := _fits(c, shape, divides)) is not None]
        if not fitting:
            if i == 0:
                raise ParamError("options", f"a conv layer (kernels {list(kernels)}) that fits an input of size {start}")
            break
        layer, shape = rng.choice(fitting)
        layers.append(layer)
    size = start[0] if dims == 1 else start
    if len(layers) == 1:
        one = layers[0]
        return Params(size, one.kernel, one.stride, one.padding, one.dilation, one.op, one.ceil_mode)
    return Params(size, layers=tuple(layers))

