"""Cross-entropy loss with the natural log, as Keras and PyTorch compute it, exactly.

``kind``: ``categorical`` (one-hot ``y_true``), ``sparse`` (class labels 0..C-1) or ``binary``
(0/1 labels, one probability per sample). One sample or a batch; ``reduction`` ``mean`` (the
default of both frameworks) or ``sum`` over the samples. With ``from_logits`` the predictions
are logits: softmax (categorical, sparse) or sigmoid (binary) is applied first.

When ``kind`` is absent it is inferred: a scalar ``y_pred`` is binary; class labels (a number, or
a vector beside a matrix of predictions) are sparse; ``y_true`` shaped like ``y_pred`` is
categorical when its rows are one-hot and the predictions sum to 1 per row (or are logits), else
binary.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import Display, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n, to_exact, to_sympy
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, Nested, Number, Param, PartSpec

TYPE_ID = "cross-entropy"
SUMMARY = "Cross-entropy loss (categorical, sparse or binary; natural log; mean or sum over a batch)"

KINDS = ("categorical", "sparse", "binary")
PARAMS = (
    Param("y_true", Nested(max_depth=2, max_items=4096), help="one-hot row(s), class label(s) 0..C-1, or 0/1 label(s)"),
    Param("y_pred", Nested(max_depth=2, max_items=4096), help="predicted probabilities (a row per sample), or logits with from_logits"),
    Param("kind", Choice(*KINDS), default=None, help="categorical, sparse or binary (inferred when absent)"),
    Param("reduction", Choice("mean", "sum"), default="mean", help="mean or sum over the samples"),
    Param("from_logits", Boolean(), default=False, help="y_pred holds logits (softmax / sigmoid applied first)"),
)
PARTS = (PartSpec("loss", "number", "the loss, natural log, reduced over the samples"),)
OPTIONS = (
    Param("kinds", ListOf(Choice(*KINDS)), default=KINDS, help="kinds to draw from"),
    Param("classes_min", Integer(min=2, max=10), default=3, help="fewest classes (categorical, sparse)"),
    Param("classes_max", Integer(min=2, max=10), default=4, help="most classes"),
    Param("batch_min", Integer(min=1, max=8), default=1, help="fewest samples"),
    Param("batch_max", Integer(min=1, max=8), default=2, help="most samples"),
    Param("reductions", ListOf(Choice("mean", "sum")), default=("mean",), help="reductions to draw from"),
    Param("denominator", Integer(min=2, max=100), default=10, help="probabilities are multiples of 1/denominator"),
    Param("from_logits", Boolean(), default=False, help="draw integer logits instead of probabilities"),
    Param("logit_max", Number(), default=3, help="logits drawn from -logit_max..logit_max"),
)


def _is_list(v: Any) -> bool:
    return isinstance(v, tuple | list)


def _depth(v: Any) -> int:
    return 0 if not _is_list(v) else 1 + max(_depth(x) for x in v)


def _exact_tree(v: Any, name: str) -> Any:
    if _is_list(v):
        return tuple(_exact_tree(x, f"{name}[{i + 1}]") for i, x in enumerate(v))
    try:
        return to_sympy(to_exact(v))
    except (ValueError, TypeError):
        raise ParamError(name, "a number", v) from None


def _rows(v: Any, name: str) -> tuple[tuple[Any, ...], ...]:
    """A vector as one row, a matrix as its rows (equal lengths)."""
    if _depth(v) == 1:
        return (tuple(v),)
    if any(not _is_list(r) or _depth(r) != 1 for r in v):
        raise ParamError(name, "a vector or a matrix (a list of rows of numbers)", v)
    if len({len(r) for r in v}) != 1:
        raise ParamError(name, "a matrix with rows of equal length", f"row lengths {[len(r) for r in v]}")
    return tuple(tuple(r) for r in v)


def _one_hot(row: Sequence[Any]) -> bool:
    return all(v in (0, 1) for v in row) and sum(row) == 1


def _infer(y_true: Any, y_pred: Any, from_logits: bool) -> str:
    dt, dp = _depth(y_true), _depth(y_pred)
    if dp == 0:
        return "binary"
    if dt == dp - 1:
        return "sparse"
    if dt == dp:
        rows_t, rows_p = _rows(y_true, "y_true"), _rows(y_pred, "y_pred")
        if all(_one_hot(r) for r in rows_t) and (from_logits or all(sum(r) == 1 for r in rows_p)):
            return "categorical"
        if dp == 1:
            return "binary"
        raise ParamError("y_true", "one-hot rows for a batch of categorical predictions (or set kind)", y_true)
    raise ParamError(
        "y_true",
        "labels shaped like y_pred (one-hot, or 0/1), or one class label per row of y_pred",
        f"y_true with {dt} list levels beside y_pred with {dp}",
    )


@dataclass(frozen=True)
class Params:
    y_true: Any
    y_pred: Any
    kind: str | None = None
    reduction: str = "mean"
    from_logits: bool = False

    def __post_init__(self) -> None:
        y_true, y_pred = _exact_tree(self.y_true, "y_true"), _exact_tree(self.y_pred, "y_pred")
        kind = self.kind or _infer(y_true, y_pred, self.from_logits)
        if kind not in KINDS:
            raise ParamError("kind", "one of " + ", ".join(KINDS), kind)
        if self.reduction not in ("mean", "sum"):
            raise ParamError("reduction", "'mean' or 'sum'", self.reduction)
        object.__setattr__(self, "y_true", y_true)
        object.__setattr__(self, "y_pred", y_pred)
        object.__setattr__(self, "kind", kind)
        _samples(self)  # validates shapes, labels and probabilities


@dataclass(frozen=True)
class Sample:
    """One sample: its predictions (a row; one value for binary) and its true class (or 0/1 label)."""

    pred: tuple[Any, ...]
    label: int


def _check_probabilities(row: Sequence[Any], name: str, must_sum: bool) -> None:
    for j, v in enumerate(row, start=1):
        if not 0 <= v <= 1:
            raise ParamError(f"{name}[{j}]" if len(row) > 1 else name, "a probability between 0 and 1 (or from_logits=true)", v)
    if must_sum and sum(row) != 1:
        raise ParamError(name, "probabilities that sum to 1 (or from_logits=true for logits)", f"{list(map(str, row))} summing to {sum(row)}")


def _samples(p: Params) -> tuple[Sample, ...]:
    """The samples, validated: shapes, labels, probabilities and a finite loss."""
    import sympy as sp

    if p.kind == "binary":
        if _depth(p.y_pred) > 1 or _depth(p.y_true) != _depth(p.y_pred):
            raise ParamError("y_pred", "for binary, one probability per sample (a number or a list) beside y_true's 0/1 labels", p.y_pred)
        preds = p.y_pred if _is_list(p.y_pred) else (p.y_pred,)
        labels = p.y_true if _is_list(p.y_true) else (p.y_true,)
        if len(preds) != len(labels):
            raise ParamError("y_true", f"{len(preds)} labels, one per prediction", p.y_true)
        out = []
        for n, (q, y) in enumerate(zip(preds, labels), start=1):
            where = f"[{n}]" if _is_list(p.y_pred) else ""
            if y not in (0, 1):
                raise ParamError("y_true" + where, "a binary label 0 or 1", y)
            if not p.from_logits:
                _check_probabilities((q,), "y_pred" + where, False)
                if q == 1 - y:
                    raise ParamError(
                        "y_pred" + where,
                        f"a probability that gives the true label {y} a non-zero chance: ln(0) makes the loss infinite "
                        "(Keras clips probabilities to [1e-7, 1 - 1e-7])",
                        q,
                    )
            out.append(Sample((q,), int(y)))
        return tuple(out)
    if _depth(p.y_pred) == 0:
        raise ParamError("y_pred", f"for {p.kind}, a vector of class probabilities or a matrix (a row per sample)", p.y_pred)
    rows = _rows(p.y_pred, "y_pred")
    classes = len(rows[0])
    if classes < 2:
        raise ParamError("y_pred", f"at least 2 classes for {p.kind} cross-entropy (one output: kind=binary)", p.y_pred)
    if p.kind == "categorical":
        if _depth(p.y_true) != _depth(p.y_pred):
            raise ParamError("y_true", "one-hot labels shaped like y_pred", p.y_true)
        truth = _rows(p.y_true, "y_true")
        if len(truth) != len(rows) or len(truth[0]) != classes:
            raise ParamError("y_true", f"{len(rows)}x{classes} one-hot labels, like y_pred", f"{len(truth)}x{len(truth[0])}")
        labels = []
        for n, r in enumerate(truth, start=1):
            if not _one_hot(r):
                raise ParamError(f"y_true[{n}]" if len(truth) > 1 else "y_true", "a one-hot row: a single 1, the rest 0", r)
            labels.append(r.index(1))
    else:
        labels_raw = p.y_true if _is_list(p.y_true) else (p.y_true,)
        if _depth(p.y_true) != _depth(p.y_pred) - 1 or len(labels_raw) != len(rows):
            raise ParamError("y_true", f"{len(rows)} class label(s), one per row of y_pred", p.y_true)
        labels = []
        for n, y in enumerate(labels_raw, start=1):
            if not (isinstance(y, sp.Integer) and 0 <= y < classes):
                raise ParamError(f"y_true[{n}]" if _is_list(p.y_true) else "y_true", f"a class label 0..{classes - 1}", y)
            labels.append(int(y))
    for n, (r, k) in enumerate(zip(rows, labels), start=1):
        name = f"y_pred[{n}]" if len(rows) > 1 else "y_pred"
        if p.from_logits:
            continue
        _check_probabilities(r, name, True)
        if r[k] == 0:
            raise ParamError(
                name,
                f"a non-zero probability for the true class (entry {k + 1}): ln(0) makes the loss infinite "
                "(Keras clips probabilities to 1e-7)",
                r,
            )
    return tuple(Sample(r, k) for r, k in zip(rows, labels))


# ---------------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------------


def _log_prob(p: Params, s: Sample, label: int | None = None, log: Any = None) -> Any:
    """ln of the probability the model gives to ``label`` (the true one by default; ``log``: sympy's ln)."""
    import sympy as sp

    log = sp.log if log is None else log
    k = s.label if label is None else label
    if p.kind == "binary":
        z = s.pred[0]
        if p.from_logits:  # ln sigmoid(z) = -ln(1 + e^-z); ln(1 - sigmoid(z)) = -ln(1 + e^z)
            return -log(1 + sp.exp(-z if k == 1 else z))
        return log(z if k == 1 else 1 - z)
    if p.from_logits:
        return s.pred[k] - log(sp.Add(*[sp.exp(v) for v in s.pred]))
    return log(s.pred[k])


def _reduce(p: Params, losses: Sequence[Any], reduction: str | None = None) -> Any:
    import sympy as sp

    total = sp.Add(*losses)
    return total / len(losses) if (reduction or p.reduction) == "mean" else total


def _losses(p: Params, **how: Any) -> list[Any]:
    return [-_log_prob(p, s, **how) for s in _samples(p)]


def _approx(v: Any) -> doc.F:
    import sympy as sp

    if isinstance(v, sp.Rational):
        return doc.F("", "", "")
    s = f"{float(exact_n(v, 17)):.6g}"
    return op("~") + doc.F(s, s, s)


def _shown(v: Any) -> doc.F:
    """A given number as the instructor would write it: 0.7 rather than 7/10 (terminating decimals)."""
    q = int(v.q)
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    if q != 1 or v.q == 1 or v.q > 10**6:
        return doc.num(v)
    from decimal import Decimal

    text = format(Decimal(int(v.p)) / Decimal(int(v.q)), "f")
    return doc.F(text, text, text)


def _array(v: Any) -> doc.F:
    """A label or prediction as given: a number, a row [a, b, c], or a matrix (one row per sample)."""
    if not _is_list(v):
        return _shown(v)
    rows = [v] if not _is_list(v[0]) else list(v)
    cells = [[_shown(x) for x in r] for r in rows]
    latex = r"\begin{bmatrix}" + r" \\ ".join(" & ".join(c.latex for c in r) for r in cells) + r"\end{bmatrix}"
    typst = 'mat(delim: "[", ' + "; ".join(", ".join(c.typst for c in r) for r in cells) + ")"
    plain_rows = ["[" + ", ".join(c.plain for c in r) + "]" for r in cells]
    plain = plain_rows[0] if not _is_list(v[0]) else "[" + ", ".join(plain_rows) + "]"
    return doc.F(latex, typst, plain)


_MINUS = doc.F("-", "-", "-")


def _sample_steps(p: Params, n: int, s: Sample, loss: Any, single: bool) -> doc.Block:
    ell = var("L") if single else var("L", n)
    if p.kind == "binary":
        y, q = s.label, s.pred[0]
        if p.from_logits:
            term = doc.call("ln", doc.num(1) + op("+") + doc.call("exp", doc.num(-q if y == 1 else q)))
            why = doc.F(f"y = {y}, z = ", f'y = {y}, z = ', f"y = {y}, z = ") + _shown(q)
        else:
            prob = _shown(q) if y == 1 else doc.num(1) + op("-") + _shown(q)
            term = _MINUS + doc.call("ln", prob)
            why = doc.F(f"y = {y}, p = ", f"y = {y}, p = ", f"y = {y}, p = ") + _shown(q)
        return Display(_equation(ell, term, loss) + doc.F(r"\quad (", "quad (", "   (") + why + doc.F(")", ")", ")"))
    k = s.label
    if p.from_logits:
        lse = doc.call("ln", doc.join("+", [doc.call("exp", doc.num(v)) for v in s.pred]))
        term = lse + op("-") + doc.num(s.pred[k], paren_negative=True)
    else:
        term = _MINUS + doc.call("ln", _shown(s.pred[k]))
    where = f"label {k}: entry {k + 1} of the row" if p.kind == "sparse" else f"the 1 of y_true is entry {k + 1}"
    cls = doc.F(rf"\quad (\text{{{where}}})", f'quad ("{where}")', f"   ({where})")
    return Display(_equation(ell, term, loss) + cls)


def _equation(ell: doc.F, term: doc.F, loss: Any) -> doc.F:
    """``L = written = exact ≈ decimal``, without repeating the exact form when it is what was written."""
    exact = doc.expr(loss)
    shown = doc.eq(ell, term) if exact.plain == term.plain else doc.eq(ell, term, exact)
    return shown + _approx(loss)


def solve(p: Params) -> Answer:
    samples = _samples(p)
    losses = _losses(p)
    loss = _reduce(p, losses)
    if p.kind == "binary":
        rule = doc.F(
            r"L = -\left[y \ln p + (1 - y) \ln(1 - p)\right]",
            "L = -[y ln p + (1 - y) ln(1 - p)]",
            "L = -[y ln p + (1 - y) ln(1 - p)]",
        )
        if p.from_logits:
            rule = rule + doc.F(r",\ p = \sigma(z)", ", p = sigma(z)", ", p = σ(z)")
    else:
        rule = doc.F(r"L = -\sum_i y_i \ln p_i = -\ln p_k", "L = -sum_i y_i ln p_i = -ln p_k", "L = -sum_i y_i ln p_i = -ln p_k")
        if p.from_logits:
            rule = rule + doc.F(
                r",\ \ln p_k = z_k - \ln \sum_j e^{z_j}", ", ln p_k = z_k - ln sum_j e^(z_j)", ", ln p_k = z_k - ln sum_j exp(z_j)"
            )
    steps: list[doc.Block] = [para(f"{p.kind.capitalize()} cross-entropy with the natural log, per sample: ", rule, ".")]
    steps += [_sample_steps(p, n, s, v, len(samples) == 1) for n, (s, v) in enumerate(zip(samples, losses), start=1)]
    if len(samples) > 1:
        terms = doc.join("+", [var("L", n) for n in range(1, len(samples) + 1)])
        red = doc.frac(terms, doc.num(len(samples))) if p.reduction == "mean" else terms
        steps.append(para(f"{p.reduction.capitalize()} over the {len(samples)} samples: ", doc.eq(var("L"), red, doc.expr(loss)) + _approx(loss), "."))
    return Answer(parts=(Part("loss", loss, "number"),), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    n = len(_samples(p))
    what = "logits" if p.from_logits else "predicted probabilities"
    labels = {
        "categorical": "one-hot true labels",
        "sparse": "true class label" + ("s" if n > 1 else "") + " (counted from 0)",
        "binary": "true 0/1 label" + ("s" if n > 1 else ""),
    }[p.kind]
    batch = f"a batch of {n} samples" + (" (one row per sample)" if _depth(p.y_pred) == 2 else "") if n > 1 else "one sample"
    return (
        para(f"A model gives, for {batch}, the {what} ", doc.eq(var("y", "pred"), _array(p.y_pred)), f" and the {labels} ", doc.eq(var("y", "true"), _array(p.y_true)), "."),
        para(
            f"Compute the {p.kind} cross-entropy loss with the natural log"
            + (f", the {p.reduction} over the samples" if n > 1 else "")
            + ", exactly."
        ),
    )


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


def _finite(loss: Any) -> dict[str, Any]:
    """``{"loss": loss}``, or nothing when the mistake would take ln(0)."""
    import sympy as sp

    return {} if loss.has(sp.zoo, sp.oo, -sp.oo, sp.nan) else {"loss": loss}


def _log_base(base: int) -> Any:
    import sympy as sp

    return lambda v: sp.log(v) / sp.log(base)


def _predicted_class(p: Params) -> dict[str, Any]:
    """-ln of the largest probability, as if the predicted class were the true one."""
    if p.kind == "binary":
        return {}
    samples = _samples(p)
    tops = [max(range(len(s.pred)), key=lambda j, s=s: s.pred[j]) for s in samples]
    if all(s.pred[t] == s.pred[s.label] for s, t in zip(samples, tops)):
        return {}
    return {"loss": _reduce(p, [-_log_prob(p, s, label=t) for s, t in zip(samples, tops)])}


def _one_based(p: Params) -> dict[str, Any]:
    samples = _samples(p)
    if p.kind != "sparse" or any(s.label == 0 for s in samples):
        return {}
    return _finite(_reduce(p, [-_log_prob(p, s, label=s.label - 1) for s in samples]))


def _forgot_negative_class(p: Params) -> dict[str, Any]:
    import sympy as sp

    samples = _samples(p)
    if p.kind != "binary" or all(s.label == 1 for s in samples):
        return {}
    return {"loss": _reduce(p, [-_log_prob(p, s) if s.label == 1 else sp.Integer(0) for s in samples])}


def _swapped(p: Params) -> dict[str, Any]:
    if p.kind != "binary":
        return {}
    return _finite(_reduce(p, [-_log_prob(p, s, label=1 - s.label) for s in _samples(p)]))


def _other_reduction(p: Params, reduction: str) -> dict[str, Any]:
    if p.reduction == reduction or len(_samples(p)) < 2:
        return {}
    return {"loss": _reduce(p, _losses(p), reduction)}


def _over_classes(p: Params) -> dict[str, Any]:
    if p.kind == "binary":
        return {}
    return {"loss": _reduce(p, _losses(p)) / len(_samples(p)[0].pred)}


MISTAKES = (
    Mistake("log-base-10", "cross-entropy uses the natural log (ln), not log base 10.", lambda p: {"loss": _reduce(p, _losses(p, log=_log_base(10)))}),
    Mistake("log-base-2", "Keras and PyTorch use the natural log (ln), not log base 2 (bits).", lambda p: {"loss": _reduce(p, _losses(p, log=_log_base(2)))}),
    Mistake("forgot-negative-sign", "the loss is minus the log-probability, so it is never negative.", lambda p: {"loss": -_reduce(p, _losses(p))}),
    Mistake("sum-instead-of-mean", "the default reduction is the mean: divide the summed loss by the number of samples.", lambda p: _other_reduction(p, "sum")),
    Mistake("mean-instead-of-sum", "this question asks for the sum over the samples, not the mean.", lambda p: _other_reduction(p, "mean")),
    Mistake(
        "binary-forgot-negative-class",
        "a sample with label 0 contributes -ln(1 - p): binary cross-entropy has a term for each class.",
        _forgot_negative_class,
    ),
    Mistake("swapped-binary-terms", "p is the probability of label 1: use ln p when y = 1 and ln(1 - p) when y = 0.", _swapped),
    Mistake(
        "averaged-over-classes",
        "cross-entropy sums over the classes (only the true class's term remains); it is not divided by the number of classes.",
        _over_classes,
    ),
    Mistake("used-wrong-class", "use the probability of the true class, not of the class the model predicts.", _predicted_class),
    Mistake("label-one-based", "class labels count from 0: label k is entry k + 1 of the prediction row.", _one_based),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def _composition(rng: random.Random, total: int, parts: int) -> list[int]:
    """``parts`` positive integers summing to ``total``, uniformly over such compositions."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total])]


def sample(
    rng: random.Random,
    *,
    kinds: Sequence[str] = KINDS,
    classes_min: int = 3,
    classes_max: int = 4,
    batch_min: int = 1,
    batch_max: int = 2,
    reductions: Sequence[str] = ("mean",),
    denominator: int = 10,
    from_logits: bool = False,
    logit_max: Any = 3,
) -> Params:
    """Probabilities as multiples of 1/denominator summing to 1 (tenths by default), or small integer logits."""
    import sympy as sp

    if classes_min > classes_max or batch_min > batch_max:
        raise ParamError("options", "classes_min <= classes_max and batch_min <= batch_max", (classes_min, classes_max, batch_min, batch_max))
    if denominator < classes_max:
        raise ParamError("options", f"denominator >= classes_max ({classes_max}) so every class gets a non-zero probability", denominator)
    kind = rng.choice(tuple(kinds))
    n = rng.randint(batch_min, batch_max)
    reduction = rng.choice(tuple(reductions))
    top = int(logit_max)

    def prob(k: int) -> sp.Rational:
        return sp.Rational(k, denominator)

    if kind == "binary":
        labels = [rng.randint(0, 1) for _ in range(n)]
        if n > 1 and len(set(labels)) == 1:
            labels[rng.randrange(n)] ^= 1
        if from_logits:
            preds = [sp.Integer(rng.choice([v for v in range(-top, top + 1) if v != 0] or [1])) for _ in range(n)]
        else:
            choices = [k for k in range(1, denominator) if 2 * k != denominator]
            preds = [prob(rng.choice(choices)) for _ in range(n)]
        y_true: Any = tuple(sp.Integer(y) for y in labels) if n > 1 else sp.Integer(labels[0])
        y_pred: Any = tuple(preds) if n > 1 else preds[0]
        return Params(y_true=y_true, y_pred=y_pred, kind=kind, reduction=reduction, from_logits=from_logits)
    c = rng.randint(classes_min, classes_max)
    rows, labels = [], []
    for _ in range(n):
        if from_logits:
            rows.append(tuple(sp.Integer(rng.randint(-top, top)) for _ in range(c)))
        else:
            rows.append(tuple(prob(k) for k in _composition(rng, denominator, c)))
        labels.append(rng.randrange(c))
    if kind == "categorical":
        onehot = [tuple(sp.Integer(int(j == k)) for j in range(c)) for k in labels]
        y_true = tuple(onehot) if n > 1 else onehot[0]
    else:
        y_true = tuple(sp.Integer(k) for k in labels) if n > 1 else sp.Integer(labels[0])
    y_pred = tuple(rows) if n > 1 else rows[0]
    return Params(y_true=y_true, y_pred=y_pred, kind=kind, reduction=reduction, from_logits=from_logits)
