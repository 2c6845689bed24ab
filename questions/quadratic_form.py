"""A quadratic f(x) written as xᵀAx + xᵀb + c with A symmetric.

``f`` is instructor text (plain, unicode or LaTeX) read by :mod:`nnexam.questions.safe_expr`, never by
``sympify``. Each coefficient goes to its place: x_i² to A_ii, x_i x_j (i ≠ j) half to A_ij and
half to A_ji (xᵀAx holds A_ij + A_ji = 2 A_ij of it), x_i to b_i, the constant to c. A name made of
listed variables written together (``3xy``) is their product. When ``f`` is not a quadratic
polynomial in the variables, the error names the offending term (x^3, x*y*z, sin(x), 1/x, an
unlisted name).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from nnexam.questions import doc
from nnexam.questions.doc import Display, para
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import to_sympy
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, Number, OneOf, Param, PartSpec, Text

if TYPE_CHECKING:
    import sympy as sp

TYPE_ID = "quadratic-form"
SUMMARY = "f(x) as xᵀAx + xᵀb + c with A symmetric (the error names a non-quadratic term)"

MAX_VARS = 8
MAX_EXPAND_DEGREE = 8  # a degree bound above this is refused before expanding (no blow-up)

PARAMS = (
    Param("f", OneOf(Text(max_len=2000), Number()), help="the quadratic, e.g. 3x^2 - 4xy + y^2 + 2x - 5 (plain or LaTeX)"),
    Param("variables", OneOf(ListOf(Text(max_len=32), max_len=MAX_VARS), Text(max_len=400)), default=None,
          help="the variables in the order of x, e.g. [\"x\", \"y\"] or \"x, y\" (default: f's names, sorted)"),
)
PARTS = (
    PartSpec("A", "matrix", "the symmetric matrix of the quadratic terms"),
    PartSpec("b", "vector", "the coefficients of the linear terms"),
    PartSpec("c", "number", "the constant"),
)
OPTIONS = (
    Param("variables_min", Integer(min=1, max=MAX_VARS), default=2, help="fewest variables"),
    Param("variables_max", Integer(min=1, max=MAX_VARS), default=3, help="most variables"),
    Param("coef_max", Integer(min=1, max=100), default=5, help="coefficients in [-coef_max, coef_max]"),
    Param("names", Choice("letters", "indexed"), default="letters", help="x, y, z or x_1, x_2, ..."),
    Param("integer_A", Boolean(), default=True, help="even cross-term coefficients, so A has integer entries"),
)


@lru_cache(maxsize=1024)
def _canonical(name: str) -> str | None:
    """The symbol name the parser gives ``name`` (x1 -> x_1); None when it is not one name."""
    import sympy as sp
    from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

    try:
        sym = parse_expression(name, max_len=32)
    except ExprSyntaxError:
        return None
    return sym.name if isinstance(sym, sp.Symbol) else None


def _names(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    items = [s for s in re.split(r"[\s,;]+", raw.strip()) if s] if isinstance(raw, str) else list(raw)
    if not 1 <= len(items) <= MAX_VARS:
        raise ParamError("variables", f"1 to {MAX_VARS} variable names", raw)
    out = []
    for i, name in enumerate(items):
        canonical = _canonical(name) if isinstance(name, str) else None
        if canonical is None:
            raise ParamError(f"variables[{i + 1}]", "a variable name such as x, x_1 or w2 (not e or pi)", name)
        out.append(canonical)
    if len(set(out)) != len(out):
        raise ParamError("variables", "distinct names (x1 and x_1 are the same variable)", raw)
    return tuple(out)


@dataclass(frozen=True)
class Params:
    f: str
    variables: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.f, str):  # a constant given as a number (--set f=5)
            object.__setattr__(self, "f", doc.plain_str(self.f))
        # canonical names (x1 -> x_1); when absent, f's names, so the stored params say the order of x
        object.__setattr__(self, "variables", _names(self.variables))
        q = analyse(self.f, self.variables)
        if self.variables is None:
            object.__setattr__(self, "variables", tuple(x.name for x in q.x))


@dataclass(frozen=True)
class Quadratic:
    """f analysed: its variables (in the order of x), f as given and expanded, A, b, c and the terms."""

    x: tuple[sp.Symbol, ...]
    given: sp.Expr
    expanded: sp.Expr
    A: sp.ImmutableMatrix
    b: tuple[sp.Expr, ...]
    c: sp.Expr
    terms: tuple[tuple[tuple[int, ...], sp.Expr], ...]  # (exponents, coefficient), nonzero only


def _split(name: str, known: list[str]) -> list[str] | None:
    """``xy`` -> [x, y] when the name is exactly one way a run of known names; None otherwise."""
    ways: list[list[list[str]]] = [[[]]] + [[] for _ in name]
    for i in range(len(name)):
        if not ways[i]:
            continue
        for k in known:
            if name.startswith(k, i) and len(ways[i + len(k)]) < 2:
                ways[i + len(k)].extend(w + [k] for w in ways[i][:2])
    done = ways[len(name)]
    return done[0] if len(done) == 1 and len(done[0]) > 1 else None


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def _degree_bound(e: sp.Expr, xs: set[sp.Symbol], f: str) -> int:
    """An upper bound of the degree of ``e`` in ``xs``, without expanding; non-polynomial pieces
    (sin(x), 1/x, 2^x, sqrt(x)) raise ParamError naming them."""
    import sympy as sp

    if not (e.free_symbols & xs):
        return 0
    if isinstance(e, sp.Symbol):
        return 1
    if isinstance(e, sp.Add):
        return max(_degree_bound(t, xs, f) for t in e.args)
    if isinstance(e, sp.Mul):
        return sum(_degree_bound(t, xs, f) for t in e.args)
    if isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp >= 0:
        return int(e.exp) * _degree_bound(e.base, xs, f)
    raise ParamError("f", f"a polynomial in {', '.join(map(str, sorted(xs, key=str)))}: the term {doc.plain_str(e)} is not", f)


@lru_cache(maxsize=512)
def analyse(f: str, variables: tuple[str, ...] | None) -> Quadratic:
    """Parse and check ``f``; A, b, c. Raises ParamError naming the offending term or name."""
    import sympy as sp
    from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

    try:
        e = parse_expression(f, symbols=variables)
    except ExprSyntaxError as err:
        raise ParamError("f", f"a readable expression ({err.reason} at character {err.offset + 1})", f) from None
    names = sorted((s.name for s in e.free_symbols), key=_natural)
    if variables is not None:
        atoms = list(variables)
    else:  # f's own names, except those that are a run of the others (3xy)
        atoms = [n for n in names if _split(n, [m for m in names if m != n]) is None]
    products = {}
    for n in names:
        if n in atoms:
            continue
        parts = _split(n, atoms)
        if parts is None:
            listed = ", ".join(atoms)
            raise ParamError("f", f"an expression in the variables {listed}: '{n}' is not one of them (add it to variables)", f)
        products[sp.Symbol(n)] = sp.Mul(*(sp.Symbol(p) for p in parts))
    e = e.xreplace(products)
    xs = tuple(sp.Symbol(n) for n in atoms)
    if not xs:
        raise ParamError("f", "an expression in at least one variable (or give variables)", f)
    bound = _degree_bound(e, set(xs), f)
    if bound > MAX_EXPAND_DEGREE:
        raise ParamError("f", f"a quadratic (degree at most 2): its degree can reach {bound}", f)
    poly = sp.Poly(e, *xs)  # expands
    terms = tuple((m, c) for m, c in poly.terms() if c != 0)
    for m, c in terms:
        if not (c.is_Rational or (c.is_number and c.is_real)):
            term = doc.plain_str(c * sp.Mul(*(x**k for x, k in zip(xs, m))))
            raise ParamError("f", f"real coefficients: the term {term} has coefficient {doc.plain_str(c)}", f)
        if sum(m) > 2:
            term = doc.plain_str(c * sp.Mul(*(x**k for x, k in zip(xs, m))))
            raise ParamError("f", f"a quadratic (degree at most 2): the term {term} has degree {sum(m)}", f)
    expanded = poly.as_expr()
    n = len(xs)
    A = sp.zeros(n, n)
    b = [sp.Integer(0)] * n
    c = sp.Integer(0)
    for m, coeff in terms:
        idx = [i for i, k in enumerate(m) for _ in range(k)]
        if len(idx) == 2:
            i, j = idx
            if i == j:
                A[i, i] += coeff
            else:
                A[i, j] += coeff / 2
                A[j, i] += coeff / 2
        elif len(idx) == 1:
            b[idx[0]] += coeff
        else:
            c += coeff
    return Quadratic(xs, e, expanded, sp.ImmutableMatrix(A), tuple(b), c, terms)


def _rows(m: sp.MatrixBase) -> tuple[tuple[sp.Expr, ...], ...]:
    return tuple(tuple(m.row(i)) for i in range(m.rows))


def _quadratic(p: Params) -> Quadratic:
    return analyse(p.f, p.variables)


def _xvec(q: Quadratic) -> doc.F:
    return doc.vec(list(q.x))


def solve(p: Params) -> Answer:
    import sympy as sp

    q = _quadratic(p)
    names = ", ".join(doc.plain_str(x) for x in q.x)
    rows = []
    for m, coeff in sorted(q.terms, key=lambda t: (-sum(t[0]), [-k for k in t[0]])):
        idx = [i for i, k in enumerate(m) for _ in range(k)]
        term = doc.expr(coeff * sp.Mul(*(x**k for x, k in zip(q.x, m))))
        if len(idx) == 2 and idx[0] == idx[1]:
            i = idx[0] + 1
            place = doc.eq(doc.var("A", f"{i}{i}"), doc.expr(coeff))
        elif len(idx) == 2:
            i, j = idx[0] + 1, idx[1] + 1
            place = doc.eq(doc.var("A", f"{i}{j}"), doc.var("A", f"{j}{i}"), doc.expr(coeff / 2))
        elif len(idx) == 1:
            place = doc.eq(doc.var("b", idx[0] + 1), doc.expr(coeff))
        else:
            place = doc.eq(doc.var("c"), doc.expr(coeff))
        rows.append((term, doc.expr(coeff), place))
    steps: list[doc.Block] = [
        para(f"With x = ({names})ᵀ, ",
             *(("expand f: ", doc.eq(doc.var("f"), doc.expr(q.expanded)), ".") if q.expanded != q.given else ("f is already expanded.",))),
        para("xᵀAx = Σ_i A_ii x_i² + Σ_{i<j} (A_ij + A_ji) x_i x_j: a square's coefficient goes to the diagonal; "
             "for a symmetric A each cross term's coefficient is split in half between A_ij and A_ji. "
             "xᵀb = Σ_i b_i x_i takes the linear terms, c the constant."),
        doc.Table(("term", "coefficient", "goes to"), tuple(rows) or (("0", "0", "nothing"),)),
        Display(doc.eq(doc.var("A"), doc.mat(q.A))),
        Display(doc.eq(doc.var("b"), doc.vec(list(q.b)))),
        Display(doc.eq(doc.var("c"), doc.num(q.c))),
    ]
    return Answer(
        parts=(Part("A", _rows(q.A), "matrix"), Part("b", q.b, "vector"), Part("c", q.c, "number")),
        steps=tuple(steps),
    )


def statement(p: Params) -> tuple[doc.Block, ...]:
    q = _quadratic(p)
    x = _xvec(q)
    return (
        para("Write ", doc.eq(doc.var("f"), doc.expr(q.given)),
             " in the form ", doc.F(r"\mathbf{x}^T A \mathbf{x} + \mathbf{x}^T \mathbf{b} + c", "bold(x)^T A bold(x) + bold(x)^T bold(b) + c",
                                   "xᵀAx + xᵀb + c"),
             " with A symmetric and ", doc.eq(doc.F(r"\mathbf{x}", "bold(x)", "x"), x), ". Give A, b and c."),
    )


_HALF, _ONE, _TWO = Fraction(1, 2), 1, 2


def _variant(p: Params, *, cross: int | Fraction = _HALF, diag: int | Fraction = _ONE, upper: bool = False,
             b_sign: int = 1) -> dict[str, Any]:
    """A, b, c as a mistaken rule computes them: ``cross`` is the share of a cross term's coefficient put
    in A_ij (and A_ji unless ``upper``), ``diag`` the factor on squares."""
    import sympy as sp

    cross, diag = to_sympy(cross), to_sympy(diag)
    q = _quadratic(p)
    n = len(q.x)
    A = sp.zeros(n, n)
    for i in range(n):
        A[i, i] = diag * q.A[i, i]
        for j in range(i + 1, n):
            coeff = 2 * q.A[i, j]
            A[i, j] = coeff if upper else cross * coeff
            A[j, i] = 0 if upper else cross * coeff
    return {"A": _rows(A), "b": tuple(b_sign * v for v in q.b)}


def _has_cross(p: Params) -> bool:
    q = _quadratic(p)
    return any(q.A[i, j] != 0 for i in range(len(q.x)) for j in range(len(q.x)) if i != j)


def _has_square(p: Params) -> bool:
    q = _quadratic(p)
    return any(q.A[i, i] != 0 for i in range(len(q.x)))


MISTAKES = (
    Mistake("forgot-halving-cross-terms",
            "xᵀAx counts A_ij and A_ji: a symmetric A holds half of a cross term's coefficient in each.",
            lambda p: {"A": _variant(p, cross=_ONE)["A"]} if _has_cross(p) else {}),
    Mistake("non-symmetric",
            "putting the whole cross term in A_ij (upper triangle) gives the right f but A must be symmetric: split it.",
            lambda p: {"A": _variant(p, upper=True)["A"]} if _has_cross(p) else {}),
    Mistake("halved-diagonal",
            "only cross terms are split: the coefficient of x_i² goes whole to A_ii.",
            lambda p: {"A": _variant(p, diag=_HALF)["A"]} if _has_square(p) else {}),
    Mistake("hessian-convention",
            "that A is the Hessian (f = ½xᵀAx + ...): with f = xᵀAx + xᵀb + c, A is half of it.",
            lambda p: {"A": _variant(p, cross=_ONE, diag=_TWO)["A"]} if _has_cross(p) or _has_square(p) else {}),
    Mistake("b-sign",
            "f = xᵀAx + xᵀb + c adds the linear terms: b holds their coefficients with their own signs.",
            lambda p: {"b": _variant(p, b_sign=-1)["b"]} if any(_quadratic(p).b) else {}),
)


_LETTERS = ("x", "y", "z", "w")


def sample(
    rng: random.Random,
    *,
    variables_min: int = 2,
    variables_max: int = 3,
    coef_max: int = 5,
    names: str = "letters",
    integer_A: bool = True,
) -> Params:
    """Small integer coefficients; at least one square, one cross term and one linear term, so every
    known mistake changes the answer."""
    import sympy as sp

    if variables_min > variables_max:
        raise ParamError("options", "variables_min <= variables_max", (variables_min, variables_max))
    n = rng.randint(variables_min, variables_max)
    xs = [sp.Symbol(_LETTERS[i] if names == "letters" and variables_max <= len(_LETTERS) else f"x_{i + 1}") for i in range(n)]
    pick = lambda top: rng.choice([k for k in range(-top, top + 1) if k])  # noqa: E731
    coef = lambda: pick(coef_max)  # noqa: E731
    cross = (lambda: 2 * pick(max(1, coef_max // 2))) if integer_A else coef
    squares, crosses, linears, terms = 0, 0, 0, []
    for i in range(n):
        if rng.random() < 0.8:
            terms.append(coef() * xs[i] ** 2)
            squares += 1
        for j in range(i + 1, n):
            if rng.random() < 0.6:
                terms.append(cross() * xs[i] * xs[j])
                crosses += 1
        if rng.random() < 0.6:
            terms.append(coef() * xs[i])
            linears += 1
    if rng.random() < 0.7:
        terms.append(sp.Integer(coef()))
    # every mistake must show: a square, a cross term (with two or more variables) and a linear term
    if not squares:
        terms.append(coef() * xs[0] ** 2)
    if n > 1 and not crosses:
        terms.append(cross() * xs[0] * xs[-1])
    if not linears:
        terms.append(coef() * xs[-1])
    f = sp.Add(*terms)
    return Params(f=doc.plain_str(f), variables=tuple(x.name for x in xs))
