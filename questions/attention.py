"""Scaled dot-product attention, exactly: scores = scale · Q Kᵀ (masked entries -inf), weights =
softmax of each row, output = weights · V, as ``torch.nn.functional.scaled_dot_product_attention``.

Q is n_q x d_k, K is n_k x d_k and V is n_k x d_v, one row per position. The scale defaults to
1/sqrt(d_k). ``mask`` is ``none``, ``causal`` (query i may attend to keys j <= i, aligned at the top
left as PyTorch's ``is_causal``) or an n_q x n_k matrix of 0/1 with 1 = may attend (PyTorch's
boolean ``attn_mask``). A masked score is minus infinity (printed ``-inf``) and its weight 0; a
query that may attend to nothing is refused (PyTorch returns NaN there).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.dense_forward import _given_vector
from nnexam.questions.doc import Display, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Choice, Integer, ListOf, Matrix, Number, OneOf, Param, PartSpec

TYPE_ID = "attention"
SUMMARY = "Scaled dot-product attention: scores (scaled, masked), softmax weights per row, output"

_MASK = OneOf(Choice("none", "causal"), Matrix())
_MASK.expected = "'none', 'causal', or a matrix of 0/1 with one row per query and one column per key (1 = may attend)"

PARAMS = (
    Param("q", Matrix(allow_vector=True), help="queries Q: one row per position, d_k columns"),
    Param("k", Matrix(allow_vector=True), help="keys K: one row per position, d_k columns"),
    Param("v", Matrix(allow_vector=True), help="values V: one row per key position, d_v columns"),
    Param("mask", _MASK, default="none", help="none, causal, or a 0/1 matrix (n_q x n_k, 1 = may attend)"),
    Param("scale", Number(), default=None, help="the factor of Q Kᵀ; null: 1/sqrt(d_k)"),
)
PARTS = (
    PartSpec("scores", "matrix", "scale · Q Kᵀ, masked entries -inf"),
    PartSpec("weights", "matrix", "softmax of each row of the scores (masked weights 0)"),
    PartSpec("output", "matrix", "weights · V"),
)
OPTIONS = (
    Param("positions_min", Integer(min=1, max=6), default=2, help="fewest positions (query = key positions)"),
    Param("positions_max", Integer(min=1, max=6), default=3, help="most positions"),
    Param("dk", ListOf(Integer(min=1, max=8)), default=(2, 4), help="key dimensions d_k drawn (4: a rational scale 1/2)"),
    Param("dv_min", Integer(min=1, max=6), default=1, help="smallest value dimension d_v"),
    Param("dv_max", Integer(min=1, max=6), default=2, help="largest value dimension d_v"),
    Param("value_min", Integer(min=-9, max=9), default=-2, help="smallest entry of Q, K, V"),
    Param("value_max", Integer(min=-9, max=9), default=2, help="largest entry of Q, K, V"),
    Param("masks", ListOf(Choice("none", "causal")), default=("none", "causal"),
          help="masks drawn: none, causal (masked scores are -inf)"),
)

Grid = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class Params:
    q: Grid
    k: Grid
    v: Grid
    mask: str | Grid = "none"
    scale: Fraction | None = None

    def __post_init__(self) -> None:
        nq, dk, nk, dv = len(self.q), len(self.q[0]), len(self.k), len(self.v[0])
        if len(self.k[0]) != dk:
            raise ParamError("k", f"{dk} columns, as many as the queries have (d_k = {dk})", f"{nk}x{len(self.k[0])}")
        if len(self.v) != nk:
            raise ParamError("v", f"one row per key position ({nk} rows)", f"{len(self.v)}x{dv}")
        if not isinstance(self.mask, str):
            m = tuple(tuple(r) for r in self.mask)
            if len(m) != nq or len(m[0]) != nk:
                raise ParamError("mask", f"an {nq}x{nk} matrix (queries x keys)", f"{len(m)}x{len(m[0])}")
            for i, row in enumerate(m, start=1):
                for j, x in enumerate(row, start=1):
                    if x not in (0, 1):
                        raise ParamError(f"mask[{i}][{j}]", "0 (masked) or 1 (may attend)", str(x))
            object.__setattr__(self, "mask", tuple(tuple(int(x) for x in r) for r in m))
        for i, row in enumerate(allowed(self), start=1):
            if not any(row):
                raise ParamError("mask", f"a mask that lets every query attend to at least one key; query {i} attends "
                                 "to none (its softmax would be 0/0: NaN in PyTorch)")

    @property
    def dk(self) -> int:
        return len(self.q[0])


def allowed(p: Params) -> tuple[tuple[bool, ...], ...]:
    """allowed[i][j]: query i may attend to key j."""
    nq, nk = len(p.q), len(p.k)
    if p.mask == "none":
        return tuple((True,) * nk for _ in range(nq))
    if p.mask == "causal":
        return tuple(tuple(j <= i for j in range(nk)) for i in range(nq))
    return tuple(tuple(bool(x) for x in r) for r in p.mask)


class _Arith:
    """Exact (sympy) or float arithmetic for the one attention computation: exact for the answers, floats for
    the decimals of the steps and to tell the mistakes apart cheaply (comparing sums of exponentials exactly
    evaluates them to 40 digits)."""

    def __init__(self, exact: bool):
        self.exact = exact

    def num(self, x: Fraction) -> Any:
        if not self.exact:
            return float(x)
        import sympy as sp

        return sp.Rational(x.numerator, x.denominator)

    @property
    def neg_inf(self) -> Any:
        import sympy as sp

        return -sp.oo if self.exact else -math.inf

    @property
    def zero(self) -> Any:
        import sympy as sp

        return sp.Integer(0) if self.exact else 0.0

    def exp(self, x: Any) -> Any:
        import sympy as sp

        return sp.exp(x) if self.exact else math.exp(x)

    def total(self, terms: Sequence[Any]) -> Any:
        import sympy as sp

        return sp.Add(*terms) if self.exact else math.fsum(terms)

    def scale(self, p: Params) -> Any:
        import sympy as sp

        if p.scale is not None:
            return self.num(p.scale)
        return 1 / sp.sqrt(p.dk) if self.exact else 1 / math.sqrt(p.dk)


EXACT, FLOAT = _Arith(True), _Arith(False)


def _dots(p: Params) -> tuple[tuple[Fraction, ...], ...]:
    """Q Kᵀ, exactly (plain Fractions: fast)."""
    return tuple(tuple(sum((a * b for a, b in zip(qi, kj)), Fraction(0)) for kj in p.k) for qi in p.q)


def _exps(row: Sequence[Any], ar: _Arith) -> tuple[list[Any], Any]:
    """(exp(s_j), with None for -inf; their sum). Floats are shifted by the row's largest score (no overflow)."""
    finite = [s for s in row if s != ar.neg_inf]
    top = 0 if ar.exact or not finite else max(finite)
    exps = [None if s == ar.neg_inf else ar.exp(s - top) for s in row]
    return exps, ar.total([e for e in exps if e is not None])


def _softmax(row: Sequence[Any], ar: _Arith = EXACT) -> tuple[Any, ...]:
    """exp(s_j) / sum exp(s_l) over the finite entries; -inf entries get 0."""
    exps, total = _exps(row, ar)
    return tuple(ar.zero if e is None else e / total for e in exps)


def _mixed(scores: Sequence[Sequence[Any]], v: Grid, ar: _Arith) -> tuple[tuple[Any, ...], ...]:
    """softmax(scores) V as one fraction per entry: (sum_j exp(s_ij) v_jk) / (sum_j exp(s_ij))."""
    out = []
    for row in scores:
        exps, total = _exps(row, ar)
        out.append(tuple(ar.total([e * ar.num(x) for e, x in zip(exps, col) if e is not None]) / total for col in zip(*v)))
    return tuple(out)


def _matmul(a: Sequence[Sequence[Any]], b: Sequence[Sequence[Any]], ar: _Arith = EXACT) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(ar.total([x * (ar.num(y) if isinstance(y, Fraction) else y) for x, y in zip(row, col)]) for col in zip(*b))
                 for row in a)


def _attend(p: Params, ar: _Arith = EXACT, *, scale: Any = None, by_columns: bool = False, mask_after: bool = False,
            masked: Any = None, unmasked: bool = False, no_softmax: bool = False) -> dict[str, Any]:
    """All three parts; the keywords let a mistaken solver change one ingredient (``scale`` and ``masked`` are
    exact numbers: converted for float arithmetic)."""
    allow = allowed(p) if not unmasked else tuple((True,) * len(p.k) for _ in p.q)
    sc = ar.scale(p) if scale is None else (scale if ar.exact else float(scale))
    fill = ar.neg_inf if masked is None else (masked if ar.exact else float(masked))
    if mask_after:  # softmax over every key, then the masked weights set to 0 (not renormalised)
        scores = tuple(tuple(sc * ar.num(d) for d in row) for row in _dots(p))
        weights = tuple(tuple(w if ok else ar.zero for w, ok in zip(_softmax(r, ar), a)) for r, a in zip(scores, allow))
        return {"scores": scores, "weights": weights, "output": _matmul(weights, p.v, ar)}
    scores = tuple(tuple(sc * ar.num(d) if ok else fill for d, ok in zip(row, arow)) for row, arow in zip(_dots(p), allow))
    if no_softmax:  # the scores used as weights, a masked one as 0
        weights = tuple(tuple(ar.zero if x == ar.neg_inf else x for x in r) for r in scores)
        return {"scores": scores, "weights": weights, "output": _matmul(weights, p.v, ar)}
    if not by_columns:
        return {"scores": scores, "weights": tuple(_softmax(r, ar) for r in scores), "output": _mixed(scores, p.v, ar)}
    if any(all(s == ar.neg_inf for s in c) for c in zip(*scores)):
        raise ValueError("a column masked throughout")
    weights = tuple(zip(*[_softmax(c, ar) for c in zip(*scores)]))
    return {"scores": scores, "weights": weights, "output": _matmul(weights, p.v, ar)}


# ---------------------------------------------------------------------------------------------
# Worked steps and statement
# ---------------------------------------------------------------------------------------------

_NEG_INF = doc.F(r"-\infty", "-infinity", "-inf")


def _cell(x: Any) -> doc.F:
    import sympy as sp

    return _NEG_INF if x == -sp.oo else doc.expr(x)


def _grid(cells: Sequence[Sequence[doc.F]]) -> doc.F:
    """A bracketed matrix from formulas (doc.mat's notation, for cells that are not plain values)."""
    latex = r"\begin{bmatrix}" + r" \\ ".join(" & ".join(c.latex for c in r) for r in cells) + r"\end{bmatrix}"
    typst = 'mat(delim: "[", ' + "; ".join(", ".join(c.typst for c in r) for r in cells) + ")"
    plain = "[" + ", ".join("[" + ", ".join(c.plain for c in r) + "]" for r in cells) + "]"
    return doc.F(latex, typst, plain)


def _dec(x: float) -> doc.F:
    """A decimal for the steps (4 places), -inf as the scores print it."""
    if x == -math.inf:
        return _NEG_INF
    s = f"{x:.4f}"
    return doc.F(s, s, s)


def _commas(items: Sequence[doc.F]) -> doc.F:
    out = items[0]
    for it in items[1:]:
        out = out + doc.F(", ", ", ", ", ") + it
    return out


def _scale_f(p: Params) -> doc.F:
    if p.scale is not None:
        return doc.num(p.scale)
    written = doc.F(rf"\frac{{1}}{{\sqrt{{{p.dk}}}}}", f"1/sqrt({p.dk})", f"1/sqrt({p.dk})")
    root = math.isqrt(p.dk)
    return written + op("=") + doc.num(Fraction(1, root)) if root * root == p.dk else written


def solve(p: Params) -> Answer:
    parts = _attend(p)
    floats = _attend(p, FLOAT)
    fs, fw, fo = floats["scores"], floats["weights"], floats["output"]
    allow = allowed(p)
    dots = _dots(p)
    steps: list[doc.Block] = [
        para("Dot products of every query with every key (row i of Q with row j of K): ",
             doc.eq(var("Q") + op(" ") + var("K", sup="T"), doc.mat(dots)), "."),
        para("Scale by ", _scale_f(p), (" (d_k = " + str(p.dk) + ")" if p.scale is None else " (given)")
             + (", and set the masked entries to -inf" if not all(all(r) for r in allow) else "") + ":"),
        Display(doc.eq(var("S"), _grid([[_cell(x) for x in r] for r in parts["scores"]]))
                + (op("~") + _grid([[_dec(x) for x in r] for r in fs]) if p.scale is None and math.isqrt(p.dk) ** 2 != p.dk else "")),
        para("Softmax of each row (over the keys a query may attend to; exp(-inf) = 0):"),
    ]
    for i, (srow, a) in enumerate(zip(parts["scores"], allow), start=1):
        finite = [s for s, ok in zip(srow, a) if ok]
        denom = doc.join("+", [doc.call("exp", doc.expr(s)) for s in finite])
        steps.append(Display(doc.eq(var("w", f"{i},j"), doc.frac(doc.call("exp", var("s", f"{i},j")), denom))
                             + ":  " + _commas([_dec(x) for x in fw[i - 1]])))
    steps.append(Display(var("A") + op("~") + _grid([[_dec(x) for x in r] for r in fw])))
    steps.append(para("Output: each row mixes the rows of V with that query's weights, ",
                      doc.eq(var("O"), var("A") + op(" ") + var("V")), ":"))
    steps.append(Display(var("O") + op("~") + _grid([[_dec(x) for x in r] for r in fo])))
    return Answer(
        parts=(Part("scores", parts["scores"], "matrix"), Part("weights", parts["weights"], "matrix"),
               Part("output", parts["output"], "matrix")),
        steps=tuple(steps),
    )


def _mask_text(p: Params) -> list[doc.Piece]:
    if p.mask == "none":
        return ["No mask: every query attends to every key."]
    if p.mask == "causal":
        return ["A causal mask: query i attends only to keys j ≤ i."]
    return ["Mask (1 = may attend, 0 = masked): ", doc.eq(var("M"), doc.mat(p.mask)), "."]


def statement(p: Params) -> tuple[doc.Block, ...]:
    scale = ["The scores are scaled by ", doc.num(p.scale), "."] if p.scale is not None else \
        ["The scores are scaled by 1/sqrt(d_k) as usual."]
    return (
        para("Scaled dot-product attention, ", doc.eq(var("O"), doc.call("softmax", var("s") + op("*") + var("Q")
             + op(" ") + var("K", sup="T")) + op(" ") + var("V")), ", with one row per position:"),
        para(doc.eq(var("Q"), doc.mat(p.q)), ", ", doc.eq(var("K"), doc.mat(p.k)), ", ", doc.eq(var("V"), doc.mat(p.v)), "."),
        para(*scale, " ", *_mask_text(p)),
        para("Compute the scaled, masked scores (write -inf for a masked score), the attention weights (softmax of each "
             "row) and the output, exactly."),
    )


def _given_matrix(v: Any, rows: int, cols: int) -> tuple[tuple[Any, ...], ...] | None:
    """A student's matrix as sympy numbers, or None when it is not rows x cols numbers (a flat list is one row, or
    one column when cols is 1)."""
    import sympy as sp

    if isinstance(v, sp.MatrixBase):
        v = v.tolist()
    if not isinstance(v, Sequence) or isinstance(v, str) or not v:
        return None
    if not any(isinstance(x, Sequence) and not isinstance(x, str) for x in v):
        v = [v] if rows == 1 else [[x] for x in v] if cols == 1 else v
    if len(v) != rows:
        return None
    out = [_given_vector(r, cols) for r in v]
    return None if any(r is None for r in out) else tuple(out)  # type: ignore[misc]


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """Weights from the student's own scores (softmax of each row over the keys the query may attend to);
    the output from the student's own weights."""
    import sympy as sp

    nq, nk = len(p.q), len(p.k)
    out: dict[str, Any] = {}
    scores = _given_matrix(given.get("scores"), nq, nk)
    if scores is not None:
        rows = [tuple(s if ok else -sp.oo for s, ok in zip(r, a)) for r, a in zip(scores, allowed(p))]
        if all(any(s != -sp.oo and s.is_finite for s in r) for r in rows):
            out["weights"] = tuple(_softmax(r) for r in rows)
    weights = _given_matrix(given.get("weights"), nq, nk)
    if weights is not None:
        out["output"] = _matmul(weights, p.v)
    return out


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _right_floats(p: Params) -> dict[str, Any]:
    return _attend(p, FLOAT)


def _differs(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> bool:
    """Some entry differs by more than 1e-9 (relative): more than any grader's tolerance forgives."""
    return any(x != y and not (math.isfinite(x) and math.isfinite(y) and abs(x - y) <= 1e-9 * max(1.0, abs(y)))
               for r, q in zip(a, b) for x, y in zip(r, q))


def _changed(p: Params, **variant: Any) -> dict[str, Any]:
    """The parts a mistake changes, told apart in floats (all of them when it changes none: draws reject the
    variant)."""
    right, floats = _right_floats(p), _attend(p, FLOAT, **variant)
    wrong = _attend(p, **variant)
    return {k: wrong[k] for k in wrong if _differs(floats[k], right[k])} or wrong


def _masked(p: Params) -> bool:
    return not all(all(r) for r in allowed(p))


def _forgot_scale(p: Params) -> dict[str, Any]:
    import sympy as sp

    return {} if EXACT.scale(p) == 1 else _changed(p, scale=sp.Integer(1))


def _scaled_by_dk(p: Params) -> dict[str, Any]:
    import sympy as sp

    if p.scale is not None or p.dk == 1:
        return {}
    return _changed(p, scale=sp.Rational(1, p.dk))


MISTAKES = (
    Mistake("forgot-scale", "the scores are scaled: S = Q Kᵀ / sqrt(d_k) (or the scale given), not Q Kᵀ.", _forgot_scale),
    Mistake("scaled-by-dk", "the scale is 1/sqrt(d_k), not 1/d_k.", _scaled_by_dk),
    Mistake("softmax-over-columns", "each query's weights are a softmax over the keys: along each row, summing to 1 "
            "per row, not down each column.", lambda p: _changed(p, by_columns=True) if len(p.q) > 1 else {}),
    Mistake("mask-after-softmax", "the mask is applied to the scores before the softmax (masked scores -inf), so "
            "each row's weights still sum to 1; zeroing weights after the softmax does not renormalise them.",
            lambda p: _changed(p, mask_after=True) if _masked(p) else {}),
    Mistake("mask-as-zero", "a masked score is -inf (its weight exp(-inf) = 0), not 0 (which still gets weight exp(0)).",
            lambda p: _changed(p, masked=0) if _masked(p) else {}),
    Mistake("forgot-softmax", "the weights are the softmax of each row of the scores (positive, summing to 1), "
            "not the scores themselves.", lambda p: _changed(p, no_softmax=True)),
    Mistake("forgot-mask", "apply the mask: a query may not attend to the masked keys (their scores are -inf).",
            lambda p: _changed(p, unmasked=True) if _masked(p) else {}),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    positions_min: int = 2,
    positions_max: int = 3,
    dk: Sequence[int] = (2, 4),
    dv_min: int = 1,
    dv_max: int = 2,
    value_min: int = -2,
    value_max: int = 2,
    masks: Sequence[str] = ("none", "causal"),
) -> Params:
    """Small integers; self-attention shapes (as many queries as keys); no two scores of a row equal, so the
    weights are not all the same."""
    for lo, hi, what in ((positions_min, positions_max, "positions"), (dv_min, dv_max, "dv"), (value_min, value_max, "value")):
        if lo > hi:
            raise ParamError("options", f"{what}_min <= {what}_max", (lo, hi))
    p = None
    for _ in range(200):
        n, d, e = rng.randint(positions_min, positions_max), rng.choice(dk), rng.randint(dv_min, dv_max)

        def m(rows: int, cols: int) -> Grid:
            return tuple(tuple(Fraction(rng.randint(value_min, value_max)) for _ in range(cols)) for _ in range(rows))

        p = Params(q=m(n, d), k=m(n, d), v=m(n, e), mask=rng.choice(masks))
        rows = [[x for x, ok in zip(r, a) if ok] for r, a in zip(_dots(p), allowed(p))]
        if all(len(set(r)) == len(r) for r in rows if len(r) > 1) and len({x for c in p.v for x in c}) > 1:
            return p
    if p is None:
        raise ParamError("options", "ranges that allow a variant", (positions_min, positions_max))
    return p
