"""Gradients of a one-layer model's loss in matrix form (dL/dW, dL/db), symbolic and, for a numeric
instance, exact (sigmoid and softmax values stay in ``exp``).

Notation as in Andrew Ng's courses: ``X`` is n_x x m with **one column per sample**, ``W`` is
n_y x n_x, ``b`` is n_y x 1, ``Z = W X + b`` (b added to every column), ``A`` the activations and
``Y`` the targets (n_y x m). Losses, summed over the m samples by default (``reduction="mean"``
divides by m):

- ``logistic``: A = sigma(Z), L = -sum[Y ln A + (1 - Y) ln(1 - A)] (binary cross-entropy);
- ``linear-mse``: A = Z, L = 1/2 sum (A - Y)^2 (``half=false``: without the 1/2);
- ``softmax-ce``: A = softmax of each column of Z, L = -sum Y ln A (y: one-hot columns, or 0-based
  class indices as Keras' sparse labels).

In every case dL/dZ = c (A - Y) with c = 1, 1/m (mean) or 2 (MSE without the 1/2), so
dL/dW = c (A - Y) Xᵀ and dL/db = c (A - Y) 1_m, where 1_m is the m x 1 column of ones (a sum over
samples).
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from nnexam.questions import doc
from nnexam.questions.doc import Display, F, mat, para
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import to_sympy
from nnexam.questions.family import Answer, Mistake, Part, explicit_matrix
from nnexam.questions.params import Boolean, Choice, Integer, Matrix, Number, OneOf, Param, PartSpec, Vector

if TYPE_CHECKING:
    import sympy as sp

TYPE_ID = "gradient"
SUMMARY = "dL/dW and dL/db of a one-layer model (logistic, linear-mse, softmax-ce), symbolic and exact values"

MAX_SIZE = 8  # features, samples and outputs: exact exp() sums grow fast beyond this
MODELS = ("logistic", "linear-mse", "softmax-ce")

PARAMS = (
    Param("model", Choice(*MODELS), help="logistic, linear-mse or softmax-ce"),
    Param("reduction", Choice("sum", "mean"), default="sum", help="loss summed over the m samples, or their mean"),
    Param("half", Boolean(), default=None, help="linear-mse only: L = 1/2 sum (a - y)^2 (true, the default) or sum (a - y)^2"),
    Param("X", Matrix(allow_vector=True, max_dim=MAX_SIZE), default=None, help="inputs, features x samples (one column per sample)"),
    Param("y", Matrix(allow_vector=True, max_dim=MAX_SIZE), default=None,
          help="targets, outputs x samples (softmax-ce: one-hot columns, or a list of 0-based class indices)"),
    Param("W", Matrix(allow_vector=True, max_dim=MAX_SIZE), default=None, help="weights, outputs x features (default zeros)"),
    Param("b", OneOf(Number(), Vector(max_len=MAX_SIZE)), default=None, help="bias, one per output (default zeros)"),
)
PARTS = (
    # the hints show the form with other names: the question's own (A - Y) X^T would be the answer
    PartSpec("dL/dW", "expression", "dL/dW as a matrix expression in the question's names, written like $2 P Q^T$"),
    PartSpec("dL/db", "expression",
             "dL/db as a matrix expression; a sum over the samples is a product with $1_m$ (m ones), as in $P 1_m$"),
    PartSpec("dL/dW_value", "matrix", "dL/dW for the numeric instance (outputs x features)"),
    PartSpec("dL/db_value", "vector", "dL/db for the numeric instance (one entry per output)"),
)
OPTIONS = (
    Param("model", Choice(*MODELS), default=None, help="fixed model (default: drawn)"),
    Param("reduction", Choice("sum", "mean"), default="sum", help="sum or mean over samples"),
    Param("numeric", Boolean(), default=True, help="draw numbers for X, y, W, b (false: symbolic parts only)"),
    Param("features_min", Integer(min=1, max=MAX_SIZE), default=2, help="fewest input features"),
    Param("features_max", Integer(min=1, max=MAX_SIZE), default=3, help="most input features"),
    Param("samples_min", Integer(min=1, max=MAX_SIZE), default=2, help="fewest samples"),
    Param("samples_max", Integer(min=1, max=MAX_SIZE), default=3, help="most samples"),
    Param("classes_max", Integer(min=2, max=MAX_SIZE), default=3, help="most classes (softmax-ce)"),
    Param("value_max", Integer(min=1, max=20), default=2, help="entries of X, W, b and (linear-mse) y in [-value_max, value_max]"),
    Param("zero_weights", Boolean(), default=None, help="W = 0 and b = 0, so sigmoid/softmax are simple fractions (default: half the time)"),
)

@dataclass(frozen=True)
class Symbols:
    M: Any  # samples
    NX: Any  # features
    NY: Any  # outputs
    A: Any
    Y: Any
    X: Any
    ONES: Any  # the column 1_m


@cache
def symbols() -> Symbols:
    """Symbolic shapes: the matrix-form answers hold for any sizes (built on first use: sympy is
    imported only when a gradient is solved, not when the family is listed)."""
    import sympy as sp

    m, nx, ny = sp.symbols("m n_x n_y", positive=True, integer=True)
    return Symbols(m, nx, ny, sp.MatrixSymbol("A", ny, m), sp.MatrixSymbol("Y", ny, m), sp.MatrixSymbol("X", nx, m),
                    sp.MatrixSymbol("1_m", m, 1))


@dataclass(frozen=True)
class Params:
    model: str = "logistic"
    reduction: str = "sum"
    half: bool | None = None
    X: tuple[tuple[sp.Rational, ...], ...] | None = None
    y: tuple[tuple[sp.Rational, ...], ...] | None = None
    W: tuple[tuple[sp.Rational, ...], ...] | None = None
    b: Any = None  # a number or a tuple of numbers

    def __post_init__(self) -> None:
        for name in ("X", "y", "W", "b"):  # the converters give Fractions; the solver is symbolic
            object.__setattr__(self, name, to_sympy(getattr(self, name)))
        if self.half is not None and self.model != "linear-mse":
            raise ParamError("half", "no value: the 1/2 factor applies to model 'linear-mse' only", self.half)
        if self.X is None:
            for name in ("y", "W", "b"):
                if getattr(self, name) is not None:
                    raise ParamError("X", f"a matrix (features x samples) when '{name}' is given")
            return
        if self.y is None:
            raise ParamError("y", "the targets (outputs x samples) when X is given")
        instance(self)  # checks every shape

    @property
    def numeric(self) -> bool:
        return self.X is not None


@dataclass(frozen=True)
class Numeric:
    """The instance as exact sympy matrices, with everything derived from it."""

    X: sp.Matrix
    Y: sp.Matrix
    W: sp.Matrix
    b: sp.Matrix
    Z: sp.Matrix
    A: sp.Matrix
    labels: tuple[int, ...] | None  # softmax-ce given as class indices


def _shape(m: sp.Matrix) -> str:
    return f"{m.rows} x {m.cols}"


@lru_cache(maxsize=256)
def instance(p: Params) -> Numeric:
    """Exact X, Y, W, b, Z, A; raises ParamError naming the parameter whose shape does not fit."""
    import sympy as sp

    X = sp.Matrix(p.X)
    n_x, m = X.shape
    Y = sp.Matrix(p.y)
    labels = None
    if p.model == "softmax-ce" and Y.rows == 1:
        if any(not v.is_integer or v < 0 for v in Y):
            raise ParamError("y", "0-based class indices (integers >= 0) or one-hot columns", p.y)
        labels = tuple(int(v) for v in Y)
        n_y = sp.Matrix(p.W).rows if p.W is not None else max(2, max(labels) + 1)
        if max(labels) >= n_y:
            raise ParamError("y", f"class indices below the {n_y} outputs of W", list(labels))
        Y = sp.Matrix(n_y, len(labels), lambda i, j: 1 if labels[j] == i else 0)
    n_y = Y.rows
    if Y.cols != m:
        raise ParamError("y", f"{m} columns, one per sample (X is {_shape(X)})", f"y of shape {_shape(Y)}")
    if p.model == "logistic" and any(not 0 <= v <= 1 for v in Y):
        raise ParamError("y", "targets between 0 and 1 for binary cross-entropy", p.y)
    if p.model == "softmax-ce":
        if n_y < 2:
            raise ParamError("y", "one-hot columns for at least 2 classes, or class indices", p.y)
        if any(v < 0 for v in Y) or any(sum(Y.col(j)) != 1 for j in range(m)):
            raise ParamError("y", "one-hot (or probability) columns, each summing to 1", p.y)
    W = sp.zeros(n_y, n_x) if p.W is None else sp.Matrix(p.W)
    if W.shape != (n_y, n_x):
        raise ParamError("W", f"shape {n_y} x {n_x} (outputs x features)", f"W of shape {_shape(W)}")
    if p.b is None:
        b = sp.zeros(n_y, 1)
    elif isinstance(p.b, tuple):
        b = sp.Matrix(p.b)
        if b.rows != n_y:
            raise ParamError("b", f"{n_y} entries, one per output", list(p.b))
    elif n_y == 1:
        b = sp.Matrix([p.b])
    else:
        raise ParamError("b", f"a list of {n_y} entries, one per output", p.b)
    Z = W * X + b * sp.ones(1, m)
    if p.model == "logistic":
        A = Z.applyfunc(lambda z: 1 / (1 + sp.exp(-z)))
    elif p.model == "linear-mse":
        A = Z
    else:
        A = sp.Matrix(n_y, m, lambda i, j: sp.exp(Z[i, j]) / sum(sp.exp(Z[k, j]) for k in range(n_y)))
    return Numeric(X, Y, W, b, Z, A, labels)


def factor(p: Params, *, mean: bool | None = None, two: bool | None = None) -> sp.Expr:
    """c in dL/dZ = c (A - Y): 1/m for the mean, 2 for an MSE without the 1/2 (switches: mistakes)."""
    import sympy as sp

    shapes = symbols()
    mean = p.reduction == "mean" if mean is None else mean
    two = (p.model == "linear-mse" and p.half is False) if two is None else two
    return (sp.Integer(2) if two else sp.Integer(1)) * (1 / shapes.M if mean else 1)


def _scaled(c: sp.Expr, *factors: Any) -> sp.MatrixExpr:
    import sympy as sp

    return sp.MatMul(c, *factors) if c != 1 else sp.MatMul(*factors)


@lru_cache(maxsize=64)
def symbolic(c: sp.Expr, *, sign: bool = False, extra_sigmoid: bool = False, transpose_x: bool = True,
             sum_b: bool = True) -> dict[str, sp.MatrixExpr]:
    """The matrix-form parts for dL/dZ = c (A - Y), or as a mistake writes them (cached: sympy builds
    matrix expressions slowly and a family has only a handful)."""
    import sympy as sp

    shapes = symbols()
    dz: sp.MatrixExpr = shapes.Y - shapes.A if sign else shapes.A - shapes.Y
    if extra_sigmoid:
        dz = sp.HadamardProduct(shapes.A - shapes.Y, shapes.A, sp.OneMatrix(shapes.NY, shapes.M) - shapes.A)
    return {
        "dL/dZ": _scaled(c, dz),
        "dL/dW": _scaled(c, dz, shapes.X.T if transpose_x else shapes.X),
        "dL/db": _scaled(c, dz, shapes.ONES) if sum_b else _scaled(c, dz),
    }


def substitute(e: sp.MatrixExpr, values: Mapping[str, sp.Matrix]) -> sp.Matrix:
    """An explicit matrix from a matrix-form answer: the sizes and the named matrices (A, Y, X, 1_m)
    of ``values`` put in. Used to check the symbolic parts against numbers."""
    import sympy as sp

    shapes = symbols()
    dims = {shapes.NY: values["A"].rows, shapes.M: values["A"].cols, shapes.NX: values["X"].rows}
    mats = {}
    for s in e.free_symbols:
        if isinstance(s, sp.MatrixSymbol):
            shape = tuple(sp.sympify(d).xreplace(dims) for d in s.shape)
            mats[sp.MatrixSymbol(s.name, *shape)] = sp.ones(dims[shapes.M], 1) if s.name == "1_m" else values[s.name]
    return sp.Matrix(explicit_matrix(e.xreplace(dims), mats))


def _values(c: sp.Expr, n: Numeric, dz: sp.Matrix, *, transpose_x: bool = True) -> dict[str, Any]:
    shapes = symbols()
    cm = c.xreplace({shapes.M: n.X.cols})
    d = dz if cm == 1 else cm * dz
    out: dict[str, Any] = {"dL/db_value": tuple(sum(d.row(i)) for i in range(d.rows))}
    x = n.X.T if transpose_x else n.X
    if d.cols == x.rows:
        dw = d * x
        out["dL/dW_value"] = tuple(tuple(dw.row(i)) for i in range(dw.rows))
    return out


def _answer_parts(p: Params, approx: bool = False, **switches: Any) -> dict[str, Any]:
    """Every part, right (no switches) or as a mistake computes it; ``approx``: values from a float A."""
    c = factor(p, mean=switches.get("mean"), two=switches.get("two"))
    transpose_x, sum_b = switches.get("transpose_x", True), switches.get("sum_b", True)
    sym = symbolic(c, sign=switches.get("sign", False), extra_sigmoid=switches.get("extra_sigmoid", False),
                   transpose_x=transpose_x, sum_b=sum_b)
    parts: dict[str, Any] = {"dL/dW": sym["dL/dW"], "dL/db": sym["dL/db"]}
    if not p.numeric:
        return parts
    n = _float_instance(p) if approx else instance(p)
    dz = n.A - n.Y
    if switches.get("sign"):
        dz = -dz
    if switches.get("extra_sigmoid"):
        dz = dz.multiply_elementwise(n.A).multiply_elementwise(n.A.applyfunc(lambda a: 1 - a))
    vals = _values(c, n, dz, transpose_x=transpose_x)
    if not sum_b:
        del vals["dL/db_value"]
    parts.update(vals)
    return parts


@lru_cache(maxsize=256)
def _float_instance(p: Params) -> Numeric:
    """The instance with A in floating point (same formulas as :func:`_floats`)."""
    import sympy as sp

    n = instance(p)
    return dataclasses.replace(n, A=sp.Matrix(_floats(p, n)["A"]))


_KIND = {"dL/dW": "expression", "dL/db": "expression", "dL/dW_value": "matrix", "dL/db_value": "vector"}


def _formulas(p: Params) -> dict[str, F]:
    """Model, loss and dL/dZ in the three notations."""
    red_l = r"\frac{1}{m}" if p.reduction == "mean" else ""
    red_t = "1/m " if p.reduction == "mean" else ""
    red_p = "(1/m) " if p.reduction == "mean" else ""
    if p.model == "logistic":
        act = F(r"A = \sigma(Z) = \frac{1}{1 + e^{-Z}}", "A = sigma(Z) = 1/(1 + e^(-Z))", "A = σ(Z) = 1/(1 + exp(-Z))")
        loss = F(rf"L = -{red_l}\sum \left[Y \ln A + (1 - Y) \ln(1 - A)\right]",
                 f"L = -{red_t}sum [Y ln A + (1 - Y) ln(1 - A)]", f"L = -{red_p}Σ [Y ln(A) + (1 - Y) ln(1 - A)]")
        chain = F(r"\frac{\partial L}{\partial A} \cdot \frac{\partial A}{\partial Z} = \frac{A - Y}{A(1 - A)} \cdot A(1 - A) = A - Y",
                  "(partial L)/(partial A) dot (partial A)/(partial Z) = (A - Y)/(A(1 - A)) dot A(1 - A) = A - Y",
                  "∂L/∂A · ∂A/∂Z = (A - Y)/(A(1 - A)) · A(1 - A) = A - Y")
    elif p.model == "linear-mse":
        half = p.half is not False
        act = F("A = Z", "A = Z", "A = Z")
        h_l, h_t, h_p = (r"\frac{1}{2}", "1/2 ", "(1/2) ") if half else ("", "", "")
        loss = F(rf"L = {red_l}{h_l}\sum (A - Y)^2", f"L = {red_t}{h_t}sum (A - Y)^2", f"L = {red_p}{h_p}Σ (A - Y)^2")
        k = "" if half else "2"
        chain = F(rf"\frac{{\partial L}}{{\partial A}} \cdot \frac{{\partial A}}{{\partial Z}} = {k}(A - Y) \cdot 1",
                  f"(partial L)/(partial A) dot (partial A)/(partial Z) = {k}(A - Y) dot 1",
                  f"∂L/∂A · ∂A/∂Z = {k}(A - Y) · 1")
    else:
        act = F(r"A_{ij} = \frac{e^{Z_{ij}}}{\sum_k e^{Z_{kj}}}", "A_(i j) = e^(Z_(i j)) / (sum_k e^(Z_(k j)))",
                "A_ij = exp(Z_ij) / Σ_k exp(Z_kj)  (softmax of each column)")
        loss = F(rf"L = -{red_l}\sum Y \ln A", f"L = -{red_t}sum Y ln A", f"L = -{red_p}Σ Y ln(A)")
        chain = F(r"\frac{\partial L}{\partial Z_{ij}} = \sum_k \frac{-Y_{kj}}{A_{kj}} A_{kj}(\delta_{ki} - A_{ij}) = A_{ij} - Y_{ij}",
                  "(partial L)/(partial Z_(i j)) = sum_k (-Y_(k j))/A_(k j) A_(k j) (delta_(k i) - A_(i j)) = A_(i j) - Y_(i j)",
                  "∂L/∂Z_ij = Σ_k (-Y_kj / A_kj) · A_kj (δ_ki - A_ij) = A_ij - Y_ij  (each column of Y sums to 1)")
    return {"act": act, "loss": loss, "chain": chain}


def _approx(rows: list[list[float]]) -> F:
    """Floats for the reader, computed in floating point from the exact Z (evaluating exp sums in
    sympy would dominate the solve time)."""
    cells = [[f"{round(v, 12) + 0.0:.6g}" for v in r] for r in rows]
    latex = r"\begin{bmatrix}" + r" \\ ".join(" & ".join(r) for r in cells) + r"\end{bmatrix}"
    typst = 'mat(delim: "[", ' + "; ".join(", ".join(r) for r in cells) + ")"
    plain = "[" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "]"
    return F(latex, typst, plain)


def _floats(p: Params, n: Numeric) -> dict[str, list[list[float]]]:
    """A, dW and db in floating point (display only)."""
    shapes = symbols()
    z = [[float(v) for v in n.Z.row(i)] for i in range(n.Z.rows)]
    rows, cols = len(z), len(z[0])
    if p.model == "logistic":
        a = [[1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in r] for r in z]
    elif p.model == "linear-mse":
        a = z
    else:
        top = [max(z[i][j] for i in range(rows)) for j in range(cols)]
        e = [[math.exp(z[i][j] - top[j]) for j in range(cols)] for i in range(rows)]
        a = [[e[i][j] / sum(e[k][j] for k in range(rows)) for j in range(cols)] for i in range(rows)]
    c = float(factor(p).xreplace({shapes.M: cols}))
    d = [[c * (a[i][j] - float(n.Y[i, j])) for j in range(cols)] for i in range(rows)]
    x = [[float(v) for v in n.X.row(k)] for k in range(n.X.rows)]
    dw = [[sum(d[i][j] * x[k][j] for j in range(cols)) for k in range(len(x))] for i in range(rows)]
    return {"A": a, "dZ": d, "dW": dw, "db": [[sum(r)] for r in d]}


def solve(p: Params) -> Answer:
    shapes = symbols()
    parts = _answer_parts(p)
    f = _formulas(p)
    c = factor(p)
    dz = symbolic(c)["dL/dZ"]
    steps: list[doc.Block] = [
        para("X is n_x × m with one column per sample; W is n_y × n_x; Z = WX + b (b added to every column); ", f["act"], "."),
        para("Loss, summed over the samples" + (" and divided by m" if p.reduction == "mean" else "") + ": ", f["loss"], "."),
        para("Chain rule, dL/dW = dL/dA · dA/dZ · dZ/dW. First, per entry: ", f["chain"], "."),
        para("So ", doc.eq(doc.var("dZ"), doc.expr(dz)), ". Since Z_ij = Σ_k W_ik X_kj + b_i, ∂Z_ij/∂W_ik = X_kj and "
             "∂Z_ij/∂b_i = 1: summing over the samples j gives"),
        Display(doc.eq(doc.var("dW"), doc.expr(parts["dL/dW"]))),
        Display(doc.eq(doc.var("db"), doc.expr(parts["dL/db"]))),
        para("where 1_m is the m × 1 column of ones (dL/db is the sum of the columns of dZ)."),
    ]
    if p.numeric:
        n = instance(p)
        fl = _floats(p, n)
        if n.labels is not None:
            steps.append(para("Class indices ", str(list(n.labels)), " as one-hot columns: ", doc.eq(doc.var("Y"), mat(n.Y)), "."))
        steps += [
            para("Forward pass: ", doc.eq(doc.var("Z"), F("W X + b", "W X + b", "WX + b"), mat(n.Z)), "."),
        ]
        if all(v.is_Rational for v in n.A):  # linear-mse, or W = b = 0 (sigmoid 1/2, softmax 1/n_y)
            steps += [
                *([para(doc.eq(doc.var("A"), mat(n.A)), ".")] if p.model != "linear-mse" else []),
                para(doc.eq(doc.var("dZ"), doc.expr(dz), mat(c.xreplace({shapes.M: n.X.cols}) * (n.A - n.Y))), "."),
            ]
        else:  # exact entries are exp() fractions, written out in dW and db; show their values here
            what = "σ(z) of each entry" if p.model == "logistic" else "the softmax of each column"
            steps += [
                para(f"A = {what}: ", doc.join("~", [doc.var("A"), _approx(fl["A"])]), "."),
                para(doc.join("~", [doc.eq(doc.var("dZ"), doc.expr(dz)), _approx(fl["dZ"])]), "."),
            ]
        steps += [
            Display(doc.eq(doc.var("dW"), doc.expr(parts["dL/dW"]), mat(parts["dL/dW_value"], order="none"))),
            Display(doc.eq(doc.var("db"), doc.expr(parts["dL/db"]), mat([[v] for v in parts["dL/db_value"]], order="none"))),
        ]
        if p.model != "linear-mse":
            steps.append(para("Numerically: ", doc.join("~", [doc.var("dW"), _approx(fl["dW"])]),
                              ", ", doc.join("~", [doc.var("db"), _approx(fl["db"])]), "."))
    return Answer(parts=tuple(Part(k, parts[k], kind) for k, kind in _KIND.items() if k in parts), steps=tuple(steps))


_MODEL_TEXT = {
    "logistic": "logistic regression: Z = WX + b, A = σ(Z), binary cross-entropy",
    "linear-mse": "a linear model: A = Z = WX + b, squared error",
    "softmax-ce": "softmax regression: Z = WX + b, A = softmax(Z) per column, categorical cross-entropy",
}


def statement(p: Params) -> tuple[doc.Block, ...]:
    f = _formulas(p)
    blocks: list[doc.Block] = [
        para(f"Consider {_MODEL_TEXT[p.model]}, with X holding one sample per column: ", f["act"], ", ", f["loss"], "."),
    ]
    if p.numeric:
        n = instance(p)
        y = mat(n.Y) if n.labels is None else doc.text(f"class indices {list(n.labels)} (0-based)")
        blocks.append(para("With ", doc.eq(doc.var("X"), mat(n.X)), ", ", doc.eq(doc.var("Y"), y), ", ",
                           doc.eq(doc.var("W"), mat(n.W)), " and ", doc.eq(doc.var("b"), doc.vec(list(n.b))), ":"))
    ask = "Give dL/dW and dL/db in matrix form (in terms of A, Y and X)"
    blocks.append(para(ask + (", and their values for these numbers." if p.numeric else ".")))
    return tuple(blocks)


_ACTIVATION = {"logistic": "sigma", "linear-mse": "", "softmax-ce": "softmax"}


def definitions(p: Params) -> dict[str, str]:
    """What the names of the key's matrix forms stand for, so that an answer written with them
    expanded, (sigma(W X + b 1_m^T) - Y) X^T, is the same as (A - Y) X^T."""
    z = "W*X + b*1_m^T"
    act = _ACTIVATION[p.model]
    return {"Z": z, "A": f"{act}({z})" if act else z}


def follow_on(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """The values from the student's own matrix-form answers, evaluated on the instance."""
    import sympy as sp

    shapes = symbols()
    if not p.numeric:
        return {}
    n = instance(p)
    out: dict[str, Any] = {}
    values = {"A": n.A, "Y": n.Y, "X": n.X}
    for part, value_part in (("dL/dW", "dL/dW_value"), ("dL/db", "dL/db_value")):
        e = given.get(part)
        if isinstance(e, sp.MatrixExpr):
            try:
                got = substitute(e.xreplace({shapes.M: n.X.cols}), values)
            except (ValueError, TypeError, KeyError, sp.ShapeError):
                continue
            got = got.applyfunc(sp.expand)
            out[value_part] = tuple(got) if part == "dL/db" else tuple(tuple(got.row(i)) for i in range(got.rows))
    return out


# id, message, when it can occur, the switches of _answer_parts that reproduce it
_RULES: tuple[tuple[str, str, Any, dict[str, Any]], ...] = (
    ("missing-x-transpose", "dZ/dW brings in Xᵀ, not X: dL/dW = (A - Y) Xᵀ has W's shape (outputs x features).",
     lambda p: True, {"transpose_x": False}),
    ("sign-error", "the gradient is A - Y (prediction minus target), not Y - A: gradient descent then subtracts it.",
     lambda p: True, {"sign": True}),
    ("extra-sigmoid-derivative",
     "for sigmoid with cross-entropy the factor A(1 - A) of dA/dZ cancels against dL/dA: dL/dZ = A - Y, no extra A(1 - A).",
     lambda p: p.model == "logistic", {"extra_sigmoid": True}),
    ("mean-vs-sum", "check the reduction: a summed loss has no 1/m, a mean loss has it.",
     lambda p: p.reduction == "sum", {"mean": True}),
    ("mean-vs-sum", "check the reduction: a summed loss has no 1/m, a mean loss has it.",
     lambda p: p.reduction == "mean", {"mean": False}),
    ("forgot-2", "the derivative of (a - y)^2 is 2(a - y): without the 1/2 in the loss the 2 stays.",
     lambda p: p.model == "linear-mse" and p.half is False, {"two": False}),
    ("extra-2", "with L = 1/2 Σ (a - y)^2 the 1/2 cancels the 2 of the derivative: dL/dA = a - y.",
     lambda p: p.model == "linear-mse" and p.half is not False, {"two": True}),
    ("db-not-summed", "b is shared by all samples: dL/db sums dZ over the samples (columns), (A - Y) 1_m.",
     lambda p: True, {"sum_b": False}),
)


def _mistake(rules: tuple[tuple[str, str, Any, dict[str, Any]], ...]) -> Mistake:
    def apply(p: Params) -> dict[str, Any]:
        for _, _, when, switches in rules:
            if when(p):
                wrong = _answer_parts(p, **switches)
                return {"dL/db": wrong["dL/db"]} if switches.get("sum_b") is False else wrong
        return {}

    return Mistake(rules[0][0], rules[0][1], apply)


MISTAKES = tuple(_mistake(tuple(r for r in _RULES if r[0] == rid)) for rid in dict.fromkeys(r[0] for r in _RULES))


def _close(a: Any, b: Any) -> bool:
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def _numbers_distinct(p: Params) -> bool:
    """Every mistake's values differ from the right values, and no right value is all zeros. Checked in
    floating point (``approx``): the generator tries several candidates and exact exp() sums are slow."""
    right = _answer_parts(p, approx=True)
    if all(_close(v, 0) for row in right["dL/dW_value"] for v in row) or all(_close(v, 0) for v in right["dL/db_value"]):
        return False
    for _, _, when, switches in _RULES:
        if not when(p) or switches.get("sum_b") is False:
            continue
        wrong = _answer_parts(p, approx=True, **switches)
        vals = {k: v for k, v in wrong.items() if k.endswith("_value")}
        flat = lambda v: [x for row in v for x in row] if v and isinstance(v[0], tuple) else list(v)  # noqa: E731
        if all(len(flat(v)) == len(flat(right[k])) and all(_close(a, b) for a, b in zip(flat(v), flat(right[k])))
               for k, v in vals.items()):
            return False
    return True


def sample(
    rng: random.Random,
    *,
    model: str | None = None,
    reduction: str = "sum",
    numeric: bool = True,
    features_min: int = 2,
    features_max: int = 3,
    samples_min: int = 2,
    samples_max: int = 3,
    classes_max: int = 3,
    value_max: int = 2,
    zero_weights: bool | None = None,
) -> Params:
    """Small integers; W = b = 0 half the time (sigmoid 1/2, softmax 1/n_y), so the values are hand-computable."""
    import sympy as sp

    if features_min > features_max or samples_min > samples_max:
        raise ParamError("options", "features_min <= features_max and samples_min <= samples_max",
                         (features_min, features_max, samples_min, samples_max))
    chosen = model or rng.choice(MODELS)
    half = rng.choice((True, False)) if chosen == "linear-mse" else None
    if not numeric:
        return Params(model=chosen, reduction=reduction, half=half)
    ints = lambda k: tuple(sp.Integer(rng.randint(-value_max, value_max)) for _ in range(k))  # noqa: E731
    candidate = None
    for _ in range(100):
        n_x, m = rng.randint(features_min, features_max), rng.randint(samples_min, samples_max)
        n_y = rng.randint(2, classes_max) if chosen == "softmax-ce" else 1
        X = tuple(ints(m) for _ in range(n_x))
        zero = rng.random() < 0.5 if zero_weights is None else zero_weights
        W = tuple(tuple(sp.Integer(0) for _ in range(n_x)) for _ in range(n_y)) if zero else tuple(ints(n_x) for _ in range(n_y))
        b = tuple(sp.Integer(0) for _ in range(n_y)) if zero else ints(n_y)
        if chosen == "logistic":
            y = (tuple(sp.Integer(rng.randint(0, 1)) for _ in range(m)),)
        elif chosen == "linear-mse":
            y = (ints(m),)
        else:
            y = (tuple(sp.Integer(rng.randrange(n_y)) for _ in range(m)),)
        candidate = Params(model=chosen, reduction=reduction, half=half, X=X, y=y, W=W, b=b)
        if _numbers_distinct(candidate):
            return candidate
    return candidate  # type: ignore[return-value]
