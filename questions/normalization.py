"""Batch and layer normalisation of a small batch, exactly, as Keras 3 or PyTorch compute them.

``x`` holds one row per sample. Batch normalisation takes each feature's (column's) mean and biased
variance over the batch; layer normalisation each sample's (row's) over its features; both output
``gamma (x - mean) / sqrt(variance + epsilon) + beta`` with ``gamma``, ``beta`` per feature. In
training, batch normalisation also updates its moving statistics, where the frameworks differ:

- Keras: ``moving = momentum * moving + (1 - momentum) * batch`` (momentum 0.99, epsilon 1e-3), with
  the biased variance;
- PyTorch: ``running = (1 - momentum) * running + momentum * batch`` (momentum 0.1, epsilon 1e-5),
  with the unbiased variance (n - 1).

Out of training (``training = false``), batch normalisation normalises with the moving statistics.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import Display, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n
from nnexam.questions.family import Answer, Mistake, Part, same
from nnexam.questions.params import (
    Boolean,
    Choice,
    Integer,
    ListOf,
    Matrix,
    Number,
    OneOf,
    Param,
    PartSpec,
    Vector,
)

TYPE_ID = "normalization"
SUMMARY = "Batch or layer normalisation: statistics, output and moving statistics (Keras or PyTorch)"

F = Fraction
DEFAULTS = {
    "keras": {"epsilon": F(1, 1000), "momentum": F(99, 100)},
    "pytorch": {"epsilon": F(1, 10**5), "momentum": F(1, 10)},
}
_PER_FEATURE = OneOf(Number(), Vector())
_PER_FEATURE.expected = "a number (every feature) or a vector with one number per feature (column)"

PARAMS = (
    Param("x", Matrix(allow_vector=True), help="the batch: one row per sample, one column per feature"),
    Param("kind", Choice("batch", "layer"), default="batch", help="batch (statistics per column) or layer (per row)"),
    Param("gamma", _PER_FEATURE, default=1, help="scale per feature"),
    Param("beta", _PER_FEATURE, default=0, help="shift per feature"),
    Param("epsilon", Number(), default=None, help="added to the variance (default 1e-3 Keras, 1e-5 PyTorch)"),
    Param("training", Boolean(), default=True, help="batch normalisation: batch statistics (true) or moving ones (false)"),
    Param("moving_mean", _PER_FEATURE, default=0, help="batch normalisation: moving mean before the step"),
    Param("moving_variance", _PER_FEATURE, default=1, help="batch normalisation: moving variance before the step"),
    Param("momentum", Number(), default=None, help="moving-average momentum (default 0.99 Keras, 0.1 PyTorch)"),
    Param("convention", Choice("keras", "pytorch"), default="keras", help="keras or pytorch: momentum, epsilon, moving variance"),
)
PARTS = (
    PartSpec("mean", "vector", "the mean used: per feature (batch) or per sample (layer)"),
    PartSpec("variance", "vector", "the biased variance used to normalise"),
    PartSpec("output", "matrix", "the normalised, scaled and shifted batch"),
    PartSpec("moving_mean", "vector", "batch normalisation in training: the moving mean after the step"),
    PartSpec("moving_variance", "vector", "batch normalisation in training: the moving variance after the step"),
)
OPTIONS = (
    Param("kinds", ListOf(Choice("batch", "layer")), default=("batch", "batch", "layer"), help="kinds to draw from"),
    Param("conventions", ListOf(Choice("keras", "pytorch")), default=("keras", "pytorch"), help="conventions to draw from"),
    Param("samples_min", Integer(min=1, max=8), default=2, help="fewest samples (rows)"),
    Param("samples_max", Integer(min=1, max=8), default=4, help="most samples"),
    Param("features_min", Integer(min=1, max=8), default=2, help="fewest features (columns)"),
    Param("features_max", Integer(min=1, max=8), default=3, help="most features"),
    Param("value_max", Integer(min=1, max=20), default=6, help="x in [-value_max, value_max]"),
    Param("inference", Boolean(), default=False, help="also draw batch normalisation out of training (moving statistics)"),
    Param("epsilon", Number(), default=None, help="epsilon of drawn variants (default: the framework's)"),
)


def _per_feature(v: Any, n: int, name: str) -> tuple[Fraction, ...]:
    if not isinstance(v, tuple):
        return (F(v),) * n
    if len(v) == 1:
        return tuple(v) * n
    if len(v) != n:
        raise ParamError(name, f"one number per feature ({n}) or a single number", v)
    return tuple(v)


@dataclass(frozen=True)
class Params:
    x: Any
    kind: str = "batch"
    gamma: Any = 1
    beta: Any = 0
    epsilon: Fraction | None = None
    training: bool = True
    moving_mean: Any = 0
    moving_variance: Any = 1
    momentum: Fraction | None = None
    convention: str = "keras"

    def __post_init__(self) -> None:
        x = self.x
        if not isinstance(x[0], tuple):
            x = (tuple(x),)
        x = tuple(tuple(F(v) for v in r) for r in x)
        if len({len(r) for r in x}) != 1:
            raise ParamError("x", "rows of equal length", f"row lengths {[len(r) for r in x]}")
        object.__setattr__(self, "x", x)
        n = len(x[0])
        for name in ("gamma", "beta", "moving_mean", "moving_variance"):
            object.__setattr__(self, name, _per_feature(_tuple(getattr(self, name)), n, name))
        if any(v < 0 for v in self.moving_variance):
            raise ParamError("moving_variance", "numbers >= 0", self.moving_variance)
        if self.epsilon is not None and self.epsilon < 0:
            raise ParamError("epsilon", "a number >= 0", self.epsilon)
        if self.momentum is not None and not 0 <= self.momentum <= 1:
            raise ParamError("momentum", "a number in [0, 1]", self.momentum)
        if self.kind == "batch" and self.training and self.convention == "pytorch" and len(x) < 2:
            raise ParamError("x", "at least 2 samples: PyTorch's batch normalisation refuses one sample in training "
                             "(its unbiased running variance divides by n - 1)", len(x))
        if self.kind == "layer" and (self.moving_mean != (0,) * n or self.moving_variance != (1,) * n or self.momentum is not None):
            raise ParamError("moving_mean", "no moving statistics with layer normalisation (give them for kind = 'batch')",
                             self.moving_mean)
        used = self.moving_variance if self.kind == "batch" and not self.training else _stats(self, self.kind)[1]
        for i, v in enumerate(used):
            if v + self.eps == 0:
                raise ParamError("epsilon", f"> 0 when a variance is 0 ({'column' if self.kind == 'batch' else 'row'} {i + 1})", 0)

    @property
    def eps(self) -> Fraction:
        return DEFAULTS[self.convention]["epsilon"] if self.epsilon is None else F(self.epsilon)

    @property
    def mom(self) -> Fraction:
        return DEFAULTS[self.convention]["momentum"] if self.momentum is None else F(self.momentum)

    @property
    def updates_moving(self) -> bool:
        return self.kind == "batch" and self.training


def readable(e: Any) -> Any:
    """``e`` with every root of a large integer written as a root of a small rational: sympy writes
    sqrt(6187.51) as sqrt(6187510)/1000, whose argument the safe parser (and so the grader reading the
    key) refuses above 10^6; ``1000*sqrt(6187510/1000000)`` has the same value and reads back. Tuples
    (vectors, matrices) are done entry by entry; anything else is returned as it is."""
    if isinstance(e, tuple):
        return tuple(readable(x) for x in e)
    from nnexam.questions.exact import is_sympy

    if not is_sympy(e) or e.is_Rational:
        return e
    return _readable(e)


def _readable(e: Any) -> Any:
    import sympy as sp
    from nnexam.questions.safe_expr import MAX_FUNC_ARG

    if e.is_Pow and e.base.is_Integer and e.exp.is_Rational and not e.exp.is_Integer and abs(e.base) > MAX_FUNC_ARG:
        k = 2 * ((len(str(abs(e.base.p))) - 5) // 2)  # an even power of 10 that brings the base under 10^6
        small = sp.Pow(sp.Rational(e.base.p, 10**k), e.exp, evaluate=False)
        return sp.Mul(sp.Integer(10) ** (k * e.exp), small, evaluate=False)
    if not e.args or e.is_Atom:
        return e
    args = [_readable(a) for a in e.args]
    if all(a is b for a, b in zip(args, e.args)):
        return e
    if e.is_Mul:
        coef, rest = sp.Integer(1), []
        for a in args:
            for f in (a.args if a.is_Mul else (a,)):
                if f.is_Rational:
                    coef *= f
                else:
                    rest.append(f)
        # the coefficient as an integer over an integer: a Rational one makes the printer merge the roots again
        head = [sp.Integer(coef.p)] if coef.p != 1 else []
        tail = [sp.Pow(sp.Integer(coef.q), -1, evaluate=False)] if coef.q != 1 else []
        return sp.Mul(*head, *rest, *tail, evaluate=False)
    return e.func(*args, evaluate=False)


def _tuple(v: Any) -> Any:
    return tuple(v) if isinstance(v, list | tuple) else v


def _stats(p: Params, axis: str, *, unbiased: bool = False) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """(means, variances) per column (``batch``) or per row (``layer``); biased unless ``unbiased``."""
    groups = list(zip(*p.x)) if axis == "batch" else list(p.x)
    means, variances = [], []
    for g in groups:
        m = F(sum(g), len(g))
        ss = sum((v - m) ** 2 for v in g)
        means.append(m)
        variances.append(F(ss, len(g) - 1) if unbiased and len(g) > 1 else F(ss, len(g)))
    return tuple(means), tuple(variances)


def _normalise(p: Params, means: Sequence[Fraction], variances: Sequence[Fraction], axis: str, eps: Any) -> tuple[tuple[Any, ...], ...]:
    """gamma (x - mean) / sqrt(variance + eps) + beta: a rational times one square root per group."""
    import sympy as sp

    def r(v: Fraction) -> Any:
        v = F(v)
        return sp.Rational(v.numerator, v.denominator)

    inv = [sp.sqrt(r(1 / (F(v) + F(eps)))) if F(v) + F(eps) else sp.zoo for v in variances]
    out = []
    for i, row in enumerate(p.x):
        new = []
        for j, v in enumerate(row):
            k = j if axis == "batch" else i
            coef = p.gamma[j] * (v - F(means[k]))
            new.append(r(coef) * inv[k] + r(p.beta[j]) if coef else r(p.beta[j]))
        out.append(tuple(new))
    return tuple(out)


def _moving(p: Params, means: Sequence[Fraction], variances: Sequence[Fraction], *, rule: str | None = None,
            unbiased: bool | None = None) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """The moving statistics after the step, from the batch's biased ``variances``."""
    rule = rule or p.convention
    unbiased = p.convention == "pytorch" if unbiased is None else unbiased
    n = len(p.x)
    var = [v * n / (n - 1) for v in variances] if unbiased and n > 1 else list(variances)
    m = p.mom
    if rule == "keras":
        return (tuple(m * a + (1 - m) * b for a, b in zip(p.moving_mean, means)),
                tuple(m * a + (1 - m) * b for a, b in zip(p.moving_variance, var)))
    return (tuple((1 - m) * a + m * b for a, b in zip(p.moving_mean, means)),
            tuple((1 - m) * a + m * b for a, b in zip(p.moving_variance, var)))


def _compute(p: Params, *, axis: str | None = None, unbiased: bool = False, eps: Any = None, use_moving: bool | None = None,
             rule: str | None = None, moving_unbiased: bool | None = None) -> dict[str, Any]:
    """Every part, with switches that reproduce a mistake."""
    axis = axis or p.kind
    eps = p.eps if eps is None else eps
    use_moving = (p.kind == "batch" and not p.training) if use_moving is None else use_moving
    means, variances = _stats(p, axis)
    if use_moving:
        out = {"output": _normalise(p, p.moving_mean, p.moving_variance, "batch", eps)}
    else:
        norm_var = _stats(p, axis, unbiased=True)[1] if unbiased else variances
        out = {"mean": means, "variance": norm_var, "output": _normalise(p, means, norm_var, axis, eps)}
    if not p.training and p.kind == "batch" or p.kind == "layer" and not p.training:
        return {"output": out["output"]}
    if p.updates_moving:
        bm, bv = _stats(p, "batch")
        out["moving_mean"], out["moving_variance"] = _moving(p, bm, bv, rule=rule, unbiased=moving_unbiased)
    return out


@lru_cache(maxsize=64)
def _right(p: Params) -> dict[str, Any]:
    return _compute(p)


_KINDS = {"mean": "vector", "variance": "vector", "output": "matrix", "moving_mean": "vector", "moving_variance": "vector"}


def solve(p: Params) -> Answer:
    right = _right(p)
    parts = tuple(Part(k, readable(v), _KINDS[k]) for k, v in right.items())
    return Answer(parts=parts, steps=tuple(_steps(p, right)))


# ---------------------------------------------------------------------------------------------
# Statement and steps
# ---------------------------------------------------------------------------------------------

_FW = {"keras": "Keras", "pytorch": "PyTorch"}


def _dec(v: Fraction) -> str:
    v = F(v)
    return str(v.numerator) if v.denominator == 1 else format(float(v), ".12g") if 10**12 % v.denominator == 0 else str(v)


def _moving_rule(p: Params) -> str:
    m = _dec(p.mom)
    if p.convention == "keras":
        return (f"moving = {m}·moving + (1 − {m})·batch statistic (Keras: momentum = {m} weighs the old value), "
                "with the biased batch variance")
    return (f"running = (1 − {m})·running + {m}·batch statistic (PyTorch: momentum = {m} weighs the new value), "
            "with the unbiased batch variance (divided by n − 1)")


def statement(p: Params) -> tuple[doc.Block, ...]:
    fw = _FW[p.convention]
    n, c = len(p.x), len(p.x[0])
    what = "Batch normalisation" if p.kind == "batch" else "Layer normalisation"
    axis = "each feature (column) over the batch" if p.kind == "batch" else "each sample (row) over its features"
    blocks: list[doc.Block] = [
        para(f"{what} as {fw} computes it is applied to a batch of {n} sample(s) (rows) with {c} feature(s) (columns):"),
        Display(doc.eq(var("x"), doc.mat(p.x))),
        para("Parameters per feature: ", doc.eq(var("gamma"), doc.vec(p.gamma)), ", ", doc.eq(var("beta"), doc.vec(p.beta)),
             f", epsilon = {_dec(p.eps)}. The output is γ·(x − mean)/√(variance + ε) + β."),
    ]
    if p.kind == "batch" and not p.training:
        blocks.append(para("The layer is used for inference (training = false): it normalises with its moving statistics ",
                           doc.eq(var("mu", "moving"), doc.vec(p.moving_mean)), " and ",
                           doc.eq(var("sigma", "moving", "2"), doc.vec(p.moving_variance)), ". Give the output."))
        return tuple(blocks)
    if p.kind == "layer":
        blocks.append(para(f"The statistics are those of {axis}. Give the means, the (biased) variances used to normalise, "
                           "and the output."))
        return tuple(blocks)
    blocks.append(para(f"The layer is in training: it normalises {axis} with the batch mean and the biased batch variance, "
                       "then updates its moving statistics, ", doc.eq(var("mu", "moving"), doc.vec(p.moving_mean)), " and ",
                       doc.eq(var("sigma", "moving", "2"), doc.vec(p.moving_variance)), f" before the step, as {fw} does: "
                       f"{_moving_rule(p)}."))
    blocks.append(para("Give the batch means, the biased variances used to normalise, the output, and the moving mean and "
                       "moving variance after the step."))
    return tuple(blocks)


def _approx_matrix(rows: Sequence[Sequence[Any]]) -> doc.F:
    import sympy as sp

    return doc.mat([[sp.Float(f"{float(exact_n(v, 15)):.6g}", 6) if not isinstance(v, sp.Rational) else v for v in r] for r in rows])


def _steps(p: Params, right: Mapping[str, Any]) -> list[doc.Block]:
    out: list[doc.Block] = []
    if p.kind == "layer" or p.training:
        axis = "column" if p.kind == "batch" else "row"
        groups = list(zip(*p.x)) if p.kind == "batch" else list(p.x)
        for k, (g, m, v) in enumerate(zip(groups, *_stats(p, p.kind)), start=1):
            vals = " + ".join(doc.plain_str(x) for x in g)
            sq = " + ".join(f"({doc.plain_str(x)} − {doc.plain_str(m)})²" for x in g)
            out.append(para(f"{axis.capitalize()} {k}: mean = ({vals}) / {len(g)} = {doc.plain_str(m)}; "
                            f"variance = ({sq}) / {len(g)} = {doc.plain_str(v)}."))
    else:
        out.append(para("Inference: the moving mean and variance replace the batch statistics."))
    out.append(para(f"Normalise, scale and shift, γ·(x − mean)/√(variance + {_dec(p.eps)}) + β:"))
    out.append(Display(var("y") + doc.op("~") + _approx_matrix(right["output"])))
    if "moving_mean" in right:
        out.append(para(f"Moving statistics ({_moving_rule(p)}):"))
        out.append(Display(doc.eq(var("mu", "moving"), doc.vec(right["moving_mean"]))))
        out.append(Display(doc.eq(var("sigma", "moving", "2"), doc.vec(right["moving_variance"]))))
    return out


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """The output and the moving statistics from the student's own mean and variance."""
    if "mean" not in _right(p):
        return {}
    n = len(p.x[0]) if p.kind == "batch" else len(p.x)
    means, variances = _given(given.get("mean"), n), _given(given.get("variance"), n)
    if means is None or variances is None or any(v + p.eps <= 0 for v in variances):
        return {}
    out: dict[str, Any] = {"output": readable(_normalise(p, means, variances, p.kind, p.eps))}
    if p.updates_moving:
        out["moving_mean"], out["moving_variance"] = _moving(p, means, variances)
    return out


def _given(v: Any, n: int) -> list[Fraction] | None:
    """A student's vector as n exact rationals (decimals as written), or None."""
    import sympy as sp

    if isinstance(v, sp.MatrixBase):
        v = list(v)
    if not isinstance(v, list | tuple):
        v = [v]
    if len(v) == 1 and isinstance(v[0], list | tuple):
        v = list(v[0])
    if len(v) != n:
        return None
    out = []
    for x in v:
        if isinstance(x, bool):
            return None
        if isinstance(x, int | Fraction):
            out.append(F(x))
        elif isinstance(x, float):
            out.append(F(repr(x)))
        elif isinstance(x, sp.Rational):
            out.append(F(int(x.p), int(x.q)))
        elif isinstance(x, sp.Float):
            out.append(F(str(x)))
        else:
            return None
    return out


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------

VISIBLE = 0.02  # forgetting an epsilon of 1e-3 changes nothing a grader can see: listed only above 2 %


def _changed(p: Params, **variant: Any) -> dict[str, Any]:
    right = _right(p)
    try:
        wrong = _compute(p, **variant)
    except ZeroDivisionError:
        return {}
    if any(isinstance(v, tuple) and _has_nan(v) for v in wrong.values()):
        return {}
    diff = {k: readable(v) for k, v in wrong.items() if k in right and not same(v, right[k])}
    return diff or {k: readable(v) for k, v in wrong.items() if k in right}


def _has_nan(v: Any) -> bool:
    import sympy as sp

    if isinstance(v, tuple):
        return any(_has_nan(x) for x in v)
    return isinstance(v, sp.Basic) and (v.has(sp.zoo) or v.has(sp.nan) or v.has(sp.oo))


def _unbiased(p: Params) -> dict[str, Any]:
    groups = len(p.x) if p.kind == "batch" else len(p.x[0])
    if "mean" not in _right(p) or groups < 2:
        return {}
    return _changed(p, unbiased=True)


def _forgot_eps(p: Params) -> dict[str, Any]:

    if not p.eps:
        return {}
    wrong = _changed(p, eps=F(0))
    right = _right(p)["output"]
    if "output" not in wrong:
        return {}
    for a, b in zip(sum(wrong["output"], ()), sum(right, ())):
        fa, fb = float(exact_n(a, 20)), float(exact_n(b, 20))
        if abs(fa - fb) > VISIBLE * max(abs(fb), 0.05):
            return wrong
    return {}


def _moving_in_training(p: Params) -> dict[str, Any]:
    if not p.updates_moving:
        return {}
    wrong = _changed(p, use_moving=True)
    return {"output": wrong["output"]} if "output" in wrong else {}


def _batch_in_inference(p: Params) -> dict[str, Any]:
    if p.kind != "batch" or p.training:
        return {}
    return _changed(p, use_moving=False)


def _momentum_swapped(p: Params) -> dict[str, Any]:
    if not p.updates_moving or p.mom * 2 == 1:
        return {}
    return _changed(p, rule="pytorch" if p.convention == "keras" else "keras")


def _moving_variance(p: Params, unbiased: bool) -> dict[str, Any]:
    if not p.updates_moving or (p.convention == "pytorch") == unbiased or len(p.x) < 2:
        return {}
    return _changed(p, moving_unbiased=unbiased)


def _other_axis(p: Params) -> dict[str, Any]:
    if "mean" not in _right(p):
        return {}
    return _changed(p, axis="layer" if p.kind == "batch" else "batch")


MISTAKES = (
    Mistake("unbiased-variance",
            "normalisation divides by the biased variance, the mean of the squared deviations (divided by n, not n − 1).",
            _unbiased),
    Mistake("forgot-epsilon", "add ε to the variance under the square root: √(variance + ε).", _forgot_eps),
    Mistake("moving-statistics-in-training",
            "in training, batch normalisation normalises with the batch's own mean and variance; the moving statistics "
            "are only updated (they are used at inference).", _moving_in_training),
    Mistake("batch-statistics-in-inference",
            "at inference (training = false) batch normalisation normalises with its moving mean and variance, not the batch's.",
            _batch_in_inference),
    Mistake("momentum-convention-swapped",
            "Keras' momentum (0.99) weighs the old moving value, PyTorch's (0.1) the new batch statistic: use the "
            "rule of the framework the question names.", _momentum_swapped),
    Mistake("running-variance-biased",
            "PyTorch updates its running variance with the unbiased batch variance (divided by n − 1), though it "
            "normalises with the biased one.", lambda p: _moving_variance(p, False)),
    Mistake("running-variance-unbiased",
            "Keras updates its moving variance with the biased batch variance (divided by n), the one it normalises with.",
            lambda p: _moving_variance(p, True)),
    Mistake("layer-vs-batch-axis",
            "batch normalisation takes statistics per feature (column) over the batch; layer normalisation per sample "
            "(row) over its features.", _other_axis),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    kinds: Sequence[str] = ("batch", "batch", "layer"),
    conventions: Sequence[str] = ("keras", "pytorch"),
    samples_min: int = 2,
    samples_max: int = 4,
    features_min: int = 2,
    features_max: int = 3,
    value_max: int = 6,
    inference: bool = False,
    epsilon: Fraction | None = None,
) -> Params:
    """Small integers whose groups are not constant; gamma, beta and moving statistics small and exact."""
    if samples_min > samples_max or features_min > features_max:
        raise ParamError("options", "samples_min <= samples_max and features_min <= features_max",
                         (samples_min, samples_max, features_min, features_max))
    kind = rng.choice(list(kinds))
    conv = rng.choice(list(conventions))
    n = max(rng.randint(samples_min, samples_max), 2 if kind == "batch" else 1)
    c = max(rng.randint(features_min, features_max), 2 if kind == "layer" else 1)
    training = not (inference and kind == "batch" and rng.random() < 0.3)
    for _ in range(100):
        x = [[rng.randint(-value_max, value_max) for _ in range(c)] for _ in range(n)]
        groups = list(zip(*x)) if kind == "batch" else x
        if all(len(set(g)) > 1 for g in groups):
            break
    extra: dict[str, Any] = {}
    if kind == "batch":
        extra = {"moving_mean": tuple(rng.randint(-2, 2) for _ in range(c)),
                 "moving_variance": tuple(rng.randint(1, 4) for _ in range(c)), "training": training}
    return Params(x=tuple(tuple(r) for r in x), kind=kind, gamma=tuple(rng.randint(1, 3) for _ in range(c)),
                  beta=tuple(rng.randint(-2, 2) for _ in range(c)), epsilon=epsilon, convention=conv, **extra)
