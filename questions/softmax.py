"""Softmax of a logit vector (or of each row of a batch), exactly: p_i = exp(z_i) / sum_j exp(z_j)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nnexam.questions import activations as act
from nnexam.questions import doc
from nnexam.questions.doc import Display, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n, to_exact, to_sympy
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Integer, Nested, Param, PartSpec

TYPE_ID = "softmax"
SUMMARY = "Softmax probabilities of a logit vector (a matrix: one softmax per row)"

PARAMS = (
    Param("logits", Nested(max_depth=2, max_items=4096), help="a vector of logits, or a matrix: a batch, one row per sample"),
)
PARTS = (PartSpec("probabilities", "vector", "softmax(logits); a matrix (one row per sample) for a batch"),)
OPTIONS = (
    Param("classes_min", Integer(min=2, max=10), default=3, help="fewest logits per sample"),
    Param("classes_max", Integer(min=2, max=10), default=4, help="most logits per sample"),
    Param("batch", Integer(min=0, max=8), default=0, help="rows of a batch (0: one vector)"),
    Param("value_min", Integer(min=-10, max=10), default=-2, help="smallest logit"),
    Param("value_max", Integer(min=-10, max=10), default=3, help="largest logit"),
)


def _rows(logits: Any) -> tuple[tuple[Any, ...], ...]:
    """The logits as rows (a vector is one row); ParamError unless a vector or a rectangular matrix."""
    if not isinstance(logits, tuple | list) or not logits:
        raise ParamError("logits", "a vector of numbers or a matrix (one row per sample)", logits)
    if not any(isinstance(v, tuple | list) for v in logits):
        return (tuple(logits),)
    for i, row in enumerate(logits, start=1):
        if not isinstance(row, tuple | list) or any(isinstance(v, tuple | list) for v in row):
            raise ParamError(f"logits[{i}]", "a row of numbers (a matrix has one row per sample)", row)
    if len({len(r) for r in logits}) != 1:
        raise ParamError("logits", "a matrix with rows of equal length", f"row lengths {[len(r) for r in logits]}")
    return tuple(tuple(r) for r in logits)


def _exact_tree(v: Any, name: str) -> Any:
    if isinstance(v, tuple | list):
        return tuple(_exact_tree(x, f"{name}[{i + 1}]") for i, x in enumerate(v))
    try:
        return to_sympy(to_exact(v))
    except (ValueError, TypeError):
        raise ParamError(name, "a number", v) from None


@dataclass(frozen=True)
class Params:
    logits: Any

    def __post_init__(self) -> None:
        logits = _exact_tree(self.logits, "logits")
        _rows(logits)
        object.__setattr__(self, "logits", logits)

    @property
    def batch(self) -> bool:
        return isinstance(self.logits[0], tuple)


def _shape(p: Params, rows: Sequence[Sequence[Any]]) -> Any:
    """Rows back in the shape of the logits: a vector for a vector, a matrix for a batch."""
    return tuple(tuple(r) for r in rows) if p.batch else tuple(rows[0])


_SUM = doc.F(r"\sum_j e^{z_j}", "sum_j e^(z_j)", "sum_j exp(z_j)")


def solve(p: Params) -> Answer:
    import sympy as sp

    rows = _rows(p.logits)
    probs = [act.softmax(r) for r in rows]
    steps: list[doc.Block] = [para("Softmax: ", act.definition("softmax"), ", one shared denominator per sample:")]
    for n, (z, pr) in enumerate(zip(rows, probs), start=1):
        total = sp.Add(*[sp.exp(v) for v in z])
        if p.batch:
            steps.append(para(f"Sample {n}:"))
        written = doc.join("+", [doc.call("exp", doc.num(v)) for v in z])
        sum_f, ratios = act.softmax_shown(z)
        total_f = doc.F("", "", "") if isinstance(total, sp.Rational) else op("~") + doc.expr(exact_n(total, 6))
        steps.append(Display(doc.eq(_SUM, written, sum_f) + total_f))
        top_z = max(z)
        shifted = [math.exp(float(v - top_z)) for v in z]  # decimals for display only: exp(z - max) never overflows
        for i, (q, ratio, e) in enumerate(zip(pr, ratios, shifted), start=1):
            steps.append(Display(doc.eq(var("p", i), ratio) + _approx(q, e / sum(shifted))))
    steps.append(para("The probabilities of a sample sum to 1; subtracting max z from every logit leaves them unchanged."))
    kind = "matrix" if p.batch else "vector"
    return Answer(parts=(Part("probabilities", _shape(p, probs), kind),), steps=tuple(steps))


def _approx(v: Any, decimal: float) -> doc.F:
    """`` ≈ 0.665241`` after a non-rational exact value."""
    import sympy as sp

    if isinstance(v, sp.Rational):
        return doc.F("", "", "")
    s = f"{decimal:.6g}"
    return op("~") + doc.F(s, s, s)


def statement(p: Params) -> tuple[doc.Block, ...]:
    if p.batch:
        return (
            para("A classifier outputs the logits below, one row per sample: ", doc.eq(var("Z"), doc.mat(p.logits)), "."),
            para("Compute the softmax probabilities of each row, exactly."),
        )
    return (
        para("A classifier outputs the logits ", doc.eq(var("z"), doc.vec(p.logits)), "."),
        para("Compute the softmax probabilities, exactly."),
    )


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


def _per_row(p: Params, fn: Any) -> dict[str, Any]:
    rows = _rows(p.logits)
    out = [fn(r) for r in rows]
    return {} if any(o is None for o in out) else {"probabilities": _shape(p, out)}


def _normalised_logits(z: Sequence[Any]) -> tuple[Any, ...] | None:
    import sympy as sp

    total = sp.Add(*z)
    return None if total == 0 else tuple(v / total for v in z)


def _one_hot(z: Sequence[Any]) -> tuple[Any, ...] | None:
    import sympy as sp

    top = max(z)
    if list(z).count(top) > 1:
        return None
    return tuple(sp.Integer(int(v == top)) for v in z)


def _wrong_axis(p: Params) -> dict[str, Any]:
    rows = _rows(p.logits)
    if not p.batch or len(rows) < 2:
        return {}
    cols = [act.softmax(c) for c in zip(*rows)]
    return {"probabilities": tuple(zip(*cols))}


def _exps(z: Any) -> tuple[Any, ...]:
    """exp(z_i) without the normalisation (a mistake's answer)."""
    import sympy as sp

    return tuple(sp.exp(v) for v in z)


MISTAKES = (
    Mistake(
        "forgot-normalisation",
        "divide each exp(z_i) by the sum of all exp(z_j), so that the probabilities sum to 1.",
        lambda p: _per_row(p, _exps),
    ),
    Mistake(
        "normalised-logits",
        "softmax exponentiates first: exp(z_i) / sum exp(z_j), not z_i / sum z_j.",
        lambda p: _per_row(p, _normalised_logits),
    ),
    Mistake(
        "argmax-one-hot",
        "softmax gives every class a probability; the one-hot vector of the largest logit is argmax, not softmax.",
        lambda p: _per_row(p, _one_hot),
    ),
    Mistake(
        "used-log-softmax",
        "that is log-softmax (z_i - ln sum exp(z_j)); softmax is exp(z_i) / sum exp(z_j).",
        lambda p: _per_row(p, act.log_softmax),
    ),
    Mistake(
        "used-sigmoid",
        "softmax normalises over all the classes; a sigmoid per logit does not sum to 1.",
        lambda p: _per_row(p, lambda z: tuple(act.sigmoid(v) for v in z)),
    ),
    Mistake("wrong-axis", "softmax is taken over each sample's classes (each row), not down each column.", _wrong_axis),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    classes_min: int = 3,
    classes_max: int = 4,
    batch: int = 0,
    value_min: int = -2,
    value_max: int = 3,
) -> Params:
    """Small integer logits with a single largest one per row."""
    if classes_min > classes_max or value_min >= value_max:
        raise ParamError("options", "classes_min <= classes_max and value_min < value_max", (classes_min, classes_max, value_min, value_max))
    c = rng.randint(classes_min, classes_max)
    for _ in range(100):
        rows = [tuple(rng.randint(value_min, value_max) for _ in range(c)) for _ in range(max(batch, 1))]
        if all(_one_hot(r) is not None for r in rows):
            break
    return Params(logits=tuple(rows) if batch else rows[0])
