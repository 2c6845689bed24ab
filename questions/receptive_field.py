"""Receptive field (in input pixels) of one unit of the last layer of a conv/pool stack, and its
jump (the distance in input pixels between neighbouring units: the product of the strides).

Recurrence, starting from one input pixel (r0 = 1, j0 = 1):
r_l = r_(l-1) + (d_l (k_l - 1) + 1 - 1) j_(l-1),  j_l = j_(l-1) s_l.  Padding does not change it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nnexam.questions import doc
from nnexam.questions.conv_arith import effective_kernel
from nnexam.questions.doc import num, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, Param, PartSpec, Table

TYPE_ID = "receptive-field"
SUMMARY = "Receptive field and jump of a unit after a stack of convolutions/pools (strides, dilations)"

LAYER_PARAMS = (
    Param("kernel", Integer(min=1, max=4096), help="kernel (pool) size"),
    Param("stride", Integer(min=1, max=4096), default=None, help="stride (default 1; the pool size for op = pool)"),
    Param("dilation", Integer(min=1, max=4096), default=1, help="dilation rate"),
    Param("op", Choice("conv", "pool"), default="conv", help="conv or pool"),
)
PARAMS = (Param("layers", ListOf(Table(LAYER_PARAMS), max_len=256), help="the stack, input side first"),)
PARTS = (
    PartSpec("rf", "integer", "receptive field of one unit of the last layer, in input pixels"),
    PartSpec("jump", "integer", "distance in input pixels between neighbouring units of the last layer"),
)
OPTIONS = (
    Param("layers_min", Integer(min=1, max=16), default=2, help="fewest layers"),
    Param("layers_max", Integer(min=1, max=16), default=4, help="most layers"),
    Param("kernels", ListOf(Integer(min=1, max=15)), default=(2, 3, 5), help="conv kernel sizes drawn"),
    Param("strides", ListOf(Integer(min=1, max=8)), default=(1, 1, 2), help="conv strides drawn"),
    Param("dilations", ListOf(Integer(min=1, max=8)), default=(1, 1, 2), help="conv dilations drawn"),
    Param("pool", Boolean(), default=True, help="allow 2x2 / 3x3 pooling layers"),
)


@dataclass(frozen=True)
class Layer:
    kernel: int
    stride: int | None = None
    dilation: int = 1
    op: str = "conv"

    @property
    def step(self) -> int:
        """The stride, its default resolved."""
        return self.stride if self.stride is not None else (self.kernel if self.op == "pool" else 1)

    @property
    def span(self) -> int:
        return effective_kernel(self.kernel, self.dilation)


@dataclass(frozen=True)
class Params:
    layers: tuple[Layer, ...]

    def __post_init__(self) -> None:
        layers = tuple(x if isinstance(x, Layer) else Layer(**dict(x)) for x in self.layers)
        if not layers:
            raise ParamError("layers", "at least one layer", [])
        object.__setattr__(self, "layers", layers)


def _table(layers: Sequence[Layer], *, dilation: bool = True, jump: bool = True, r0: int = 1) -> list[tuple[int, int, int]]:
    """(effective kernel, rf, jump) after each layer; flags switch parts of the recurrence off (mistakes)."""
    r, j, out = r0, 1, []
    for layer in layers:
        k = layer.span if dilation else layer.kernel
        r += (k - 1) * (j if jump else 1)
        j *= layer.step
        out.append((k, r, j))
    return out


def _parts(rows: list[tuple[int, int, int]]) -> dict[str, Any]:
    return {"rf": rows[-1][1], "jump": rows[-1][2]}


def solve(p: Params) -> Answer:
    rows = _table(p.layers)
    steps: list[doc.Block] = [
        para("Start from one input pixel: ", doc.eq(var("r", 0), num(1)), ", ", doc.eq(var("j", 0), num(1)),
             ". Layer l widens the field by (effective kernel - 1) steps of the current jump, then multiplies the jump "
             "by its stride: ",
             doc.eq(var("r", "l"), var("r", "l-1") + op("+") + op("(") + var("k", "eff") + op("-") + num(1) + op(")")
                    + op("*") + var("j", "l-1")),
             ", ", doc.eq(var("j", "l"), var("j", "l-1") + op("*") + var("s", "l")),
             ", with ", doc.eq(var("k", "eff"), var("d") + op("(") + var("k") + op("-") + num(1) + op(")") + op("+") + num(1)), "."),
    ]
    table_rows = []
    r_prev, j_prev = 1, 1
    for i, (layer, (k_eff, r, j)) in enumerate(zip(p.layers, rows), start=1):
        eff = doc.eq(num(layer.dilation) + op("*") + op("(") + num(layer.kernel) + op("-") + num(1) + op(")") + op("+") + num(1),
                     num(k_eff)) if layer.dilation > 1 else num(k_eff)
        rf = doc.eq(num(r_prev) + op("+") + num(k_eff - 1) + op("*") + num(j_prev), num(r))
        jump = doc.eq(num(j_prev) + op("*") + num(layer.step), num(j))
        name = f"{layer.op} {layer.kernel}" + ("" if layer.stride is not None or layer.op == "conv" else " (stride = size)")
        table_rows.append((str(i), name, str(layer.step), str(layer.dilation), eff, rf, jump))
        r_prev, j_prev = r, j
    steps.append(doc.Table(("layer", "op", "stride s", "dilation d", "k_eff", "r_l", "j_l"), tuple(table_rows)))
    steps.append(para("Receptive field ", doc.eq(var("r", len(rows)), num(rows[-1][1])), " input pixels; jump ",
                      doc.eq(var("j", len(rows)), num(rows[-1][2])), "."))
    parts = _parts(rows)
    return Answer(parts=(Part("rf", parts["rf"], "integer"), Part("jump", parts["jump"], "integer")), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    rows = tuple(
        (str(i), layer.op, f"{layer.kernel}", str(layer.step) + (" (default)" if layer.stride is None and layer.op == "pool" else ""),
         str(layer.dilation))
        for i, layer in enumerate(p.layers, start=1)
    )
    return (
        para("The layers below are applied in order (padding does not matter here). How many input pixels "
             "(along one axis) does one unit of the last layer see (its receptive field), and how far apart in the "
             "input are neighbouring units of the last layer (the jump)?"),
        doc.Table(("layer", "op", "kernel", "stride", "dilation"), rows),
    )


def _if(cond: bool, rows: list[tuple[int, int, int]]) -> dict[str, Any]:
    return {"rf": _parts(rows)["rf"]} if cond else {}


MISTAKES = (
    Mistake("forgot-dilation", "a dilated kernel spans d(k - 1) + 1 pixels, not k.",
            lambda p: _if(any(x.dilation > 1 for x in p.layers), _table(p.layers, dilation=False))),
    Mistake("forgot-jump", "after a strided layer each step of the kernel moves j (the product of the earlier strides) "
            "input pixels: r_l = r_(l-1) + (k - 1) j_(l-1).",
            lambda p: _if(any(r[2] > 1 and x.span > 1 for r, x in zip(_table(p.layers), p.layers[1:])),
                          _table(p.layers, jump=False))),
    Mistake("multiplied-kernels", "receptive fields grow by adding (k - 1) j per layer, not by multiplying kernel sizes.",
            lambda p: {"rf": math.prod(x.span for x in p.layers)} if sum(x.span > 1 for x in p.layers) > 1 else {}),
    Mistake("off-by-one", "start from one input pixel (r0 = 1): a 3x3 conv sees 3 pixels, not 2.",
            lambda p: {"rf": _parts(_table(p.layers, r0=0))["rf"]}),
)


def sample(
    rng: random.Random,
    *,
    layers_min: int = 2,
    layers_max: int = 4,
    kernels: Sequence[int] = (2, 3, 5),
    strides: Sequence[int] = (1, 1, 2),
    dilations: Sequence[int] = (1, 1, 2),
    pool: bool = True,
) -> Params:
    """A small stack; pools (2x2 or 3x3, default stride) a quarter of the time after the first layer.
    When the options allow it, some layer before the last is strided, so the jump matters."""
    if layers_min > layers_max:
        raise ParamError("options", "layers_min <= layers_max", (layers_min, layers_max))
    can_stride = layers_max > 1 and (max(strides) > 1 or pool)
    for _ in range(50):
        layers = []
        for i in range(rng.randint(layers_min, layers_max)):
            if pool and i > 0 and rng.random() < 0.25:
                layers.append(Layer(rng.choice((2, 3)), op="pool"))
            else:
                s = rng.choice(strides)
                layers.append(Layer(rng.choice(kernels), s if s > 1 else None, rng.choice(dilations)))
        if not can_stride or any(x.step > 1 for x in layers[:-1]):
            break
    return Params(tuple(layers))
