"""Steps per epoch and total updates: ceil(samples / batch_size), as Keras' ``fit`` and PyTorch's
``DataLoader`` (``drop_last=False``) run a last, smaller batch."""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Integer, Param, PartSpec

TYPE_ID = "training-steps"
SUMMARY = "Steps per epoch (ceil, or floor with drop_last) and total weight updates"

PARAMS = (
    Param("samples", Integer(min=1, max=10**12), help="training samples"),
    Param("batch_size", Integer(min=1, max=10**9), help="samples per batch"),
    Param("epochs", Integer(min=1, max=10**6), default=1, help="passes over the data"),
    Param("drop_last", Boolean(), default=False, help="drop the last incomplete batch (PyTorch drop_last)"),
)
PARTS = (
    PartSpec("steps_per_epoch", "integer", "batches (weight updates) per epoch"),
    PartSpec("total_updates", "integer", "weight updates over all epochs"),
)
OPTIONS = (
    Param("samples", Integer(min=1), default=None, help="fixed sample count (default: drawn)"),
    Param("samples_min", Integer(min=1), default=1000, help="smallest sample count drawn"),
    Param("samples_max", Integer(min=1), default=70000, help="largest sample count drawn"),
    Param("epochs_min", Integer(min=1), default=2, help="fewest epochs drawn"),
    Param("epochs_max", Integer(min=1), default=50, help="most epochs drawn"),
    Param("divides", Boolean(), default=False, help="draw sizes where batch_size divides samples"),
)


@dataclass(frozen=True)
class Params:
    samples: int
    batch_size: int
    epochs: int = 1
    drop_last: bool = False

    def __post_init__(self) -> None:
        if self.drop_last and self.batch_size > self.samples:
            raise ParamError("batch_size", f"at most samples={self.samples} when drop_last is true", self.batch_size)


def steps_per_epoch(rows: int, batch_size: int, *, drop_last: bool = False) -> int:
    """Batches in one epoch: ceil(rows / batch_size), as Keras' fit and a DataLoader count them;
    floor with ``drop_last``. The one definition the family, the claims and the audit use."""
    return rows // batch_size if drop_last else -(-rows // batch_size)


def train_rows(n: int, validation_split: float) -> int:
    """The rows Keras' ``fit(validation_split=...)`` trains on: the first floor(n * (1 - split));
    the *last* rows, before shuffling, are the validation set."""
    return math.floor(n * (1.0 - validation_split)) if validation_split else n


def _steps(p: Params, *, floor: bool) -> int:
    return steps_per_epoch(p.samples, p.batch_size, drop_last=floor)


def solve(p: Params) -> Answer:
    steps = _steps(p, floor=p.drop_last)
    total = steps * p.epochs
    rest = p.samples - (p.samples // p.batch_size) * p.batch_size
    why = (
        "the last incomplete batch is dropped" if p.drop_last else f"the last batch holds the remaining {rest} samples"
    ) if rest else "the batches divide the samples exactly"
    spe, tot = var("steps"), var("updates")
    ratio = doc.F(rf"\frac{{{p.samples}}}{{{p.batch_size}}}", f"{p.samples}/{p.batch_size}", f"{p.samples} / {p.batch_size}")
    steps_f = doc.floor(ratio) if p.drop_last else doc.ceil(ratio)
    steps_text = [
        para("Steps per epoch: ", doc.eq(spe, steps_f, doc.num(steps)), f" ({why})."),
        para("Total updates: ", doc.eq(tot, doc.num(steps) + op("x") + doc.num(p.epochs), doc.num(total)), "."),
    ]
    return Answer(
        parts=(Part("steps_per_epoch", steps, "integer"), Part("total_updates", total, "integer")),
        steps=tuple(steps_text),
    )


def statement(p: Params) -> tuple[doc.Block, ...]:
    last = "the last incomplete batch is dropped (drop_last=True)" if p.drop_last else "the last, smaller batch is kept (the default in Keras and PyTorch)"
    return (
        para(
            f"A model is trained on {p.samples:,} samples with batch size {p.batch_size} for {p.epochs} epochs; {last}. ",
            "How many weight updates (steps) happen per epoch, and in total?",
        ),
    )


def follow_on(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """total_updates from the student's own steps_per_epoch."""
    s = given.get("steps_per_epoch")
    return {"total_updates": int(s) * p.epochs} if isinstance(s, numbers.Integral) else {}


def _floor_ceil_swapped(p: Params) -> dict[str, Any]:
    s = _steps(p, floor=not p.drop_last)
    return {"steps_per_epoch": s, "total_updates": s * p.epochs}


MISTAKES = (
    Mistake(
        "floor-steps",
        "you rounded down: the last, smaller batch is still a step, so steps per epoch = ceil(samples / batch_size).",
        lambda p: {} if p.drop_last or p.samples % p.batch_size == 0 else _floor_ceil_swapped(p),
    ),
    Mistake(
        "used-ceil",
        "with drop_last the incomplete batch is dropped, so steps per epoch = floor(samples / batch_size).",
        lambda p: _floor_ceil_swapped(p) if p.drop_last and p.samples % p.batch_size else {},
    ),
    Mistake(
        "forgot-epochs",
        "total updates count every epoch: steps per epoch x epochs.",
        lambda p: {"total_updates": _steps(p, floor=p.drop_last)} if p.epochs > 1 else {},
    ),
    Mistake(
        "per-sample-updates",
        "a step processes a whole batch, not one sample: divide the samples by the batch size.",
        lambda p: {"steps_per_epoch": p.samples, "total_updates": p.samples * p.epochs}
        if p.batch_size > 1
        else {},
    ),
)

_BATCHES = (16, 24, 32, 50, 64, 100, 128, 256)


def sample(
    rng: random.Random,
    *,
    samples: int | None = None,
    samples_min: int = 1000,
    samples_max: int = 70000,
    epochs_min: int = 2,
    epochs_max: int = 50,
    divides: bool = False,
) -> Params:
    """Round-ish sample counts (multiples of 10) so the arithmetic is doable by hand."""
    if samples_min > samples_max or epochs_min > epochs_max:
        raise ParamError("options", "min <= max for samples and epochs", (samples_min, samples_max, epochs_min, epochs_max))
    bs = rng.choice(_BATCHES)
    if samples is not None:
        n = samples
    elif divides:
        n = bs * rng.randint(max(1, -(-samples_min // bs)), max(1, samples_max // bs))
    else:
        n = 10 * rng.randint(max(1, samples_min // 10), max(1, samples_max // 10))
    return Params(samples=n, batch_size=bs, epochs=rng.randint(epochs_min, epochs_max))
